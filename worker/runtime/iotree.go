package runtime

import (
	"encoding/binary"
	"fmt"

	"github.com/atoll-dev/atoll/consensus/codec"
	"github.com/atoll-dev/atoll/runtime/rhp"
	"github.com/atoll-dev/atoll/storage/mkvs"
)

// The IO tree of a round records what went in and what came out, so that
// a client can prove a transaction's result against the finalized IORoot:
//
//	key                          value
//	"tx"  ‖ index u32 BE         the transaction's wire bytes
//	"res" ‖ index u32 BE         canonical CBOR of its rhp.TxResult
//
// A round's IO tree starts empty.
var (
	ioTxPrefix     = []byte("tx")
	ioResultPrefix = []byte("res")
)

// IOTxKey is the IO-tree key of transaction i.
func IOTxKey(i uint32) []byte {
	return binary.BigEndian.AppendUint32(append([]byte(nil), ioTxPrefix...), i)
}

// IOResultKey is the IO-tree key of transaction i's result.
func IOResultKey(i uint32) []byte {
	return binary.BigEndian.AppendUint32(append([]byte(nil), ioResultPrefix...), i)
}

// BuildIOTree returns the write log and root of a round's IO tree.
func BuildIOTree(txs [][]byte, results []rhp.TxResult) (mkvs.WriteLog, mkvs.Hash, error) {
	if len(txs) != len(results) {
		return nil, mkvs.Hash{}, fmt.Errorf("runtime: %d results for %d transactions", len(results), len(txs))
	}
	t := mkvs.NewTree()
	for i := range txs {
		if err := t.Insert(IOTxKey(uint32(i)), txs[i]); err != nil {
			return nil, mkvs.Hash{}, fmt.Errorf("runtime: io tree: %w", err)
		}
		if err := t.Insert(IOResultKey(uint32(i)), codec.Marshal(&results[i])); err != nil {
			return nil, mkvs.Hash{}, fmt.Errorf("runtime: io tree: %w", err)
		}
	}
	wl, err := t.WriteLog()
	if err != nil {
		return nil, mkvs.Hash{}, fmt.Errorf("runtime: io tree: %w", err)
	}
	return wl, t.Hash(), nil
}

// ToRHPLog converts an MKVS write log to its RHP form.
func ToRHPLog(wl mkvs.WriteLog) []rhp.WriteLogEntry {
	out := make([]rhp.WriteLogEntry, len(wl))
	for i, e := range wl {
		out[i] = rhp.WriteLogEntry{Key: e.Key, Value: e.Value, Delete: e.Deleted}
	}
	return out
}

// FromRHPLog converts an RHP write log to an MKVS one. The result is
// checked (sorted, no key twice) only when it is encoded or applied.
func FromRHPLog(wl []rhp.WriteLogEntry) mkvs.WriteLog {
	out := make(mkvs.WriteLog, len(wl))
	for i, e := range wl {
		out[i] = mkvs.LogEntry{Key: e.Key, Value: e.Value, Deleted: e.Delete}
		if e.Delete {
			out[i].Value = nil
		}
	}
	return out
}
