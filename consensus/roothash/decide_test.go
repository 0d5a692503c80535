package roothash_test

import (
	"testing"

	"github.com/atoll-dev/atoll/consensus/roothash"
	"github.com/atoll-dev/atoll/consensus/roothash/api"
	"github.com/atoll-dev/atoll/consensus/signature"
)

func TestDecide(t *testing.T) {
	a, b, c := results(1, nil), results(2, nil), results(3, nil)
	w := func(i int) signature.PublicKey { return seeded(5, i).Public() }
	bk := func(i int) signature.PublicKey { return seeded(6, i).Public() }
	vote := func(n signature.PublicKey, r api.ComputeResults) api.Vote { return api.Vote{Node: n, Results: r} }
	fail := func(n signature.PublicKey) api.Vote { return api.Vote{Node: n, Failure: api.FailureUnknown} }
	backup := func(v api.Vote) api.Vote { v.Backup = true; return v }
	round := func(backups int, discrepancy bool, votes ...api.Vote) *api.RoundState {
		r := &api.RoundState{Round: 1, Discrepancy: discrepancy, Votes: votes,
			Committee: api.Committee{Workers: []signature.PublicKey{w(0), w(1), w(2)}}}
		for i := 0; i < backups; i++ {
			r.Committee.Backups = append(r.Committee.Backups, bk(i))
		}
		return r
	}
	disputed := []api.Vote{vote(w(0), a), vote(w(1), b)}
	cases := []struct {
		name       string
		round      *api.RoundState
		stragglers int
		timedOut   bool
		want       roothash.Outcome
		results    api.ComputeResults
	}{
		{"no votes yet", round(3, false), 0, false, roothash.Pending, api.ComputeResults{}},
		{"no votes by the deadline", round(3, false), 0, true, roothash.Fail, api.ComputeResults{}},
		{"two of three agree", round(3, false, vote(w(0), a), vote(w(1), a)), 0, false, roothash.Pending, api.ComputeResults{}},
		{"all agree", round(3, false, vote(w(0), a), vote(w(1), a), vote(w(2), a)), 0, false, roothash.Finalize, a},
		{"two differ", round(3, false, vote(w(0), a), vote(w(1), b)), 0, false, roothash.Discrepancy, api.ComputeResults{}},
		{"a failure among results", round(3, false, vote(w(0), a), fail(w(1))), 0, false, roothash.Discrepancy, api.ComputeResults{}},
		{"all fail", round(3, false, fail(w(0)), fail(w(1)), fail(w(2))), 0, false, roothash.Discrepancy, api.ComputeResults{}},
		{"straggler not allowed", round(3, false, vote(w(0), a), vote(w(1), a)), 0, true, roothash.Discrepancy, api.ComputeResults{}},
		{"straggler allowed", round(3, false, vote(w(0), a), vote(w(1), a)), 1, true, roothash.Finalize, a},
		{"straggler allowed, others failed", round(3, false, fail(w(0)), fail(w(1))), 1, true, roothash.Discrepancy, api.ComputeResults{}},
		{"too many stragglers", round(3, false, vote(w(0), a)), 1, true, roothash.Discrepancy, api.ComputeResults{}},
		{"backups: one vote", round(3, true, append(disputed, backup(vote(bk(0), a)))...), 0, false, roothash.Pending, api.ComputeResults{}},
		{"backups: majority for the first worker", round(3, true, append(disputed, backup(vote(bk(0), a)), backup(vote(bk(1), a)))...), 0, false, roothash.Finalize, a},
		{"backups: majority for the second worker", round(3, true, append(disputed, backup(vote(bk(0), b)), backup(vote(bk(2), b)))...), 0, false, roothash.Finalize, b},
		{"backups: majority matches no worker", round(3, true, append(disputed, backup(vote(bk(0), c)), backup(vote(bk(1), c)))...), 0, false, roothash.Fail, api.ComputeResults{}},
		{"backups: majority failed", round(3, true, append(disputed, backup(fail(bk(0))), backup(fail(bk(1))))...), 0, false, roothash.Fail, api.ComputeResults{}},
		{"backups: no majority", round(3, true, append(disputed, backup(vote(bk(0), a)), backup(vote(bk(1), b)), backup(vote(bk(2), c)))...), 0, false, roothash.Fail, api.ComputeResults{}},
		{"backups: deadline", round(3, true, append(disputed, backup(vote(bk(0), a)))...), 0, true, roothash.Fail, api.ComputeResults{}},
		{"backups: none", round(0, true, disputed...), 0, false, roothash.Fail, api.ComputeResults{}},
		{"backups: four need three", round(4, true, append(disputed, backup(vote(bk(0), a)), backup(vote(bk(1), a)))...), 0, false, roothash.Pending, api.ComputeResults{}},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			d := roothash.Decide(c.round, c.stragglers, c.timedOut)
			if d.Outcome != c.want || d.Results != c.results {
				t.Fatalf("got %v %x (%s), want %v %x", d.Outcome, d.Results.StateRoot[:4], d.Reason, c.want, c.results.StateRoot[:4])
			}
			if (d.Outcome == roothash.Fail || d.Outcome == roothash.Discrepancy) && d.Reason == "" {
				t.Fatal("no reason given")
			}
		})
	}
}

func TestCommittee_Rank(t *testing.T) {
	c := api.Committee{Workers: []signature.PublicKey{seeded(5, 0).Public(), seeded(5, 1).Public(), seeded(5, 2).Public()}}
	for round := uint64(0); round < 7; round++ {
		seen := map[int]bool{}
		for i := range c.Workers {
			k := c.Rank(i, round)
			seen[k] = true
			if n, ok := c.Scheduler(round, k); !ok || n != c.Workers[i] {
				t.Fatalf("round %d: Scheduler(rank %d) is not worker %d", round, k, i)
			}
			if want := int((round + uint64(i)) % 3); k != want {
				t.Fatalf("round %d worker %d: rank %d, want %d", round, i, k, want)
			}
		}
		if len(seen) != 3 {
			t.Fatalf("round %d: ranks %v are not a permutation", round, seen)
		}
	}
	if c.Rank(-1, 0) != -1 || c.Rank(3, 0) != -1 {
		t.Fatal("rank of a non-member")
	}
	if _, ok := (&api.Committee{}).Scheduler(1, 0); ok {
		t.Fatal("empty committee has a scheduler")
	}
}

func voteOf(n signature.PublicKey, r api.ComputeResults, backup bool) api.Vote {
	return api.Vote{Node: n, Results: r, Backup: backup}
}

func TestJudge_HugeTimeouts(t *testing.T) {
	// A runtime whose timeouts are near 2^64 blocks: rank 1 never may
	// propose, and the round's deadline must not wrap into the past.
	f := newJudgeFixture()
	f.rt.Executor.ProposerTimeout = 1 << 63
	f.height = 1 << 40
	sc := api.SignCommitment(f.rank(0), f.cc, f.body(f.proposal(f.rank(1), 1), nil))
	if _, err := f.judge().Check(&sc); err == nil {
		t.Fatal("rank 1 allowed to propose under an endless proposer timeout")
	}
}
