package home

import (
	"github.com/atoll-dev/atoll/bridge/keccak"
	"github.com/atoll-dev/atoll/bridge/programs/address"
	"github.com/atoll-dev/atoll/bridge/programs/onchain"
	"github.com/atoll-dev/atoll/bridge/update"
	"github.com/atoll-dev/atoll/runtime/svm"
	"github.com/atoll-dev/atoll/runtime/svm/sol"
)

// Builders of Home instructions for clients, agents and tests. They return an
// error only for values Encode refuses (an oversized body).

func instr(in *Instruction, metas ...sol.AccountMeta) (sol.Instruction, error) {
	return onchain.NewInstruction(address.Home, in, metas...)
}

// Initialize creates the Home of this chain; admin is the network's bridge admin.
func Initialize(admin, payer sol.Pubkey, bondDelay uint64, capacity uint32, owner sol.Pubkey, set update.UpdaterSet) (sol.Instruction, error) {
	return instr(&Instruction{Tag: TagInitialize, BondDelay: bondDelay, Capacity: capacity, Owner: owner, Updaters: set},
		onchain.R(admin, true), onchain.W(payer, true), onchain.W(address.HomeState(), false),
		onchain.W(address.Treasury(), false), onchain.R(svm.SystemProgramID, false))
}

// Dispatch sends body from the signing account sender.
func Dispatch(sender sol.Pubkey, destination uint32, recipient keccak.Hash, body []byte) (sol.Instruction, error) {
	return instr(&Instruction{Tag: TagDispatch, Destination: destination, Recipient: recipient, Body: body},
		onchain.W(address.HomeState(), false), onchain.R(sender, true))
}

// DispatchFromProgram is the instruction a program invokes, signing with
// address.Dispatcher(program), to send body with its id as sender.
func DispatchFromProgram(program sol.Pubkey, destination uint32, recipient keccak.Hash, body []byte) (sol.Instruction, error) {
	return instr(&Instruction{Tag: TagDispatch, Destination: destination, Recipient: recipient, FromProgram: true, Program: program, Body: body},
		onchain.W(address.HomeState(), false), onchain.R(address.Dispatcher(program), true))
}

// fraudMetas lists the treasury and the bond account of every signer.
func fraudMetas(qs ...*update.QuorumUpdate) []sol.AccountMeta {
	metas := []sol.AccountMeta{onchain.W(address.HomeState(), false), onchain.W(address.Treasury(), false)}
	seen := map[sol.Pubkey]bool{}
	for _, q := range qs {
		for _, sig := range q.Signatures {
			a, err := sig.Recover(q.Digest())
			if err != nil {
				continue
			}
			k := address.Bond(a)
			if !seen[k] {
				seen[k] = true
				metas = append(metas, onchain.W(k, false))
			}
		}
	}
	return metas
}

// Update submits a quorum update. The signers' bond accounts are listed so
// that, should the new root never have been queued, the same transaction
// fails the Home and slashes them.
func Update(q *update.QuorumUpdate) (sol.Instruction, error) {
	return instr(&Instruction{Tag: TagUpdate, Update: *q}, fraudMetas(q)...)
}

// ImproperUpdate proves that q's new root was never queued.
func ImproperUpdate(q *update.QuorumUpdate) (sol.Instruction, error) {
	return instr(&Instruction{Tag: TagImproperUpdate, Update: *q}, fraudMetas(q)...)
}

// DoubleUpdate proves that a and b sign different new roots for one old root.
func DoubleUpdate(a, b *update.QuorumUpdate) (sol.Instruction, error) {
	return instr(&Instruction{Tag: TagDoubleUpdate, Update: *a, Update2: *b}, fraudMetas(a, b)...)
}

// SetUpdaters replaces the updater set; owner signs.
func SetUpdaters(owner sol.Pubkey, set update.UpdaterSet) (sol.Instruction, error) {
	return instr(&Instruction{Tag: TagSetUpdaters, Updaters: set}, onchain.W(address.HomeState(), false), onchain.R(owner, true))
}

// SetOwner hands governance to newOwner; owner signs.
func SetOwner(owner, newOwner sol.Pubkey) (sol.Instruction, error) {
	return instr(&Instruction{Tag: TagSetOwner, Owner: newOwner}, onchain.W(address.HomeState(), false), onchain.R(owner, true))
}

// Bond escrows lamports from funder as the bond of updater; consent is the
// updater's signature over BondDigest(home domain, funder), needed when the
// bond is created.
func Bond(funder sol.Pubkey, updater update.Address, lamports uint64, consent update.Signature) (sol.Instruction, error) {
	return instr(&Instruction{Tag: TagBond, Updater: updater, Lamports: lamports, Consent: consent},
		onchain.R(address.HomeState(), false), onchain.W(funder, true), onchain.W(address.Bond(updater), false),
		onchain.R(svm.SystemProgramID, false))
}

// Unbond starts the bond delay of updater's bond; authority signs.
func Unbond(authority sol.Pubkey, updater update.Address) (sol.Instruction, error) {
	return instr(&Instruction{Tag: TagUnbond},
		onchain.R(address.HomeState(), false), onchain.W(address.Bond(updater), false), onchain.R(authority, true))
}

// WithdrawBond closes updater's bond into destination; authority signs.
func WithdrawBond(authority sol.Pubkey, updater update.Address, destination sol.Pubkey) (sol.Instruction, error) {
	return instr(&Instruction{Tag: TagWithdrawBond},
		onchain.R(address.HomeState(), false), onchain.W(address.Bond(updater), false), onchain.R(authority, true),
		onchain.W(destination, false))
}

// WithdrawTreasury moves slashed lamports out of the treasury; owner signs.
func WithdrawTreasury(owner, destination sol.Pubkey, lamports uint64) (sol.Instruction, error) {
	return instr(&Instruction{Tag: TagWithdrawTreasury, Lamports: lamports},
		onchain.R(address.HomeState(), false), onchain.W(address.Treasury(), false), onchain.R(owner, true),
		onchain.W(destination, false))
}
