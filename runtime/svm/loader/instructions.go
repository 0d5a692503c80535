package loader

import (
	"encoding/binary"

	"github.com/atoll-dev/atoll/runtime/svm"
	"github.com/atoll-dev/atoll/runtime/svm/sol"
)

// Builders of loader instructions, for clients, the CLI and tests.

func tag(t uint32) []byte { return binary.LittleEndian.AppendUint32(make([]byte, 0, 64), t) }

func writeData(t uint32, offset uint32, chunk []byte) []byte {
	d := binary.LittleEndian.AppendUint32(tag(t), offset)
	d = binary.LittleEndian.AppendUint64(d, uint64(len(chunk)))
	return append(d, chunk...)
}

func meta(k sol.Pubkey, signer, writable bool) sol.AccountMeta {
	return sol.AccountMeta{Pubkey: k, IsSigner: signer, IsWritable: writable}
}

// Loader2Write writes chunk at offset of a BPFLoader2 program account.
func Loader2Write(program sol.Pubkey, offset uint32, chunk []byte) sol.Instruction {
	return sol.Instruction{ProgramID: svm.BPFLoader2ID, Data: writeData(loaderWrite, offset, chunk),
		Accounts: []sol.AccountMeta{meta(program, true, true)}}
}

// Loader2Finalize verifies the written program and marks it executable.
func Loader2Finalize(program sol.Pubkey) sol.Instruction {
	return sol.Instruction{ProgramID: svm.BPFLoader2ID, Data: tag(loaderFinalize),
		Accounts: []sol.AccountMeta{meta(program, true, true), meta(svm.SysvarRentID, false, false)}}
}

// InitializeBuffer makes a loader-owned account a buffer with an authority.
func InitializeBuffer(buffer, authority sol.Pubkey) sol.Instruction {
	return sol.Instruction{ProgramID: svm.BPFLoaderUpgradeableID, Data: tag(upInitializeBuffer),
		Accounts: []sol.AccountMeta{meta(buffer, false, true), meta(authority, false, false)}}
}

// WriteBuffer writes chunk at offset of a buffer's program bytes.
func WriteBuffer(buffer, authority sol.Pubkey, offset uint32, chunk []byte) sol.Instruction {
	return sol.Instruction{ProgramID: svm.BPFLoaderUpgradeableID, Data: writeData(upWrite, offset, chunk),
		Accounts: []sol.AccountMeta{meta(buffer, false, true), meta(authority, true, false)}}
}

// DeployWithMaxDataLen deploys a buffer's bytes as program, reserving
// maxDataLen bytes for upgrades.
func DeployWithMaxDataLen(payer, program, buffer, authority sol.Pubkey, maxDataLen uint64) sol.Instruction {
	return sol.Instruction{ProgramID: svm.BPFLoaderUpgradeableID,
		Data: binary.LittleEndian.AppendUint64(tag(upDeployWithMaxDataLen), maxDataLen),
		Accounts: []sol.AccountMeta{
			meta(payer, true, true), meta(ProgramDataAddress(program), false, true), meta(program, false, true),
			meta(buffer, false, true), meta(svm.SysvarRentID, false, false), meta(svm.SysvarClockID, false, false),
			meta(svm.SystemProgramID, false, false), meta(authority, true, false),
		}}
}

// Upgrade replaces a program's bytes with a buffer's; spill receives the
// buffer's lamports.
func Upgrade(program, buffer, authority, spill sol.Pubkey) sol.Instruction {
	return sol.Instruction{ProgramID: svm.BPFLoaderUpgradeableID, Data: tag(upUpgrade),
		Accounts: []sol.AccountMeta{
			meta(ProgramDataAddress(program), false, true), meta(program, false, true), meta(buffer, false, true),
			meta(spill, false, true), meta(svm.SysvarRentID, false, false), meta(svm.SysvarClockID, false, false),
			meta(authority, true, false),
		}}
}

// SetUpgradeAuthority changes (or, with newAuthority nil, removes) the
// authority of a buffer or programdata account.
func SetUpgradeAuthority(account, authority sol.Pubkey, newAuthority *sol.Pubkey) sol.Instruction {
	accts := []sol.AccountMeta{meta(account, false, true), meta(authority, true, false)}
	if newAuthority != nil {
		accts = append(accts, meta(*newAuthority, false, false))
	}
	return sol.Instruction{ProgramID: svm.BPFLoaderUpgradeableID, Data: tag(upSetAuthority), Accounts: accts}
}

// CloseProgram closes a program's data account and sends its lamports to recipient.
func CloseProgram(program, authority, recipient sol.Pubkey) sol.Instruction {
	return sol.Instruction{ProgramID: svm.BPFLoaderUpgradeableID, Data: tag(upClose),
		Accounts: []sol.AccountMeta{
			meta(ProgramDataAddress(program), false, true), meta(recipient, false, true),
			meta(authority, true, false), meta(program, false, true),
		}}
}

// CloseBuffer closes a buffer and sends its lamports to recipient.
func CloseBuffer(buffer, authority, recipient sol.Pubkey) sol.Instruction {
	return sol.Instruction{ProgramID: svm.BPFLoaderUpgradeableID, Data: tag(upClose),
		Accounts: []sol.AccountMeta{meta(buffer, false, true), meta(recipient, false, true), meta(authority, true, false)}}
}
