package roothash_test

import (
	"errors"
	"testing"

	"github.com/atoll-dev/atoll/consensus/registry"
	"github.com/atoll-dev/atoll/consensus/roothash"
	"github.com/atoll-dev/atoll/consensus/roothash/api"
	"github.com/atoll-dev/atoll/consensus/signature"
	"github.com/atoll-dev/atoll/consensus/staking"
)

// judgeFixture is a round judged without an application: 3 workers,
// 2 backups, 2 storage nodes, round 1 started at height 10.
type judgeFixture struct {
	cc       []byte
	rt       *registry.Runtime
	latest   api.Header
	round    *api.RoundState
	workers  []*signature.Signer
	backups  []*signature.Signer
	storage  []*signature.Signer
	outsider *signature.Signer
	height   int64
}

func newJudgeFixture() *judgeFixture {
	f := &judgeFixture{cc: []byte("judge chain"), height: 10, outsider: seeded(9, 9)}
	f.rt = &registry.Runtime{ID: registry.RuntimeID{7}, Kind: registry.KindCompute,
		Executor: registry.ExecutorParams{GroupSize: 3, GroupBackupSize: 2, RoundTimeout: 10, ProposerTimeout: 5, MaxBatchSize: 10},
		Storage:  registry.StorageParams{GroupSize: 2, MinWriteReplication: 2}}
	f.latest = roothash.GenesisHeader(f.rt)
	c := api.Committee{}
	for i := 0; i < 3; i++ {
		f.workers = append(f.workers, seeded(5, i))
		c.Workers = append(c.Workers, f.workers[i].Public())
	}
	for i := 0; i < 2; i++ {
		f.backups = append(f.backups, seeded(6, i))
		c.Backups = append(c.Backups, f.backups[i].Public())
		f.storage = append(f.storage, seeded(7, i))
		c.Storage = append(c.Storage, f.storage[i].Public())
	}
	f.round = &api.RoundState{Round: 1, Committee: c, StartHeight: 10, Deadline: 20}
	return f
}

func (f *judgeFixture) judge() *roothash.Judge {
	return &roothash.Judge{ChainContext: f.cc, Height: f.height, Runtime: f.rt, Latest: &f.latest, Round: f.round, MaxMessages: 4}
}

// rank returns the worker of rank k in round 1.
func (f *judgeFixture) rank(k int) *signature.Signer {
	n, _ := f.round.Committee.Scheduler(1, k)
	for _, w := range f.workers {
		if w.Public() == n {
			return w
		}
	}
	panic("no such rank")
}

func (f *judgeFixture) proposal(s *signature.Signer, batch byte) api.SignedProposal {
	return api.SignProposal(s, f.cc, api.Proposal{Namespace: f.rt.ID, Round: 1, PreviousHash: f.latest.Hash(), BatchHash: api.BatchHash([][]byte{{batch}})})
}

func (f *judgeFixture) body(p api.SignedProposal, msgs []api.Message) api.Commitment {
	res := results(1, msgs)
	c := api.Commitment{Namespace: f.rt.ID, Round: 1, PreviousHash: f.latest.Hash(), Proposal: p, Results: res, Messages: msgs}
	for _, s := range f.storage {
		c.Receipts = append(c.Receipts, api.SignReceipt(s, f.cc, api.Receipt{Namespace: f.rt.ID, Round: 1, IORoot: res.IORoot, StateRoot: res.StateRoot}))
	}
	return c
}

func TestJudge_Check(t *testing.T) {
	transfer := []api.Message{{Staking: &api.StakingMessage{Transfer: &api.StakingTransfer{To: staking.Address{1}, Amount: 5}}}}
	sign := func(s *signature.Signer, f *judgeFixture, c api.Commitment) api.SignedCommitment {
		return api.SignCommitment(s, f.cc, c)
	}
	// Each case starts from a valid commitment by the rank-0 worker on
	// the rank-0 proposal and changes one thing.
	cases := []struct {
		name   string
		mutate func(f *judgeFixture) api.SignedCommitment
		want   error
		backup bool
	}{
		{"valid", func(f *judgeFixture) api.SignedCommitment {
			return sign(f.rank(0), f, f.body(f.proposal(f.rank(0), 1), nil))
		}, nil, false},
		{"valid with messages", func(f *judgeFixture) api.SignedCommitment {
			return sign(f.rank(2), f, f.body(f.proposal(f.rank(0), 1), transfer))
		}, nil, false},
		{"other runtime", func(f *judgeFixture) api.SignedCommitment {
			c := f.body(f.proposal(f.rank(0), 1), nil)
			c.Namespace[0] ^= 1
			return sign(f.rank(0), f, c)
		}, roothash.ErrWrongRuntime, false},
		{"no committee", func(f *judgeFixture) api.SignedCommitment {
			sc := sign(f.rank(0), f, f.body(f.proposal(f.rank(0), 1), nil))
			f.round.Committee.Workers = nil
			return sc
		}, roothash.ErrNoCommittee, false},
		{"outsider", func(f *judgeFixture) api.SignedCommitment {
			return sign(f.outsider, f, f.body(f.proposal(f.rank(0), 1), nil))
		}, roothash.ErrNotMember, false},
		{"backup before discrepancy", func(f *judgeFixture) api.SignedCommitment {
			return sign(f.backups[0], f, f.body(f.proposal(f.rank(0), 1), nil))
		}, roothash.ErrNotMember, false},
		{"worker during discrepancy", func(f *judgeFixture) api.SignedCommitment {
			f.round.Discrepancy = true
			return sign(f.rank(1), f, f.body(f.proposal(f.rank(0), 1), nil))
		}, roothash.ErrNotMember, false},
		{"backup during discrepancy", func(f *judgeFixture) api.SignedCommitment {
			f.round.Discrepancy = true
			p := f.proposal(f.rank(0), 1)
			f.round.Proposal = &api.LockedProposal{Scheduler: p.Scheduler, BatchHash: p.Proposal.BatchHash}
			return sign(f.backups[1], f, f.body(p, nil))
		}, nil, true},
		{"second commitment of a node", func(f *judgeFixture) api.SignedCommitment {
			f.round.Votes = []api.Vote{{Node: f.rank(0).Public()}}
			return sign(f.rank(0), f, f.body(f.proposal(f.rank(0), 1), nil))
		}, roothash.ErrDuplicate, false},
		{"wrong round", func(f *judgeFixture) api.SignedCommitment {
			c := f.body(f.proposal(f.rank(0), 1), nil)
			c.Round = 2
			return sign(f.rank(0), f, c)
		}, roothash.ErrWrongRound, false},
		{"wrong parent", func(f *judgeFixture) api.SignedCommitment {
			c := f.body(f.proposal(f.rank(0), 1), nil)
			c.PreviousHash[3] ^= 1
			return sign(f.rank(0), f, c)
		}, roothash.ErrWrongParent, false},
		{"proposal for another round", func(f *judgeFixture) api.SignedCommitment {
			p := api.SignProposal(f.rank(0), f.cc, api.Proposal{Namespace: f.rt.ID, Round: 2, PreviousHash: f.latest.Hash()})
			return sign(f.rank(0), f, f.body(p, nil))
		}, roothash.ErrBadProposal, false},
		{"proposal on another parent", func(f *judgeFixture) api.SignedCommitment {
			p := api.SignProposal(f.rank(0), f.cc, api.Proposal{Namespace: f.rt.ID, Round: 1})
			return sign(f.rank(0), f, f.body(p, nil))
		}, roothash.ErrBadProposal, false},
		{"proposal by a non-worker", func(f *judgeFixture) api.SignedCommitment {
			return sign(f.rank(0), f, f.body(f.proposal(f.backups[0], 1), nil))
		}, roothash.ErrBadProposal, false},
		{"rank 1 before the proposer timeout", func(f *judgeFixture) api.SignedCommitment {
			f.height = 14
			return sign(f.rank(0), f, f.body(f.proposal(f.rank(1), 1), nil))
		}, roothash.ErrProposerTooEarly, false},
		{"rank 1 at the proposer timeout", func(f *judgeFixture) api.SignedCommitment {
			f.height = 15
			return sign(f.rank(0), f, f.body(f.proposal(f.rank(1), 1), nil))
		}, nil, false},
		{"rank 2 after one proposer timeout", func(f *judgeFixture) api.SignedCommitment {
			f.height = 19
			return sign(f.rank(0), f, f.body(f.proposal(f.rank(2), 1), nil))
		}, roothash.ErrProposerTooEarly, false},
		{"rank 2 after two proposer timeouts", func(f *judgeFixture) api.SignedCommitment {
			f.height = 20
			return sign(f.rank(0), f, f.body(f.proposal(f.rank(2), 1), nil))
		}, nil, false},
		{"locked to another scheduler", func(f *judgeFixture) api.SignedCommitment {
			f.height = 30
			p := f.proposal(f.rank(1), 1)
			f.round.Proposal = &api.LockedProposal{Scheduler: f.rank(0).Public(), BatchHash: p.Proposal.BatchHash}
			return sign(f.rank(2), f, f.body(p, nil))
		}, roothash.ErrProposalLocked, false},
		{"locked to another batch", func(f *judgeFixture) api.SignedCommitment {
			p := f.proposal(f.rank(0), 2)
			f.round.Proposal = &api.LockedProposal{Scheduler: f.rank(0).Public(), BatchHash: api.BatchHash([][]byte{{1}})}
			return sign(f.rank(2), f, f.body(p, nil))
		}, roothash.ErrProposalLocked, false},
		{"failure", func(f *judgeFixture) api.SignedCommitment {
			return sign(f.rank(0), f, api.Commitment{Namespace: f.rt.ID, Round: 1, PreviousHash: f.latest.Hash(), Proposal: f.proposal(f.rank(0), 1), Failure: api.FailureUnknown})
		}, nil, false},
		{"failure with results", func(f *judgeFixture) api.SignedCommitment {
			c := f.body(f.proposal(f.rank(0), 1), nil)
			c.Failure, c.Receipts = api.FailureUnknown, nil
			return sign(f.rank(0), f, c)
		}, roothash.ErrBadFailure, false},
		{"failure with receipts", func(f *judgeFixture) api.SignedCommitment {
			c := f.body(f.proposal(f.rank(0), 1), nil)
			c.Failure, c.Results = api.FailureUnknown, api.ComputeResults{}
			return sign(f.rank(0), f, c)
		}, roothash.ErrBadFailure, false},
		{"unknown failure kind", func(f *judgeFixture) api.SignedCommitment {
			return sign(f.rank(0), f, api.Commitment{Namespace: f.rt.ID, Round: 1, PreviousHash: f.latest.Hash(), Proposal: f.proposal(f.rank(0), 1), Failure: 7})
		}, roothash.ErrBadFailure, false},
		{"too few receipts", func(f *judgeFixture) api.SignedCommitment {
			c := f.body(f.proposal(f.rank(0), 1), nil)
			c.Receipts = c.Receipts[:1]
			return sign(f.rank(0), f, c)
		}, roothash.ErrReceipts, false},
		{"same storage node twice", func(f *judgeFixture) api.SignedCommitment {
			c := f.body(f.proposal(f.rank(0), 1), nil)
			c.Receipts[1] = c.Receipts[0]
			return sign(f.rank(0), f, c)
		}, roothash.ErrReceipts, false},
		{"receipt by a non-member", func(f *judgeFixture) api.SignedCommitment {
			c := f.body(f.proposal(f.rank(0), 1), nil)
			c.Receipts[1] = api.SignReceipt(f.outsider, f.cc, c.Receipts[1].Receipt)
			return sign(f.rank(0), f, c)
		}, roothash.ErrReceipts, false},
		{"receipt for other roots", func(f *judgeFixture) api.SignedCommitment {
			c := f.body(f.proposal(f.rank(0), 1), nil)
			r := c.Receipts[1].Receipt
			r.StateRoot[0] ^= 1
			c.Receipts[1] = api.SignReceipt(f.storage[1], f.cc, r)
			return sign(f.rank(0), f, c)
		}, roothash.ErrReceipts, false},
		{"receipt for another round", func(f *judgeFixture) api.SignedCommitment {
			c := f.body(f.proposal(f.rank(0), 1), nil)
			r := c.Receipts[1].Receipt
			r.Round = 0
			c.Receipts[1] = api.SignReceipt(f.storage[1], f.cc, r)
			return sign(f.rank(0), f, c)
		}, roothash.ErrReceipts, false},
		{"receipt forged", func(f *judgeFixture) api.SignedCommitment {
			c := f.body(f.proposal(f.rank(0), 1), nil)
			c.Receipts[1].Signature[0] ^= 1
			return sign(f.rank(0), f, c)
		}, roothash.ErrBadSignature, false},
		{"messages do not match their hash", func(f *judgeFixture) api.SignedCommitment {
			c := f.body(f.proposal(f.rank(0), 1), transfer)
			c.Messages = nil
			return sign(f.rank(0), f, c)
		}, roothash.ErrBadMessages, false},
		{"too many messages", func(f *judgeFixture) api.SignedCommitment {
			return sign(f.rank(0), f, f.body(f.proposal(f.rank(0), 1), append(append(append(append(transfer, transfer...), transfer...), transfer...), transfer...)))
		}, roothash.ErrBadMessages, false},
		{"message of no kind", func(f *judgeFixture) api.SignedCommitment {
			return sign(f.rank(0), f, f.body(f.proposal(f.rank(0), 1), []api.Message{{}}))
		}, roothash.ErrBadMessages, false},
		{"zero transfer", func(f *judgeFixture) api.SignedCommitment {
			return sign(f.rank(0), f, f.body(f.proposal(f.rank(0), 1), []api.Message{{Staking: &api.StakingMessage{Transfer: &api.StakingTransfer{}}}}))
		}, roothash.ErrBadMessages, false},
		{"commitment forged", func(f *judgeFixture) api.SignedCommitment {
			sc := sign(f.rank(0), f, f.body(f.proposal(f.rank(0), 1), nil))
			sc.Node = f.rank(1).Public()
			return sc
		}, roothash.ErrBadSignature, false},
		{"proposal forged", func(f *judgeFixture) api.SignedCommitment {
			p := f.proposal(f.rank(1), 1)
			p.Scheduler = f.rank(0).Public()
			return sign(f.rank(0), f, f.body(p, nil))
		}, roothash.ErrBadSignature, false},
		{"signed for another chain", func(f *judgeFixture) api.SignedCommitment {
			sc := sign(f.rank(0), f, f.body(f.proposal(f.rank(0), 1), nil))
			f.cc = []byte("other chain")
			return sc
		}, roothash.ErrBadSignature, false},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			f := newJudgeFixture()
			sc := c.mutate(f)
			vote, err := f.judge().Check(&sc)
			if c.want == nil && err != nil || c.want != nil && !errors.Is(err, c.want) {
				t.Fatalf("got %v, want %v", err, c.want)
			}
			if err == nil && (vote.Node != sc.Node || vote.Backup != c.backup || vote.Results != sc.Commitment.Results) {
				t.Fatalf("vote %+v", vote)
			}
		})
	}
}

func BenchmarkJudge_Check(b *testing.B) {
	f := newJudgeFixture()
	sc := api.SignCommitment(f.rank(0), f.cc, f.body(f.proposal(f.rank(0), 1), nil))
	j := f.judge()
	b.ReportAllocs()
	for b.Loop() {
		if _, err := j.Check(&sc); err != nil {
			b.Fatal(err)
		}
	}
}
