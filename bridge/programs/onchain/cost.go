package onchain

import (
	"github.com/atoll-dev/atoll/runtime/svm"
)

// Compute-unit costs the bridge programs charge, in proportion to the work
// they do. They mirror the syscall costs an sBPF program would pay for the
// same work, so a native bridge is not cheaper than a deployed one would be:
//
//	InstructionUnits   150      every instruction (Solana's builtin charge)
//	KeccakBaseUnits    85       each keccak256 call (sol_keccak256's base)
//	KeccakByteUnits    1        per hashed byte
//	RecoverUnits       25,000   each secp256k1 recovery (sol_secp256k1_recover)
//	PDAAttemptUnits    1,500    each program-address derivation attempt
//	StateBytesPerUnit  250      state bytes decoded or encoded per unit
//	LogUnits           100      each log line
//
// Measured totals (BenchmarkProveAndProcess, BenchmarkDispatch and the e2e
// tests): a dispatch of a 64-byte body about 5,500 units; a Replica update
// with two signatures about 54,000 (two recoveries dominate); a
// proveAndProcess into a small recipient 13,000–26,000, most of it the
// derivations of the root-history and message-record addresses, whose number
// of bump attempts varies with the address.
const (
	InstructionUnits  = 150
	KeccakBaseUnits   = 85
	KeccakByteUnits   = 1
	RecoverUnits      = 25_000
	PDAAttemptUnits   = 1_500
	StateBytesPerUnit = 250
	LogUnits          = 100
)

// KeccakCost is the cost of one keccak256 over n bytes.
func KeccakCost(n int) uint64 { return KeccakBaseUnits + KeccakByteUnits*uint64(n) }

// NodeHashes is the cost of hashing k Merkle nodes (64 bytes each).
func NodeHashes(k int) uint64 { return uint64(k) * KeccakCost(64) }

// StateCost is the cost of decoding or encoding n bytes of state.
func StateCost(n int) uint64 { return uint64(n)/StateBytesPerUnit + 1 }

// Charge takes units from the instruction's meter.
func Charge(ctx *svm.InvokeContext, units uint64) error { return ctx.Meter().Consume(units) }

// Log writes a program log line and charges for it.
func Log(ctx *svm.InvokeContext, msg string) error {
	if err := Charge(ctx, LogUnits); err != nil {
		return err
	}
	ctx.Log(msg)
	return nil
}
