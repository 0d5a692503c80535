package loader

import (
	"encoding/binary"

	"github.com/atoll-dev/atoll/runtime/svm"
	"github.com/atoll-dev/atoll/vm/sbpf/abi"
	"github.com/atoll-dev/atoll/vm/sbpf/elf"
)

// Instructions of BPFLoader2 and the deprecated loader (bincode, u32 tag):
//
//	0 Write    { offset u32, bytes: u64 len + bytes }  accounts: [program (signer, writable)]
//	1 Finalize                                          accounts: [program (signer, writable), rent sysvar]
//
// This is the deploy path of @solana/web3.js's BpfLoader.load.
const (
	loaderWrite    = 0
	loaderFinalize = 1
)

func (r *Runtime) processLoader2(ctx *svm.InvokeContext) error {
	if ctx.ProgramID != svm.BPFLoader2ID {
		return r.runOwned(ctx, abi.Aligned)
	}
	return r.loaderInstruction(ctx)
}

func (r *Runtime) processDeprecated(ctx *svm.InvokeContext) error {
	if ctx.ProgramID != svm.BPFLoaderDeprecatedID {
		return r.runOwned(ctx, abi.Unaligned)
	}
	return r.loaderInstruction(ctx)
}

// runOwned runs a program that lives in its own executable account.
func (r *Runtime) runOwned(ctx *svm.InvokeContext, format abi.Format) error {
	prog, ok := ctx.TxAccount(ctx.ProgramID)
	if !ok || !prog.Executable {
		return svm.ErrAccountNotExecutable
	}
	return r.execute(ctx, cacheKey{program: ctx.ProgramID, version: versionOfBytes(prog.Data)}, prog.Data, format)
}

func (r *Runtime) loaderInstruction(ctx *svm.InvokeContext) error {
	if err := ctx.Meter().Consume(loaderUnits); err != nil {
		return err
	}
	d := ctx.Data
	if len(d) < 4 {
		return svm.ErrInvalidInstructionData
	}
	prog, err := ctx.Account(0)
	if err != nil {
		return err
	}
	if !prog.Signer {
		ctx.Log("Program account did not sign")
		return svm.ErrMissingRequiredSignature
	}
	switch binary.LittleEndian.Uint32(d) {
	case loaderWrite:
		if len(d) < 16 {
			return svm.ErrInvalidInstructionData
		}
		offset := uint64(binary.LittleEndian.Uint32(d[4:]))
		n := binary.LittleEndian.Uint64(d[8:])
		if n > uint64(len(d)-16) {
			return svm.ErrInvalidInstructionData
		}
		if offset+n > uint64(len(prog.Account.Data)) {
			ctx.Log("Write overflow")
			return svm.ErrAccountDataTooSmall
		}
		copy(prog.Account.Data[offset:], d[16:16+n])
		return nil
	case loaderFinalize:
		if _, err := elf.Load(prog.Account.Data, r.registry); err != nil {
			ctx.Log("Failed to load the program: " + err.Error())
			return svm.ErrInvalidAccountData
		}
		prog.Account.Executable = true
		ctx.Log("Finalized account " + prog.Key.String())
		return nil
	}
	return svm.ErrInvalidInstructionData
}

// loaderUnits is what a loader management instruction costs, as Solana's
// loaders declare.
const loaderUnits = 570
