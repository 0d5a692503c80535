package svm

import (
	"encoding/binary"

	"github.com/atoll-dev/atoll/runtime/svm/sol"
)

// Builders of system and compute-budget instructions, for clients, the CLI,
// genesis and tests. They produce exactly Solana's encodings.

func w(k sol.Pubkey, signer bool) sol.AccountMeta {
	return sol.AccountMeta{Pubkey: k, IsSigner: signer, IsWritable: true}
}

func ro(k sol.Pubkey, signer bool) sol.AccountMeta {
	return sol.AccountMeta{Pubkey: k, IsSigner: signer}
}

func sysData(tag uint32) []byte { return binary.LittleEndian.AppendUint32(make([]byte, 0, 64), tag) }

func appendStr(b []byte, s string) []byte {
	return append(binary.LittleEndian.AppendUint64(b, uint64(len(s))), s...)
}

func sysInstr(data []byte, metas ...sol.AccountMeta) sol.Instruction {
	return sol.Instruction{ProgramID: SystemProgramID, Accounts: metas, Data: data}
}

// Transfer moves lamports from a system account that signs.
func Transfer(from, to sol.Pubkey, lamports uint64) sol.Instruction {
	return sysInstr(binary.LittleEndian.AppendUint64(sysData(sysTransfer), lamports), w(from, true), w(to, false))
}

// CreateAccount funds, allocates and assigns a new account; both sign.
func CreateAccount(from, to sol.Pubkey, lamports, space uint64, owner sol.Pubkey) sol.Instruction {
	d := binary.LittleEndian.AppendUint64(sysData(sysCreateAccount), lamports)
	d = binary.LittleEndian.AppendUint64(d, space)
	return sysInstr(append(d, owner[:]...), w(from, true), w(to, true))
}

// Assign gives a signing account a new owner.
func Assign(account, owner sol.Pubkey) sol.Instruction {
	return sysInstr(append(sysData(sysAssign), owner[:]...), w(account, true))
}

// Allocate sizes a signing account's data.
func Allocate(account sol.Pubkey, space uint64) sol.Instruction {
	return sysInstr(binary.LittleEndian.AppendUint64(sysData(sysAllocate), space), w(account, true))
}

// CreateAccountWithSeed creates the account derived from base, seed and owner.
func CreateAccountWithSeed(from, to, base sol.Pubkey, seed string, lamports, space uint64, owner sol.Pubkey) sol.Instruction {
	d := appendStr(append(sysData(sysCreateAccountWithSeed), base[:]...), seed)
	d = binary.LittleEndian.AppendUint64(d, lamports)
	d = binary.LittleEndian.AppendUint64(d, space)
	metas := []sol.AccountMeta{w(from, true), w(to, false)}
	if base != from {
		metas = append(metas, ro(base, true))
	}
	return sysInstr(append(d, owner[:]...), metas...)
}

// AllocateWithSeed sizes and assigns a seed-derived account; base signs.
func AllocateWithSeed(account, base sol.Pubkey, seed string, space uint64, owner sol.Pubkey) sol.Instruction {
	d := appendStr(append(sysData(sysAllocateWithSeed), base[:]...), seed)
	d = binary.LittleEndian.AppendUint64(d, space)
	return sysInstr(append(d, owner[:]...), w(account, false), ro(base, true))
}

// AssignWithSeed assigns a seed-derived account; base signs.
func AssignWithSeed(account, base sol.Pubkey, seed string, owner sol.Pubkey) sol.Instruction {
	d := appendStr(append(sysData(sysAssignWithSeed), base[:]...), seed)
	return sysInstr(append(d, owner[:]...), w(account, false), ro(base, true))
}

// TransferWithSeed moves lamports out of a seed-derived account; base signs.
func TransferWithSeed(from, base sol.Pubkey, seed string, fromOwner, to sol.Pubkey, lamports uint64) sol.Instruction {
	d := binary.LittleEndian.AppendUint64(sysData(sysTransferWithSeed), lamports)
	d = appendStr(d, seed)
	return sysInstr(append(d, fromOwner[:]...), w(from, false), ro(base, true), w(to, false))
}

// InitializeNonceAccount makes an allocated account a durable nonce.
func InitializeNonceAccount(nonce, authority sol.Pubkey) sol.Instruction {
	return sysInstr(append(sysData(sysInitializeNonceAccount), authority[:]...),
		w(nonce, false), ro(SysvarRecentBlockhashID, false), ro(SysvarRentID, false))
}

// AdvanceNonceAccount moves a nonce on; it must be a durable-nonce
// transaction's first instruction.
func AdvanceNonceAccount(nonce, authority sol.Pubkey) sol.Instruction {
	return sysInstr(sysData(sysAdvanceNonceAccount), w(nonce, false), ro(SysvarRecentBlockhashID, false), ro(authority, true))
}

// WithdrawNonceAccount withdraws lamports from a nonce account.
func WithdrawNonceAccount(nonce, authority, to sol.Pubkey, lamports uint64) sol.Instruction {
	return sysInstr(binary.LittleEndian.AppendUint64(sysData(sysWithdrawNonceAccount), lamports),
		w(nonce, false), w(to, false), ro(SysvarRecentBlockhashID, false), ro(SysvarRentID, false), ro(authority, true))
}

// AuthorizeNonceAccount hands a nonce to a new authority.
func AuthorizeNonceAccount(nonce, authority, newAuthority sol.Pubkey) sol.Instruction {
	return sysInstr(append(sysData(sysAuthorizeNonceAccount), newAuthority[:]...), w(nonce, false), ro(authority, true))
}

// UpgradeNonceAccount converts a legacy nonce account to the current version.
func UpgradeNonceAccount(nonce sol.Pubkey) sol.Instruction {
	return sysInstr(sysData(sysUpgradeNonceAccount), w(nonce, false))
}

// SetComputeUnitLimit asks for a transaction-wide unit limit.
func SetComputeUnitLimit(units uint32) sol.Instruction {
	return sol.Instruction{ProgramID: ComputeBudgetProgramID, Data: binary.LittleEndian.AppendUint32([]byte{cbSetComputeUnitLimit}, units)}
}

// SetComputeUnitPrice sets the priority fee in micro-lamports per unit.
func SetComputeUnitPrice(microLamports uint64) sol.Instruction {
	return sol.Instruction{ProgramID: ComputeBudgetProgramID, Data: binary.LittleEndian.AppendUint64([]byte{cbSetComputeUnitPrice}, microLamports)}
}

// RequestHeapFrame asks for a larger sBPF heap.
func RequestHeapFrame(bytes uint32) sol.Instruction {
	return sol.Instruction{ProgramID: ComputeBudgetProgramID, Data: binary.LittleEndian.AppendUint32([]byte{cbRequestHeapFrame}, bytes)}
}
