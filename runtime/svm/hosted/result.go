package hosted

import (
	"encoding/binary"
	"fmt"

	"github.com/atoll-dev/atoll/runtime/rhp"
	"github.com/atoll-dev/atoll/runtime/svm"
	"github.com/atoll-dev/atoll/runtime/svm/sol"
	"github.com/atoll-dev/atoll/storage/mkvs"
)

// Result codes of rhp.TxResult.Code.
const (
	CodeOK = 0
	// CodeFailed: processed (fee charged) but failed; Data says why.
	CodeFailed = 1
	// CodeRefused: not processed (bad encoding or signature, unknown
	// blockhash, replay, fee payer unable to pay).
	CodeRefused = 2
)

// Result is a transaction's full outcome as the runtime records it in the IO
// tree under ResultKey (canonical CBOR). The response to ExecuteTxBatch
// carries only its code and units (rhp.TxResult.Data is empty).
type Result struct {
	Signature     sol.Signature `cbor:"signature"`
	MessageHash   sol.Hash      `cbor:"message_hash"`
	Processed     bool          `cbor:"processed"`
	Err           *ResultError  `cbor:"err,omitempty"`
	Fee           uint64        `cbor:"fee"`
	UnitsConsumed uint64        `cbor:"units"`
	Logs          []string      `cbor:"logs"`
	ReturnProgram *sol.Pubkey   `cbor:"return_program,omitempty"`
	ReturnData    []byte        `cbor:"return_data,omitempty"`
	Keys          []sol.Pubkey  `cbor:"keys"`
	PreBalances   []uint64      `cbor:"pre_balances"`
	PostBalances  []uint64      `cbor:"post_balances"`
	Messages      [][]byte      `cbor:"messages,omitempty"`
}

// ResultError is svm.TransactionError as plain data.
type ResultError struct {
	Kind      uint8  `cbor:"kind"`
	Index     uint8  `cbor:"index"`
	InstrKind uint8  `cbor:"instr_kind"`
	InstrCode uint32 `cbor:"instr_code"`
	Detail    string `cbor:"detail"`
}

// NewResult converts an executor result.
func NewResult(r *svm.TxResult) Result {
	out := Result{
		Signature: r.Signature, MessageHash: r.MessageHash, Processed: r.Processed, Fee: r.Fee,
		UnitsConsumed: r.UnitsConsumed, Logs: r.Logs, Keys: r.Keys, PreBalances: r.PreBalances, PostBalances: r.PostBalances,
		Messages: r.Messages,
	}
	if r.Err != nil {
		out.Err = &ResultError{Kind: uint8(r.Err.Kind), Index: r.Err.Index, InstrKind: uint8(r.Err.Instr.Kind), InstrCode: r.Err.Instr.Code, Detail: r.Err.Detail}
	}
	if r.ReturnData != nil {
		p := r.ReturnData.ProgramID
		out.ReturnProgram, out.ReturnData = &p, r.ReturnData.Data
	}
	return out
}

// TxResult converts back to the executor's form.
func (r *Result) TxResult() svm.TxResult {
	out := svm.TxResult{
		Signature: r.Signature, MessageHash: r.MessageHash, Processed: r.Processed, Fee: r.Fee,
		UnitsConsumed: r.UnitsConsumed, Logs: r.Logs, Keys: r.Keys, PreBalances: r.PreBalances, PostBalances: r.PostBalances,
		Messages: r.Messages,
	}
	if r.Err != nil {
		out.Err = &svm.TransactionError{Kind: svm.TxErrKind(r.Err.Kind), Index: r.Err.Index,
			Instr: svm.InstructionError{Kind: svm.InstrErrKind(r.Err.InstrKind), Code: r.Err.InstrCode}, Detail: r.Err.Detail}
	}
	if r.ReturnProgram != nil {
		out.ReturnData = &svm.ReturnData{ProgramID: *r.ReturnProgram, Data: r.ReturnData}
	}
	return out
}

// DecodeResult parses an IO tree result value. The Result does not alias b.
func DecodeResult(b []byte) (Result, error) {
	var r Result
	if err := r.UnmarshalCBOR(b); err != nil {
		return Result{}, fmt.Errorf("hosted: malformed result: %w", err)
	}
	return r, nil
}

func code(r *svm.TxResult) uint32 {
	switch {
	case !r.Processed:
		return CodeRefused
	case r.Err != nil:
		return CodeFailed
	}
	return CodeOK
}

// IO tree keys: the i-th transaction of the batch and its result.
//
//	'T' | u32 BE index → transaction bytes
//	'R' | u32 BE index → Result (canonical CBOR)
func ioKey(kind byte, i int) []byte { return binary.BigEndian.AppendUint32([]byte{kind}, uint32(i)) }

// TxKey and ResultKey name a batch's entries in its IO tree.
func TxKey(i int) []byte     { return ioKey('T', i) }
func ResultKey(i int) []byte { return ioKey('R', i) }

// buildIO lays the batch and its results (encoded: results[i] is the
// canonical CBOR of transaction i's Result) out as the round's IO tree and
// returns its root and the full write log (an IO tree starts empty every
// round).
func buildIO(txs [][]byte, results [][]byte) (mkvs.Hash, []rhp.WriteLogEntry, error) {
	t := mkvs.NewTree()
	// Keys sort by kind ('R' < 'T'), then by big-endian index: the log is
	// built in key order.
	log := make([]rhp.WriteLogEntry, 2*len(txs))
	for i := range txs {
		log[i] = rhp.WriteLogEntry{Key: ResultKey(i), Value: results[i]}
		log[len(txs)+i] = rhp.WriteLogEntry{Key: TxKey(i), Value: txs[i]}
	}
	for _, e := range log {
		if err := t.Insert(e.Key, e.Value); err != nil {
			return mkvs.Hash{}, nil, err
		}
	}
	return t.Hash(), log, nil
}
