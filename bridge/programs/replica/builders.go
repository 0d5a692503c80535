package replica

import (
	"github.com/atoll-dev/atoll/bridge/keccak"
	"github.com/atoll-dev/atoll/bridge/merkle"
	"github.com/atoll-dev/atoll/bridge/message"
	"github.com/atoll-dev/atoll/bridge/programs/address"
	"github.com/atoll-dev/atoll/bridge/programs/onchain"
	"github.com/atoll-dev/atoll/bridge/update"
	"github.com/atoll-dev/atoll/runtime/svm"
	"github.com/atoll-dev/atoll/runtime/svm/sol"
)

// Builders of Replica instructions for clients, agents and tests. remote is
// the domain of the Home the Replica follows.

func instr(in *Instruction, metas ...sol.AccountMeta) (sol.Instruction, error) {
	return onchain.NewInstruction(address.Replica, in, metas...)
}

// Initialize creates the Replica of remote; admin is the network's bridge admin.
func Initialize(admin, payer sol.Pubkey, remote uint32, optimisticSeconds uint64, committedRoot keccak.Hash, owner sol.Pubkey, set update.UpdaterSet) (sol.Instruction, error) {
	return instr(&Instruction{Tag: TagInitialize, Remote: remote, OptimisticSeconds: optimisticSeconds, CommittedRoot: committedRoot, Owner: owner, Updaters: set},
		onchain.R(admin, true), onchain.W(payer, true), onchain.W(address.ReplicaState(remote), false), onchain.R(svm.SystemProgramID, false))
}

// Update relays a quorum update of the Home on remote.
func Update(remote uint32, payer sol.Pubkey, q *update.QuorumUpdate) (sol.Instruction, error) {
	return instr(&Instruction{Tag: TagUpdate, Update: *q},
		onchain.W(address.ReplicaState(remote), false), onchain.W(payer, true),
		onchain.W(address.RootEntry(remote, q.NewRoot), false), onchain.R(svm.SystemProgramID, false))
}

// Prove proves a leaf against the root its proof implies.
func Prove(remote uint32, payer sol.Pubkey, p *merkle.Proof) (sol.Instruction, error) {
	return instr(&Instruction{Tag: TagProve, Leaf: p.Leaf, Index: p.Index, Path: p.Path},
		onchain.R(address.ReplicaState(remote), false), onchain.W(payer, true),
		onchain.R(address.RootEntry(remote, p.Root()), false), onchain.W(address.MessageRecord(remote, p.Leaf), false),
		onchain.R(svm.SystemProgramID, false))
}

func deliveryMetas(remote uint32, payer sol.Pubkey, raw []byte, root keccak.Hash, extra []sol.AccountMeta) ([]sol.AccountMeta, error) {
	m, err := message.Decode(raw)
	if err != nil {
		return nil, err
	}
	return append([]sol.AccountMeta{
		onchain.R(address.ReplicaState(remote), false), onchain.W(payer, true),
		onchain.R(address.RootEntry(remote, root), false), onchain.W(address.MessageRecord(remote, message.Leaf(raw)), false),
		onchain.R(svm.SystemProgramID, false), onchain.R(address.Manager(), false), onchain.R(sol.Pubkey(m.Recipient), false),
	}, extra...), nil
}

// Process delivers a message proven under root; extra are the recipient's
// accounts (see package recipient).
func Process(remote uint32, payer sol.Pubkey, raw []byte, root keccak.Hash, extra []sol.AccountMeta) (sol.Instruction, error) {
	metas, err := deliveryMetas(remote, payer, raw, root, extra)
	if err != nil {
		return sol.Instruction{}, err
	}
	return instr(&Instruction{Tag: TagProcess, Message: raw}, metas...)
}

// ProveAndProcess proves raw at index with path and delivers it.
func ProveAndProcess(remote uint32, payer sol.Pubkey, raw []byte, index uint32, path *[merkle.Depth]keccak.Hash, extra []sol.AccountMeta) (sol.Instruction, error) {
	root := merkle.BranchRoot(message.Leaf(raw), path, index)
	metas, err := deliveryMetas(remote, payer, raw, root, extra)
	if err != nil {
		return sol.Instruction{}, err
	}
	return instr(&Instruction{Tag: TagProveAndProcess, Index: index, Path: *path, Message: raw}, metas...)
}

// DoubleUpdate proves two conflicting updates; anyone may submit it.
func DoubleUpdate(remote uint32, a, b *update.QuorumUpdate) (sol.Instruction, error) {
	return instr(&Instruction{Tag: TagDoubleUpdate, Update: *a, Update2: *b}, onchain.W(address.ReplicaState(remote), false))
}

// DoubleUpdateFromHistory proves that q conflicts with the update that
// produced recordedRoot in the Replica's history.
func DoubleUpdateFromHistory(remote uint32, recordedRoot keccak.Hash, q *update.QuorumUpdate) (sol.Instruction, error) {
	return instr(&Instruction{Tag: TagDoubleUpdateFromHistory, RecordedRoot: recordedRoot, Update: *q},
		onchain.W(address.ReplicaState(remote), false), onchain.R(address.RootEntry(remote, recordedRoot), false))
}

func owned(remote uint32, owner sol.Pubkey, in *Instruction) (sol.Instruction, error) {
	return instr(in, onchain.W(address.ReplicaState(remote), false), onchain.R(owner, true))
}

// SetOptimisticSeconds changes the waiting period of future roots.
func SetOptimisticSeconds(remote uint32, owner sol.Pubkey, seconds uint64) (sol.Instruction, error) {
	return owned(remote, owner, &Instruction{Tag: TagSetOptimisticSeconds, OptimisticSeconds: seconds})
}

// SetUpdaters replaces the updater set.
func SetUpdaters(remote uint32, owner sol.Pubkey, set update.UpdaterSet) (sol.Instruction, error) {
	return owned(remote, owner, &Instruction{Tag: TagSetUpdaters, Updaters: set})
}

// SetOwner hands governance to newOwner.
func SetOwner(remote uint32, owner, newOwner sol.Pubkey) (sol.Instruction, error) {
	return owned(remote, owner, &Instruction{Tag: TagSetOwner, Owner: newOwner})
}
