package loader

import (
	"github.com/atoll-dev/atoll/runtime/svm"
	"github.com/atoll-dev/atoll/runtime/svm/sol"
	"github.com/atoll-dev/atoll/vm/sbpf"
)

// cABI is sol_invoke_signed_c's layout (all pointers are VM addresses):
//
//	SolInstruction  (40): program_id* | accounts* | account_len u64 | data* | data_len u64
//	SolAccountMeta  (16): pubkey* | is_writable u8 | is_signer u8 | pad 6
//	SolAccountInfo  (56): key* | lamports* | data_len u64 | data* | owner* | rent_epoch u64 |
//	                      is_signer u8 | is_writable u8 | executable u8 | pad 5
//	SolSignerSeeds  (16): seeds* | len u64   each seed (16): addr* | len u64
type cABI struct{}

func (cABI) instruction(m *sbpf.Machine, addr uint64) (sol.Instruction, error) {
	hdr, err := m.Load(addr, 40)
	if err != nil {
		return sol.Instruction{}, err
	}
	f := func(i int) uint64 { return le64(hdr[8*i:]) }
	var ix sol.Instruction
	if ix.ProgramID, err = pubkeyAt(m, f(0)); err != nil {
		return ix, err
	}
	nAccts, dataLen := f(2), f(4)
	if nAccts > maxCPIInstructionAccounts {
		return ix, svm.InstructionError{Kind: svm.MaxAccountsExceeded}
	}
	if dataLen > maxCPIInstructionData {
		return ix, svm.ErrInvalidInstructionData
	}
	metas, err := load(m, f(1), nAccts*16)
	if err != nil {
		return ix, err
	}
	ix.Accounts = make([]sol.AccountMeta, nAccts)
	for i := range ix.Accounts {
		meta := metas[16*i:]
		if ix.Accounts[i].Pubkey, err = pubkeyAt(m, le64(meta)); err != nil {
			return ix, err
		}
		ix.Accounts[i].IsWritable = meta[8] != 0
		ix.Accounts[i].IsSigner = meta[9] != 0
	}
	ix.Data, err = bytesAt(m, f(3), dataLen)
	return ix, err
}

func (cABI) accountInfos(m *sbpf.Machine, addr, n uint64) ([]callerAccount, error) {
	raw, err := load(m, addr, n*56)
	if err != nil {
		return nil, err
	}
	out := make([]callerAccount, n)
	for i := range out {
		info := raw[56*i:]
		ca := &out[i]
		if ca.key, err = pubkeyAt(m, le64(info)); err != nil {
			return nil, err
		}
		ca.lamportsPtr = le64(info[8:])
		ca.dataLen = le64(info[16:])
		ca.dataPtr = le64(info[24:])
		ca.ownerPtr = le64(info[32:])
		ca.dataLenPtr = addr + uint64(56*i) + 16
	}
	return out, nil
}

func (cABI) signerSeeds(m *sbpf.Machine, addr, n uint64) ([][][]byte, error) {
	return readSeedSets(m, addr, n)
}

// rustABI is sol_invoke_signed_rust's layout:
//
//	StableInstruction (80): accounts {ptr, cap, len} | data {ptr, cap, len} | program_id [32]
//	AccountMeta       (34): pubkey [32] | is_signer u8 | is_writable u8
//	AccountInfo       (48): key* | lamports Rc* | data Rc* | owner* | rent_epoch u64 |
//	                        is_signer u8 | is_writable u8 | executable u8 | pad 5
//	Rc<RefCell<T>>: strong u64 | weak u64 | borrow flag i64 | T
//	  lamports T = *u64; data T = {ptr, len}
//	seeds: &[&[&[u8]]], each slice a {ptr, len} pair
type rustABI struct{}

func (rustABI) instruction(m *sbpf.Machine, addr uint64) (sol.Instruction, error) {
	hdr, err := m.Load(addr, 80)
	if err != nil {
		return sol.Instruction{}, err
	}
	var ix sol.Instruction
	copy(ix.ProgramID[:], hdr[48:80])
	acctPtr, nAccts := le64(hdr[0:]), le64(hdr[16:])
	dataPtr, dataLen := le64(hdr[24:]), le64(hdr[40:])
	if nAccts > maxCPIInstructionAccounts {
		return ix, svm.InstructionError{Kind: svm.MaxAccountsExceeded}
	}
	if dataLen > maxCPIInstructionData {
		return ix, svm.ErrInvalidInstructionData
	}
	metas, err := load(m, acctPtr, nAccts*34)
	if err != nil {
		return ix, err
	}
	ix.Accounts = make([]sol.AccountMeta, nAccts)
	for i := range ix.Accounts {
		meta := metas[34*i:]
		copy(ix.Accounts[i].Pubkey[:], meta[:32])
		ix.Accounts[i].IsSigner = meta[32] != 0
		ix.Accounts[i].IsWritable = meta[33] != 0
	}
	ix.Data, err = bytesAt(m, dataPtr, dataLen)
	return ix, err
}

func (rustABI) accountInfos(m *sbpf.Machine, addr, n uint64) ([]callerAccount, error) {
	raw, err := load(m, addr, n*48)
	if err != nil {
		return nil, err
	}
	out := make([]callerAccount, n)
	for i := range out {
		info := raw[48*i:]
		ca := &out[i]
		if ca.key, err = pubkeyAt(m, le64(info)); err != nil {
			return nil, err
		}
		const refCellValue = 24
		if ca.lamportsPtr, err = u64At(m, le64(info[8:])+refCellValue); err != nil {
			return nil, err
		}
		dataCell := le64(info[16:]) + refCellValue
		if ca.dataPtr, err = u64At(m, dataCell); err != nil {
			return nil, err
		}
		if ca.dataLen, err = u64At(m, dataCell+8); err != nil {
			return nil, err
		}
		ca.dataLenPtr = dataCell + 8
		ca.ownerPtr = le64(info[24:])
	}
	return out, nil
}

func (rustABI) signerSeeds(m *sbpf.Machine, addr, n uint64) ([][][]byte, error) {
	return readSeedSets(m, addr, n)
}

// readSeedSets reads n {ptr, len} slices, each of {ptr, len} seeds; the C
// and Rust layouts coincide here.
func readSeedSets(m *sbpf.Machine, addr, n uint64) ([][][]byte, error) {
	if n == 0 {
		return nil, nil
	}
	sets, err := load(m, addr, n*16)
	if err != nil {
		return nil, err
	}
	out := make([][][]byte, n)
	for i := range out {
		ptr, count := le64(sets[16*i:]), le64(sets[16*i+8:])
		if count > sol.MaxSeeds {
			return nil, svm.ErrMaxSeedLengthExceeded
		}
		seeds, err := load(m, ptr, count*16)
		if err != nil {
			return nil, err
		}
		out[i] = make([][]byte, count)
		for j := range out[i] {
			sp, sl := le64(seeds[16*j:]), le64(seeds[16*j+8:])
			if sl > sol.MaxSeedLen {
				return nil, svm.ErrMaxSeedLengthExceeded
			}
			if out[i][j], err = bytesAt(m, sp, sl); err != nil {
				return nil, err
			}
		}
	}
	return out, nil
}

func le64(b []byte) uint64 {
	_ = b[7]
	return uint64(b[0]) | uint64(b[1])<<8 | uint64(b[2])<<16 | uint64(b[3])<<24 |
		uint64(b[4])<<32 | uint64(b[5])<<40 | uint64(b[6])<<48 | uint64(b[7])<<56
}
