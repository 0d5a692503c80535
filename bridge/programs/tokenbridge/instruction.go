package tokenbridge

import (
	"encoding/binary"
	"errors"

	"github.com/atoll-dev/atoll/bridge/internal/wire"
	"github.com/atoll-dev/atoll/bridge/programs/address"
	"github.com/atoll-dev/atoll/bridge/programs/onchain"
	"github.com/atoll-dev/atoll/runtime/svm"
	"github.com/atoll-dev/atoll/runtime/svm/sol"
)

// TagSend is the token bridge's one client instruction; the other is handle
// (recipient.Discriminator), which only a Replica calls.
//
//	Send: 0 | destination u32 | recipient 32 | amount u64 | asset origin u32
//
//	accounts: 0 sender (s,w), 1 escrow (w) when the asset origin is this
//	domain, else the sender's wrapped balance (w), 2 Home state (w),
//	3 token bridge dispatcher, 4 Home program, 5 system program, 6 token program
//
// handle accounts after the recipient ABI's first three (see HandleAccounts):
// 3 system program, 4 token program, 5 mint authority, 6 escrow (w),
// 7 recipient (w), 8 recipient's wrapped balance (w).
const TagSend = 0

// ErrInstruction is returned for malformed instruction data.
var ErrInstruction = errors.New("tokenbridge: malformed instruction")

// Send is the decoded Send instruction.
type Send struct {
	Destination uint32
	Recipient   sol.Pubkey
	Amount      uint64
	AssetOrigin uint32
}

// Encode returns the instruction data.
func (s *Send) Encode() []byte {
	b := binary.BigEndian.AppendUint32([]byte{TagSend}, s.Destination)
	b = append(b, s.Recipient[:]...)
	return binary.BigEndian.AppendUint32(binary.BigEndian.AppendUint64(b, s.Amount), s.AssetOrigin)
}

// DecodeSend parses Send instruction data.
func DecodeSend(data []byte) (Send, error) {
	r := wire.NewReader(data, ErrInstruction)
	if tag := r.Byte(); tag != TagSend {
		r.Fail("unknown tag %d", tag)
	}
	var s Send
	s.Destination = r.U32()
	copy(s.Recipient[:], r.Bytes(32))
	s.Amount = r.U64()
	s.AssetOrigin = r.U32()
	if err := r.Finish(); err != nil {
		return Send{}, err
	}
	return s, nil
}

// SendInstruction builds a Send of amount of assetOrigin's asset from sender
// to recipient on destination. Lamports of this domain (assetOrigin ==
// localDomain) are escrowed; wrapped balances are burnt and may only go back
// to their origin.
func SendInstruction(localDomain uint32, sender sol.Pubkey, destination uint32, recipient sol.Pubkey, amount uint64, assetOrigin uint32) sol.Instruction {
	s := Send{Destination: destination, Recipient: recipient, Amount: amount, AssetOrigin: assetOrigin}
	asset := address.Escrow()
	if assetOrigin != localDomain {
		asset = address.Balance(assetOrigin, sender)
	}
	return sol.Instruction{ProgramID: address.TokenBridge, Data: s.Encode(), Accounts: []sol.AccountMeta{
		onchain.W(sender, true), onchain.W(asset, false), onchain.W(address.HomeState(), false),
		onchain.R(address.Dispatcher(address.TokenBridge), false), onchain.R(address.Home, false),
		onchain.R(svm.SystemProgramID, false), onchain.R(address.Token, false),
	}}
}

// HandleAccounts are the accounts a processor lists after the Replica's own
// (from account 7 of process/proveAndProcess) to deliver a transfer body.
func HandleAccounts(body []byte) ([]sol.AccountMeta, error) {
	t, err := DecodeTransfer(body)
	if err != nil {
		return nil, err
	}
	return []sol.AccountMeta{
		onchain.R(svm.SystemProgramID, false), onchain.R(address.Token, false), onchain.R(address.MintAuthority(), false),
		onchain.W(address.Escrow(), false), onchain.W(t.Recipient, false), onchain.W(address.Balance(t.AssetOrigin, t.Recipient), false),
	}, nil
}
