package crosslayer

import (
	"crypto/sha256"
	"encoding/binary"
	"fmt"

	"github.com/atoll-dev/atoll/consensus/codec"
	"github.com/atoll-dev/atoll/consensus/roothash/api"
	"github.com/atoll-dev/atoll/consensus/staking"
	"github.com/atoll-dev/atoll/runtime/svm"
	"github.com/atoll-dev/atoll/runtime/svm/sol"
)

// ProgramID is the cross-layer program's address: sha256 of its name.
var ProgramID = sol.Pubkey(sha256.Sum256([]byte("atoll cross-layer program")))

// Instruction layout (tag u8, then fields little-endian):
//
//	0 Withdraw { to: consensus address [20]byte, lamports u64 }
//	  accounts: [owner (signer, writable), incinerator (writable), system program]
const tagWithdraw = 0

// withdrawUnits is what a withdrawal costs on top of the transfer it invokes.
const withdrawUnits = 500

// Option registers the program with an executor.
func Option() svm.Option { return svm.WithProgram(ProgramID, svm.NativeProgramFunc(process)) }

// Withdraw builds the instruction moving lamports from owner to the consensus
// account to.
func Withdraw(owner sol.Pubkey, to staking.Address, lamports uint64) sol.Instruction {
	data := append([]byte{tagWithdraw}, to[:]...)
	data = binary.LittleEndian.AppendUint64(data, lamports)
	return sol.Instruction{ProgramID: ProgramID, Data: data, Accounts: []sol.AccountMeta{
		{Pubkey: owner, IsSigner: true, IsWritable: true},
		{Pubkey: svm.IncineratorID, IsWritable: true},
		{Pubkey: svm.SystemProgramID},
	}}
}

// DecodeWithdraw parses Withdraw instruction data.
func DecodeWithdraw(data []byte) (staking.Address, uint64, error) {
	var to staking.Address
	if len(data) != 1+staking.AddressSize+8 || data[0] != tagWithdraw {
		return to, 0, fmt.Errorf("crosslayer: withdraw data must be %d bytes starting with tag 0", 1+staking.AddressSize+8)
	}
	copy(to[:], data[1:])
	return to, binary.LittleEndian.Uint64(data[1+staking.AddressSize:]), nil
}

// Message is the runtime message a withdrawal emits, as the roothash decodes it.
func Message(to staking.Address, amount uint64) []byte {
	return codec.Marshal(api.Message{Staking: &api.StakingMessage{Transfer: &api.StakingTransfer{To: to, Amount: amount}}})
}

func process(ctx *svm.InvokeContext) error {
	if err := ctx.Meter().Consume(withdrawUnits); err != nil {
		return err
	}
	to, lamports, err := DecodeWithdraw(ctx.Data)
	if err != nil {
		return svm.ErrInvalidInstructionData
	}
	if lamports == 0 {
		return svm.ErrInvalidArgument
	}
	owner, err := ctx.Account(0)
	if err != nil {
		return err
	}
	sink, err := ctx.Account(1)
	if err != nil {
		return err
	}
	if sink.Key != svm.IncineratorID {
		ctx.Log("Withdraw: account 1 must be the incinerator")
		return svm.ErrInvalidArgument
	}
	if err := ctx.Invoke(svm.Transfer(owner.Key, svm.IncineratorID, lamports), nil); err != nil {
		return err
	}
	ctx.EmitMessage(Message(to, lamports))
	ctx.Log(fmt.Sprintf("Withdraw: %d lamports to consensus account %s", lamports, to))
	return nil
}
