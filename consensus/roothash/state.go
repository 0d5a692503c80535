package roothash

import (
	"encoding/binary"
	"fmt"

	"github.com/atoll-dev/atoll/consensus/codec"
	"github.com/atoll-dev/atoll/consensus/registry"
	"github.com/atoll-dev/atoll/consensus/roothash/api"
	"github.com/atoll-dev/atoll/consensus/signature"
	"github.com/atoll-dev/atoll/consensus/state"
)

// The roothash's keys in the application state:
//
//	roothash/params                                  Params
//	roothash/runtime/<runtime 32>                    runtimeState
//	roothash/round/<runtime 32>                      api.RoundState (absent while suspended)
//	roothash/commit/<runtime 32><node 32>            api.SignedCommitment of the pending round
//	roothash/block/<runtime 32><round u64be>         blockRecord, the last BlockHistory rounds
//	roothash/receipts/<runtime 32><round u64be>      []api.SignedReceipt behind a finalized block, same window
//	roothash/incoming/<runtime 32><id u64be>         api.IncomingMessage
//	roothash/liveness/<runtime 32><node 32>          livenessStats this epoch
//	roothash/challenge/<id u64be>                    api.Challenge
//	roothash/challenge_due/<deadline u64be><id u64be> (empty)
//	roothash/challenge_open/<digest 32>              u64 id
//	roothash/challenge_next                          u64 next id
//	roothash/evidence/<runtime 32><round u64be><node 32> u64 height punished
//	roothash/storage_fault/<runtime 32><round u64be><node 32> u64 height slashed for an unanswered challenge
var (
	prefixRuntime   = []byte("roothash/runtime/")
	prefixRound     = []byte("roothash/round/")
	prefixCommit    = []byte("roothash/commit/")
	prefixBlock     = []byte("roothash/block/")
	prefixReceipts  = []byte("roothash/receipts/")
	prefixIncoming  = []byte("roothash/incoming/")
	prefixLiveness  = []byte("roothash/liveness/")
	prefixChallenge = []byte("roothash/challenge/")
	prefixDue       = []byte("roothash/challenge_due/")
	prefixOpen      = []byte("roothash/challenge_open/")
	keyChallengeID  = []byte("roothash/challenge_next")
)

func key(prefix []byte, parts ...[]byte) []byte {
	k := append([]byte{}, prefix...)
	for _, p := range parts {
		k = append(k, p...)
	}
	return k
}

func u64(v uint64) []byte { return binary.BigEndian.AppendUint64(nil, v) }

func mustDecode(raw []byte, v any) {
	if err := codec.Unmarshal(raw, v); err != nil {
		panic(&state.FatalError{Err: fmt.Errorf("roothash: decoding %T: %w", v, err)})
	}
}

func get(kv state.KV, k []byte, v any) bool {
	raw := kv.Get(k)
	if raw == nil {
		return false
	}
	mustDecode(raw, v)
	return true
}

// runtimeState is the roothash's record of one runtime.
type runtimeState struct {
	Latest       api.Header `cbor:"latest"`
	LatestHeight int64      `cbor:"latest_height"`
	Suspended    bool       `cbor:"suspended"`
	// Incoming messages FirstIncoming..NextIncoming-1 are queued.
	FirstIncoming uint64 `cbor:"first_incoming"`
	NextIncoming  uint64 `cbor:"next_incoming"`
}

// blockRecord is a stored runtime block.
type blockRecord struct {
	Header api.Header `cbor:"header"`
	Height int64      `cbor:"height"`
}

func getRuntimeState(kv state.KV, id registry.RuntimeID) (*runtimeState, bool) {
	var st runtimeState
	return &st, get(kv, key(prefixRuntime, id[:]), &st)
}

func setRuntimeState(kv state.KV, id registry.RuntimeID, st *runtimeState) {
	kv.Set(key(prefixRuntime, id[:]), codec.Marshal(st))
}

func getRound(kv state.KV, id registry.RuntimeID) (*api.RoundState, bool) {
	var r api.RoundState
	return &r, get(kv, key(prefixRound, id[:]), &r)
}

func setRound(kv state.KV, id registry.RuntimeID, r *api.RoundState) {
	kv.Set(key(prefixRound, id[:]), codec.Marshal(r))
}

func getCommitment(kv state.KV, id registry.RuntimeID, node signature.PublicKey) (*api.SignedCommitment, bool) {
	var sc api.SignedCommitment
	return &sc, get(kv, key(prefixCommit, id[:], node[:]), &sc)
}

func setCommitment(kv state.KV, id registry.RuntimeID, sc *api.SignedCommitment) {
	kv.Set(key(prefixCommit, id[:], sc.Node[:]), codec.Marshal(sc))
}

// clearRound deletes the pending round and its commitments. It deletes
// the commitments by the round's votes rather than by iterating their
// prefix, which every round fills with deletion tombstones.
func clearRound(kv state.KV, id registry.RuntimeID) {
	if r, ok := getRound(kv, id); ok {
		for _, v := range r.Votes {
			kv.Delete(key(prefixCommit, id[:], v.Node[:]))
		}
	}
	kv.Delete(key(prefixRound, id[:]))
}

func getBlock(kv state.KV, id registry.RuntimeID, round uint64) (*blockRecord, bool) {
	var b blockRecord
	return &b, get(kv, key(prefixBlock, id[:], u64(round)), &b)
}

// putBlock stores a new block and forgets the one that fell out of the
// history window.
func putBlock(kv state.KV, id registry.RuntimeID, b *blockRecord, history uint64) {
	kv.Set(key(prefixBlock, id[:], u64(b.Header.Round)), codec.Marshal(b))
	if b.Header.Round >= history {
		old := u64(b.Header.Round - history)
		kv.Delete(key(prefixBlock, id[:], old))
		// Only Normal blocks have receipts; deleting the absent ones of
		// empty blocks would only write tombstones.
		if k := key(prefixReceipts, id[:], old); kv.Get(k) != nil {
			kv.Delete(k)
		}
	}
}

// getReceipts returns the storage receipts of finalized round's block.
func getReceipts(kv state.KV, id registry.RuntimeID, round uint64) []api.SignedReceipt {
	out := []api.SignedReceipt{}
	get(kv, key(prefixReceipts, id[:], u64(round)), &out)
	return out
}

// setReceipts keeps the storage receipts that backed a finalized block, so
// that anyone who later fails to fetch the round from a storage node can
// find that node's receipt and challenge it (challenge.go).
func setReceipts(kv state.KV, id registry.RuntimeID, round uint64, rs []api.SignedReceipt) {
	kv.Set(key(prefixReceipts, id[:], u64(round)), codec.Marshal(rs))
}

// livenessStats counts, for one worker of a runtime in the current epoch,
// the decided rounds it was a worker in and those it did not help decide.
type livenessStats struct {
	Rounds uint64 `cbor:"rounds"`
	Faults uint64 `cbor:"faults"`
}

func getLiveness(kv state.KV, id registry.RuntimeID, node signature.PublicKey) livenessStats {
	var s livenessStats
	get(kv, key(prefixLiveness, id[:], node[:]), &s)
	return s
}

func setLiveness(kv state.KV, id registry.RuntimeID, node signature.PublicKey, s livenessStats) {
	kv.Set(key(prefixLiveness, id[:], node[:]), codec.Marshal(&s))
}

func blockView(b *blockRecord) api.BlockView {
	return api.BlockView{Header: b.Header, Hash: b.Header.Hash(), Height: b.Height}
}
