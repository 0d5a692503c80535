package loader

import (
	"encoding/binary"

	"github.com/atoll-dev/atoll/runtime/svm"
	"github.com/atoll-dev/atoll/runtime/svm/sol"
	"github.com/atoll-dev/atoll/vm/sbpf"
	"github.com/atoll-dev/atoll/vm/sbpf/abi"
)

// Limits on a cross-program invocation from sBPF, as Solana's.
const (
	maxCPIInstructionAccounts = 255
	maxCPIInstructionData     = 10 * 1024
	maxCPIAccountInfos        = 128
	maxSigners                = 16
)

// callerAccount is one account info the calling program passed, located in
// VM memory so it can be synchronised both ways.
type callerAccount struct {
	key         sol.Pubkey
	lamportsPtr uint64
	ownerPtr    uint64
	dataPtr     uint64
	dataLen     uint64
	// dataLenPtr is where the info records its data length (C: the info's
	// data_len field; Rust: the slice length inside the RefCell).
	dataLenPtr uint64
}

// cpiABI reads one language's layout of the invocation arguments.
type cpiABI interface {
	instruction(m *sbpf.Machine, addr uint64) (sol.Instruction, error)
	accountInfos(m *sbpf.Machine, addr, n uint64) ([]callerAccount, error)
	signerSeeds(m *sbpf.Machine, addr, n uint64) ([][][]byte, error)
}

func (r *Runtime) invokeSignedC(m *sbpf.Machine, instr, infos, nInfos, seeds, nSeeds uint64) (uint64, error) {
	return r.invoke(m, cABI{}, instr, infos, nInfos, seeds, nSeeds)
}

func (r *Runtime) invokeSignedRust(m *sbpf.Machine, instr, infos, nInfos, seeds, nSeeds uint64) (uint64, error) {
	return r.invoke(m, rustABI{}, instr, infos, nInfos, seeds, nSeeds)
}

// invoke carries out sol_invoke_signed_*: it translates the instruction,
// derives the signing PDAs, pushes the caller's account changes to the
// transaction, runs the callee through the runtime (which enforces privilege,
// depth, reentrancy and the access policy), and copies the results back into
// the caller's memory.
func (r *Runtime) invoke(m *sbpf.Machine, abiv cpiABI, instrAddr, infosAddr, nInfos, seedsAddr, nSeeds uint64) (uint64, error) {
	inv := invocationOf(m)
	ctx := inv.ctx
	if err := m.Consume(r.budget.InvokeUnits); err != nil {
		return 0, err
	}
	ix, err := abiv.instruction(m, instrAddr)
	if err != nil {
		return 0, err
	}
	if err := m.Consume(uint64(len(ix.Data)) / r.budget.CPIBytesPerUnit); err != nil {
		return 0, err
	}
	switch ix.ProgramID {
	case svm.NativeLoaderID, svm.BPFLoaderDeprecatedID, svm.BPFLoader2ID:
		return 0, svm.ErrUnsupportedProgramID
	}
	if nInfos > maxCPIAccountInfos {
		return 0, svm.InstructionError{Kind: svm.MaxAccountsExceeded}
	}
	infos, err := abiv.accountInfos(m, infosAddr, nInfos)
	if err != nil {
		return 0, err
	}
	if nSeeds > maxSigners {
		return 0, svm.ErrMaxSeedLengthExceeded
	}
	seedSets, err := abiv.signerSeeds(m, seedsAddr, nSeeds)
	if err != nil {
		return 0, err
	}
	signers := make([]sol.Pubkey, 0, len(seedSets))
	for _, seeds := range seedSets {
		pda, err := sol.CreateProgramAddress(seeds, ctx.ProgramID)
		if err != nil {
			return 0, svm.ErrInvalidSeeds
		}
		signers = append(signers, pda)
	}

	// Every account of the callee must come with an account info; the
	// caller's view of it is pushed into the transaction first.
	used := make([]*callerAccount, len(ix.Accounts))
	for i, meta := range ix.Accounts {
		for j := range infos {
			if infos[j].key == meta.Pubkey {
				used[i] = &infos[j]
				break
			}
		}
		if used[i] == nil {
			ctx.Log("Instruction references an unknown account " + meta.Pubkey.String())
			return 0, svm.ErrMissingAccount
		}
		if err := m.Consume(used[i].dataLen / r.budget.CPIBytesPerUnit); err != nil {
			return 0, err
		}
		if err := pushToTransaction(m, ctx, used[i]); err != nil {
			return 0, err
		}
	}

	// The callee draws on the transaction's meter; settle the caller's
	// instructions first and charge the callee's units to the caller after.
	meter := ctx.Meter()
	meter.SetRemaining(m.Remaining())
	invokeErr := ctx.Invoke(ix, signers)
	if rem := meter.Remaining(); rem < m.Remaining() {
		if err := m.Consume(m.Remaining() - rem); err != nil {
			return 0, err
		}
	}
	if invokeErr != nil {
		return 0, invokeErr
	}
	for i, meta := range ix.Accounts {
		if meta.IsWritable {
			if err := pullFromTransaction(m, inv, used[i]); err != nil {
				return 0, err
			}
		}
	}
	return 0, nil
}

// pushToTransaction copies the caller's lamports, owner and data for an
// account into the transaction's working copy.
func pushToTransaction(m *sbpf.Machine, ctx *svm.InvokeContext, ca *callerAccount) error {
	acct, ok := ctx.TxAccount(ca.key)
	if !ok {
		return svm.ErrMissingAccount
	}
	lb, err := m.Load(ca.lamportsPtr, 8)
	if err != nil {
		return err
	}
	ob, err := m.Load(ca.ownerPtr, 32)
	if err != nil {
		return err
	}
	data, err := load(m, ca.dataPtr, ca.dataLen)
	if err != nil {
		return err
	}
	acct.Lamports = binary.LittleEndian.Uint64(lb)
	copy(acct.Owner[:], ob)
	if string(acct.Data) != string(data) {
		acct.Data = append(make([]byte, 0, len(data)), data...)
	}
	return nil
}

// pullFromTransaction writes the callee's results into the caller's memory:
// lamports, owner, and data with its length (which may grow up to the
// realloc reserve of the serialized input).
func pullFromTransaction(m *sbpf.Machine, inv *invocation, ca *callerAccount) error {
	acct, ok := inv.ctx.TxAccount(ca.key)
	if !ok {
		return svm.ErrMissingAccount
	}
	lb, err := m.Store(ca.lamportsPtr, 8)
	if err != nil {
		return err
	}
	binary.LittleEndian.PutUint64(lb, acct.Lamports)
	ob, err := m.Store(ca.ownerPtr, 32)
	if err != nil {
		return err
	}
	copy(ob, acct.Owner[:])
	newLen := uint64(len(acct.Data))
	if newLen != ca.dataLen {
		if newLen > ca.dataLen+abi.MaxPermittedDataIncrease {
			return svm.ErrInvalidRealloc
		}
		// The serialized length precedes the data in the input region.
		if lenField, err := m.Store(ca.dataPtr-8, 8); err == nil {
			binary.LittleEndian.PutUint64(lenField, newLen)
		}
		if ca.dataLenPtr != 0 {
			f, err := m.Store(ca.dataLenPtr, 8)
			if err != nil {
				return err
			}
			binary.LittleEndian.PutUint64(f, newLen)
		}
	}
	span := max(newLen, ca.dataLen)
	if span == 0 {
		return nil
	}
	dst, err := m.Store(ca.dataPtr, span)
	if err != nil {
		return err
	}
	n := copy(dst, acct.Data)
	clear(dst[n:])
	return nil
}

// load reads n bytes at addr; an empty range needs no mapping.
func load(m *sbpf.Machine, addr, n uint64) ([]byte, error) {
	if n == 0 {
		return nil, nil
	}
	return m.Load(addr, n)
}

func u64At(m *sbpf.Machine, addr uint64) (uint64, error) {
	b, err := m.Load(addr, 8)
	if err != nil {
		return 0, err
	}
	return binary.LittleEndian.Uint64(b), nil
}

func pubkeyAt(m *sbpf.Machine, addr uint64) (sol.Pubkey, error) {
	var k sol.Pubkey
	b, err := m.Load(addr, 32)
	if err == nil {
		copy(k[:], b)
	}
	return k, err
}

func bytesAt(m *sbpf.Machine, addr, n uint64) ([]byte, error) {
	b, err := load(m, addr, n)
	if err != nil {
		return nil, err
	}
	return append([]byte(nil), b...), nil
}
