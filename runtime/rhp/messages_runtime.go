package rhp

// This file holds the bodies of the requests the runtime sends back to the
// host while it serves a host request, and the host's responses.

// StorageGet reads keys of the state tree at Root. The host answers with
// every key's value and one proof covering all of them; the runtime verifies
// the proof against the root it trusts (the one the host sent it in the
// request being served) and must not use an unverified value.
//
//	{ "root": Root, "keys": [* bstr] }
type StorageGet struct {
	Root Root     `cbor:"root"`
	Keys [][]byte `cbor:"keys"`
}

// StorageGetResponse has one entry per requested key, in request order, and
// the Merkle proof (an opaque MKVS proof) for all of them against Root.
//
//	{ "entries": [* StorageEntry], "proof": bstr }
type StorageGetResponse struct {
	Entries []StorageEntry `cbor:"entries"`
	Proof   []byte         `cbor:"proof"`
}

// ConsensusQuery is a light query of the consensus layer at a height
// (0 means the latest height the host has).
//
//	{ "method": tstr, "height": uint, "args": bstr }
type ConsensusQuery struct {
	Method string `cbor:"method"`
	Height uint64 `cbor:"height"`
	Args   []byte `cbor:"args"`
}

// ConsensusQueryResponse carries the query's result.
//
//	{ "data": bstr }
type ConsensusQueryResponse struct {
	Data []byte `cbor:"data"`
}

// LocalGet reads the runtime's node-local, unreplicated key-value store.
//
//	{ "key": bstr }
type LocalGet struct {
	Key []byte `cbor:"key"`
}

// LocalGetResponse carries the value, if any.
//
//	{ "found": bool, "value": bstr }
type LocalGetResponse struct {
	Found bool   `cbor:"found"`
	Value []byte `cbor:"value"`
}

// LocalSet writes the node-local store.
//
//	{ "key": bstr, "value": bstr }
type LocalSet struct {
	Key   []byte `cbor:"key"`
	Value []byte `cbor:"value"`
}

// LocalSetResponse acknowledges a LocalSet once the value is durable.
//
//	{}
type LocalSetResponse struct{}

func (StorageGet) MessageType() MessageType             { return TypeStorageGet }
func (StorageGetResponse) MessageType() MessageType     { return TypeStorageGet.Response() }
func (ConsensusQuery) MessageType() MessageType         { return TypeConsensusQuery }
func (ConsensusQueryResponse) MessageType() MessageType { return TypeConsensusQuery.Response() }
func (LocalGet) MessageType() MessageType               { return TypeLocalGet }
func (LocalGetResponse) MessageType() MessageType       { return TypeLocalGet.Response() }
func (LocalSet) MessageType() MessageType               { return TypeLocalSet }
func (LocalSetResponse) MessageType() MessageType       { return TypeLocalSet.Response() }
