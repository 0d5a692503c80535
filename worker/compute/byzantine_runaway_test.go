package compute

import (
	"context"
	"fmt"
	"slices"
	"sync"
	"testing"

	"github.com/atoll-dev/atoll/consensus/genesis"
	rhapi "github.com/atoll-dev/atoll/consensus/roothash/api"
	"github.com/atoll-dev/atoll/consensus/signature"
	"github.com/atoll-dev/atoll/consensus/staking"
	"github.com/atoll-dev/atoll/worker/p2p"
)

// proposalLog is a compute handler that records the proposals a node
// receives before handing them to its worker.
type proposalLog struct {
	p2p.ComputeHandler
	mu  sync.Mutex
	got []rhapi.SignedProposal
}

func (l *proposalLog) Propose(ctx context.Context, from signature.PublicKey, m *p2p.ProposalMsg) error {
	l.mu.Lock()
	l.got = append(l.got, m.Proposal)
	l.mu.Unlock()
	return l.ComputeHandler.Propose(ctx, from, m)
}

// of returns the distinct proposals scheduler s signed for round r.
func (l *proposalLog) of(s signature.PublicKey, r uint64) []rhapi.SignedProposal {
	l.mu.Lock()
	defer l.mu.Unlock()
	var out []rhapi.SignedProposal
	for _, p := range l.got {
		if p.Scheduler == s && p.Proposal.Round == r && !slices.Contains(out, p) {
			out = append(out, p)
		}
	}
	return out
}

// TestByzantine_RunawayEquivocates: a runaway scheduler, for two rounds,
// proposes at every step for its round and the next, whatever its rank.
// As backup scheduler of round r-1 it is ignored (its rank may not propose
// yet); as primary of round r it is followed unless it already spent its
// quota of proposals for r, and both rounds finalize as usual. But it has signed two different
// proposals for round r (one built on a made-up parent while r-1 was
// pending), and two for round r+1 as well: as the honest worker and the
// backup received them they prove equivocation. They submit the evidence
// themselves, and the roothash slashes the scheduler's entity exactly the
// runtime's equivocation amount once per round it equivocated in (a later
// submission is refused), and nobody else.
func TestByzantine_RunawayEquivocates(t *testing.T) {
	logs := map[int]*proposalLog{}
	bn := startByzNet(t, byzOpts{workers: 2, backups: 1, storage: 2, nodes: 3, roundTimeout: 60, proposerTimeout: 20,
		computeServer: func(i int, h p2p.ComputeHandler) p2p.ComputeHandler {
			logs[i] = &proposalLog{ComputeHandler: h}
			return logs[i]
		}})
	bn.waitRound(t, 1)
	ctx := context.Background()
	v, err := NewHostChain(bn.chain).View(ctx, genesis.SVMRuntimeID)
	if err != nil {
		t.Fatal(err)
	}
	bn.rename(v.Workers[0], "F")
	bn.rename(v.Workers[1], "H")
	bn.rename(v.Backups[0], "B")
	fi, _ := bn.member(v.Workers[0])
	hi, _ := bn.member(v.Workers[1])
	_, latest := bn.latest(t)
	r := latest + 3
	for rank(r, 0, len(v.Workers)) != 0 {
		r++
	}
	bn.schedules[fi].schedule(r-1, Faults{Runaway: true})
	bn.schedules[fi].schedule(r, Faults{Runaway: true})
	before := bn.escrows(t)
	bn.waitDecided(t, r)
	// Round r runs on F's proposal, or, when F spent its proposal quota
	// on round r while r-1 was pending, on H's after the proposer timeout.
	amount := v.Runtime.Staking.Slashing[staking.SlashEquivocation]
	slash := fmt.Sprintf("slashed node=F reason=equivocation amount=%d", amount)
	waitFor(t, "the equivocation slash, on the workers' own evidence", func() bool { return slices.Contains(bn.roundEvents(r), slash) })
	for x, schedulers := range map[uint64][]string{r - 1: {"H"}, r: {"F", "H"}} {
		got := slices.DeleteFunc(bn.roundEvents(x), func(e string) bool { return e == slash })
		if !slices.Equal(got, byzFinalized) {
			t.Errorf("round %d events %q", x, got)
		}
		if got := bn.commitments(x); !slices.Equal(got, byzCommitsFH) {
			t.Errorf("round %d commitments %q", x, got)
		}
		if got := bn.schedulersOf(x); len(got) != 1 || !slices.Contains(schedulers, got[0]) {
			t.Errorf("round %d ran on proposals of %v, want one of %v", x, got, schedulers)
		}
	}
	props := logs[hi].of(v.Workers[0], r)
	if len(props) < 2 {
		t.Fatalf("H received %d distinct proposals of F for round %d", len(props), r)
	}
	// While runaway in round r, F also signed two proposals for round
	// r+1 at every step, on made-up parents: a second equivocation,
	// punished as well. Both observers' submissions have landed (or been
	// refused) two rounds later.
	bn.waitDecided(t, r+3)
	if n := len(logs[hi].of(v.Workers[0], r+1)); n < 2 {
		t.Fatalf("H received %d distinct proposals of F for round %d", n, r+1)
	}
	wantRounds := []string{fmt.Sprint(r), fmt.Sprint(r + 1)}
	if err := bn.chain.Submit(ctx, seeded(1, 0), rhapi.MethodSubmitEvidence, &rhapi.EquivocationBody{A: props[1], B: props[0]}); err == nil {
		t.Error("the same equivocation was punished twice")
	}
	after := bn.escrows(t)
	for name, b := range before {
		want := uint64(0)
		if name == "F" {
			want = amount * uint64(len(wantRounds))
		}
		if loss := b - after[name]; loss != want {
			t.Errorf("%s lost %d escrow, want %d", name, loss, want)
		}
	}
	if got := bn.slashedRounds(); !slices.Equal(got, wantRounds) {
		t.Errorf("slashes in rounds %v, want %v", got, wantRounds)
	}
}
