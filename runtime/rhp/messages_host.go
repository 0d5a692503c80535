package rhp

// This file holds the bodies of the requests the host sends and of the
// runtime's responses to them. Every body is a CBOR map keyed by the
// snake_case names in the struct tags; a decoder ignores keys it does not
// know and treats a missing key as the zero value.

// Handshake is the first request on every connection. The runtime answers
// with its own version; when the major versions differ it answers with an
// Error of CodeVersionMismatch and closes the connection.
//
//	{ "version": Version }
type Handshake struct {
	Version Version `cbor:"version"`
}

// HandshakeResponse carries the runtime's protocol version.
//
//	{ "version": Version }
type HandshakeResponse struct {
	Version Version `cbor:"version"`
}

// InfoRequest tells the runtime what it serves and asks who it is.
//
//	{ "runtime_id": bstr .size 32, "chain_context": tstr, "local_config": bstr }
type InfoRequest struct {
	RuntimeID    Hash   `cbor:"runtime_id"`
	ChainContext string `cbor:"chain_context"`
	LocalConfig  []byte `cbor:"local_config"` // runtime-defined, opaque to the host
}

// InfoResponse describes the runtime.
//
//	{ "name": tstr, "version": Version, "features": [* tstr] }
type InfoResponse struct {
	Name     string   `cbor:"name"`
	Version  Version  `cbor:"version"`
	Features []string `cbor:"features"`
}

// Ping asks for a PingResponse; the host uses it as a liveness probe.
//
//	{}
type Ping struct{}

// PingResponse answers a Ping.
//
//	{}
type PingResponse struct{}

// BlockContext is what a runtime knows of the block it executes in. It is
// plain data so that the protocol does not depend on the runtime.
//
//	{ "slot": uint, "epoch": uint, "unix_timestamp": int,
//	  "recent_blockhashes": [* bstr .size 32], "active_features": [* bstr .size 32] }
type BlockContext struct {
	Slot              uint64 `cbor:"slot"`
	Epoch             uint64 `cbor:"epoch"`
	UnixTimestamp     int64  `cbor:"unix_timestamp"`
	RecentBlockhashes []Hash `cbor:"recent_blockhashes"` // newest first
	ActiveFeatures    []Hash `cbor:"active_features"`    // sorted ascending
}

// Root names one version of a Merkle tree.
//
//	{ "version": uint, "hash": bstr .size 32 }
type Root struct {
	Version uint64 `cbor:"version"` // the runtime round that produced the root
	Hash    Hash   `cbor:"hash"`
}

// Roots are the state and I/O roots of a runtime block.
//
//	{ "state": Root, "io": Root }
type Roots struct {
	State Root `cbor:"state"`
	IO    Root `cbor:"io"`
}

// CheckTxBatch asks the runtime to check transactions for admission to the
// pool, against the given state, without executing them.
//
//	{ "context": BlockContext, "state_root": Root, "txs": [* bstr] }
type CheckTxBatch struct {
	Context   BlockContext `cbor:"context"`
	StateRoot Root         `cbor:"state_root"`
	Txs       [][]byte     `cbor:"txs"`
}

// CheckTxResult is the verdict on one transaction.
//
//	{ "code": uint, "message": tstr, "priority": uint }
type CheckTxResult struct {
	Code     uint32 `cbor:"code"` // 0 admits the transaction
	Message  string `cbor:"message"`
	Priority uint64 `cbor:"priority"` // higher is scheduled first
}

// CheckTxBatchResponse has one result per transaction, in order.
//
//	{ "results": [* CheckTxResult] }
type CheckTxBatchResponse struct {
	Results []CheckTxResult `cbor:"results"`
}

// StorageEntry is one key of a storage read and what the tree holds there.
//
//	{ "key": bstr, "found": bool, "value": bstr }
type StorageEntry struct {
	Key   []byte `cbor:"key"`
	Found bool   `cbor:"found"`
	Value []byte `cbor:"value"` // empty when !Found
}

// Prefetch ships values the host read ahead of execution, with one proof
// covering all of them against the batch's previous state root. The runtime
// must verify the proof before trusting any entry.
//
//	{ "entries": [* StorageEntry], "proof": bstr }
type Prefetch struct {
	Entries []StorageEntry `cbor:"entries"`
	Proof   []byte         `cbor:"proof"`
}

// ExecuteTxBatch asks the runtime to execute a batch on top of the previous
// roots. Execution must be deterministic: the same request yields the same
// response on every node.
//
//	{ "round": uint, "context": BlockContext, "prev_roots": Roots,
//	  "txs": [* bstr], "prefetch": Prefetch, ? "deposits": [* Deposit] }
type ExecuteTxBatch struct {
	Round     uint64       `cbor:"round"`
	Context   BlockContext `cbor:"context"`
	PrevRoots Roots        `cbor:"prev_roots"`
	Txs       [][]byte     `cbor:"txs"`
	Prefetch  Prefetch     `cbor:"prefetch"`
	// Deposits are the consensus layer's incoming messages the round must
	// credit, in order, before its transactions.
	Deposits []Deposit `cbor:"deposits,omitempty"`
}

// Deposit is value the consensus layer moved into the runtime's account, to
// be credited inside the runtime to Recipient.
//
//	{ "id": uint, "recipient": bstr .size 32, "amount": uint }
type Deposit struct {
	ID        uint64 `cbor:"id"`
	Recipient Hash   `cbor:"recipient"`
	Amount    uint64 `cbor:"amount"`
}

// TxResult is the outcome of one executed transaction.
//
//	{ "code": uint, "units": uint, "logs": [* tstr], "data": bstr }
type TxResult struct {
	Code  uint32   `cbor:"code"` // 0 is success
	Units uint64   `cbor:"units"`
	Logs  []string `cbor:"logs"`
	Data  []byte   `cbor:"data"`
}

// WriteLogEntry sets a key, or deletes it when Delete is true.
//
//	{ "key": bstr, "value": bstr, "delete": bool }
type WriteLogEntry struct {
	Key    []byte `cbor:"key"`
	Value  []byte `cbor:"value"`
	Delete bool   `cbor:"delete"`
}

// ExecuteTxBatchResponse is the runtime's computed batch. The host applies
// the write logs to its own trees and rejects the batch when the roots it
// computes differ from StateRoot and IORoot.
//
//	{ "results": [* TxResult], "state_write_log": [* WriteLogEntry],
//	  "io_write_log": [* WriteLogEntry], "state_root": bstr .size 32,
//	  "io_root": bstr .size 32, "messages": [* bstr] }
type ExecuteTxBatchResponse struct {
	Results       []TxResult      `cbor:"results"`
	StateWriteLog []WriteLogEntry `cbor:"state_write_log"`
	IOWriteLog    []WriteLogEntry `cbor:"io_write_log"`
	StateRoot     Hash            `cbor:"state_root"`
	IORoot        Hash            `cbor:"io_root"`
	Messages      [][]byte        `cbor:"messages"` // runtime messages for the consensus layer
}

// Query is a read-only request against a state root.
//
//	{ "method": tstr, "args": bstr, "context": BlockContext, "state_root": Root }
type Query struct {
	Method    string       `cbor:"method"`
	Args      []byte       `cbor:"args"`
	Context   BlockContext `cbor:"context"`
	StateRoot Root         `cbor:"state_root"`
}

// QueryResponse carries the method's result.
//
//	{ "data": bstr }
type QueryResponse struct {
	Data []byte `cbor:"data"`
}

// Abort asks the runtime to stop serving the host request with id Target.
// The runtime answers the aborted request with an Error of CodeAborted (or
// with its result, if it finished first) and then answers the Abort.
//
//	{ "target": uint }
type Abort struct {
	Target uint64 `cbor:"target"`
}

// AbortResponse acknowledges an Abort.
//
//	{}
type AbortResponse struct{}

// Shutdown asks the runtime to exit. It answers, then closes the connection
// and exits with status 0.
//
//	{}
type Shutdown struct{}

// ShutdownResponse acknowledges a Shutdown.
//
//	{}
type ShutdownResponse struct{}

func (Handshake) MessageType() MessageType              { return TypeHandshake }
func (HandshakeResponse) MessageType() MessageType      { return TypeHandshake.Response() }
func (InfoRequest) MessageType() MessageType            { return TypeInfo }
func (InfoResponse) MessageType() MessageType           { return TypeInfo.Response() }
func (Ping) MessageType() MessageType                   { return TypePing }
func (PingResponse) MessageType() MessageType           { return TypePing.Response() }
func (CheckTxBatch) MessageType() MessageType           { return TypeCheckTxBatch }
func (CheckTxBatchResponse) MessageType() MessageType   { return TypeCheckTxBatch.Response() }
func (ExecuteTxBatch) MessageType() MessageType         { return TypeExecuteTxBatch }
func (ExecuteTxBatchResponse) MessageType() MessageType { return TypeExecuteTxBatch.Response() }
func (Query) MessageType() MessageType                  { return TypeQuery }
func (QueryResponse) MessageType() MessageType          { return TypeQuery.Response() }
func (Abort) MessageType() MessageType                  { return TypeAbort }
func (AbortResponse) MessageType() MessageType          { return TypeAbort.Response() }
func (Shutdown) MessageType() MessageType               { return TypeShutdown }
func (ShutdownResponse) MessageType() MessageType       { return TypeShutdown.Response() }
