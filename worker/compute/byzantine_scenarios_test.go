package compute

import (
	"context"
	"fmt"
	"slices"
	"strings"
	"testing"

	"github.com/atoll-dev/atoll/consensus/genesis"
	rhapi "github.com/atoll-dev/atoll/consensus/roothash/api"
	"github.com/atoll-dev/atoll/consensus/staking"
)

// byzScenario is one row of issue 6's table, run through the worker
// network with the faulty worker F (the other worker is H, the backup B).
type byzScenario struct {
	name   string
	faults Faults
	// events are the round's roothash events, commitments aside, in order.
	events []string
	// commits are the round's accepted commitments.
	commits []string
	// slashed: F loses the runtime's incorrect-results amount.
	slashed bool
	// equivocates: F signs two proposals for the next round, and the
	// workers' evidence makes it lose the runtime's equivocation amount
	// there.
	equivocates bool
	// backupProposes: the round runs on H's proposal even when F is the
	// primary scheduler.
	backupProposes bool
}

var (
	byzFinalized = []string{"finalized"}
	byzCommitsFH = []string{"commitment node=F", "commitment node=H"}
	byzMissing   = []string{"discrepancy reason=too many workers missing at the deadline", "finalized", "liveness_fault node=F"}
	byzCommitsHB = []string{"commitment node=B backup=true", "commitment node=H"}
	byzScenarios = []byzScenario{
		{name: "honest", events: byzFinalized, commits: byzCommitsFH},
		{name: "dishonest", faults: Faults{WrongState: true}, slashed: true,
			events:  []string{"discrepancy reason=workers disagree", "finalized", "slashed node=F reason=incorrect-results amount={amount}"},
			commits: []string{"commitment node=B backup=true", "commitment node=F", "commitment node=H"}},
		// The garbage commitment never gets past CheckTx: F is missing at
		// the deadline, and the backup decides.
		{name: "bogus", faults: Faults{BogusCommitment: true}, events: byzMissing, commits: byzCommitsHB},
		// As primary, F's proposal is discarded by everyone and the backup
		// scheduler proposes once its rank may; as backup scheduler, F
		// never gets to propose.
		{name: "invalid-batch-hash", faults: Faults{InvalidBatchHash: true}, events: byzFinalized, commits: byzCommitsFH, backupProposes: true},
		// F proposes at every step, for this round and the next, whatever
		// its rank: workers follow the best-ranked scheduler allowed to
		// propose, so the round goes on as usual; but F signed two
		// proposals for the next round, and is slashed for it there.
		{name: "runaway", faults: Faults{Runaway: true}, events: byzFinalized, commits: byzCommitsFH, equivocates: true},
		{name: "straggler", faults: Faults{Straggler: true}, events: byzMissing, commits: byzCommitsHB},
		// A failure vote forces the backups to decide; it is a liveness
		// fault, not a false claim.
		{name: "failure-indicating", faults: Faults{FailureIndicating: true},
			events:  []string{"discrepancy reason=workers disagree", "finalized", "liveness_fault node=F"},
			commits: []string{"commitment node=B backup=true", "commitment node=F failure=1", "commitment node=H"}},
	}
	// byzStragglerAllowed runs on a network whose runtime allows one
	// straggler: the round finalizes at the deadline without the backups.
	byzStragglerAllowed = byzScenario{name: "straggler-allowed", faults: Faults{Straggler: true},
		events: []string{"finalized", "liveness_fault node=F"}, commits: []string{"commitment node=H"}}
)

// TestByzantine_Scenarios runs issue 6's Byzantine scenarios on one worker
// network (2 workers, 1 backup, 2 storage nodes, real consensus app and
// roothash, real P2P): each scenario makes F misbehave in exactly one
// round, once where F is the round's primary scheduler and once where it
// is the backup scheduler, and checks that round's roothash events, its
// commitments, whose proposal it ran on, and the escrow of every entity
// before and after. Only a dishonest F loses stake, exactly the runtime's
// incorrect-results amount, and a runaway F the equivocation amount; nobody
// else loses anything.
func TestByzantine_Scenarios(t *testing.T) {
	bn := startByzNet(t, byzOpts{workers: 2, backups: 1, storage: 2, nodes: 3, roundTimeout: 60, proposerTimeout: 20})
	runByzScenarios(t, bn, byzScenarios)
}

// TestByzantine_StragglerAllowed is the straggler-allowed row: it needs a
// runtime with AllowedStragglers = 1.
func TestByzantine_StragglerAllowed(t *testing.T) {
	bn := startByzNet(t, byzOpts{workers: 2, backups: 1, storage: 2, nodes: 3, roundTimeout: 60, proposerTimeout: 20, stragglers: 1})
	runByzScenarios(t, bn, []byzScenario{byzStragglerAllowed})
}

func runByzScenarios(t *testing.T, bn *byzNet, scenarios []byzScenario) {
	bn.waitRound(t, 1)
	v, err := NewHostChain(bn.chain).View(context.Background(), genesis.SVMRuntimeID)
	if err != nil {
		t.Fatal(err)
	}
	if len(v.Workers) != 2 || len(v.Backups) != 1 || slices.Contains(v.Workers, v.Backups[0]) {
		t.Fatalf("committee %v, backups %v", v.Workers, v.Backups)
	}
	bn.rename(v.Workers[0], "F")
	bn.rename(v.Workers[1], "H")
	bn.rename(v.Backups[0], "B")
	fi, _ := bn.member(v.Workers[0])
	amount := v.Runtime.Staking.Slashing[staking.SlashIncorrectResults]
	equivocation := v.Runtime.Staking.Slashing[staking.SlashEquivocation]
	if amount == 0 || equivocation == 0 {
		t.Fatal("the runtime slashes nothing for incorrect results or equivocation")
	}
	equivocated := fmt.Sprintf("slashed node=F reason=equivocation amount=%d", equivocation)
	var dishonest []string
	for _, sc := range scenarios {
		for pos, where := range []string{"primary-scheduler", "backup-scheduler"} {
			t.Run(sc.name+"/"+where, func(t *testing.T) {
				_, latest := bn.latest(t)
				// Two rounds ahead: the workers are at most at latest+1.
				r := latest + 2
				for rank(r, 0, len(v.Workers)) != pos {
					r++
				}
				bn.schedules[fi].schedule(r, sc.faults)
				before := bn.escrows(t)
				bn.waitDecided(t, r)
				// The network is back to normal at once: the next round
				// finalizes without any fault (an equivocation F signed
				// for it aside).
				bn.waitDecided(t, r+1)
				if sc.equivocates {
					waitFor(t, "the equivocation slash", func() bool { return slices.Contains(bn.roundEvents(r+1), equivocated) })
				}
				after := bn.escrows(t)
				next := bn.roundEvents(r + 1)
				if sc.equivocates {
					next = slices.DeleteFunc(next, func(e string) bool { return e == equivocated })
				}
				if !slices.Equal(next, byzFinalized) {
					t.Errorf("round %d after the fault: events %q", r+1, bn.roundEvents(r+1))
				}
				for name, b := range before {
					want := uint64(0)
					if name == "F" && sc.slashed {
						want += amount
					}
					if name == "F" && sc.equivocates {
						want += equivocation
					}
					if loss := b - after[name]; loss != want {
						t.Errorf("%s lost %d escrow, want %d", name, loss, want)
					}
				}
				want := slices.Clone(sc.events)
				for i := range want {
					want[i] = strings.ReplaceAll(want[i], "{amount}", fmt.Sprint(amount))
				}
				if got := bn.roundEvents(r); !slices.Equal(got, want) {
					t.Errorf("round %d events\n got  %q\n want %q", r, got, want)
				}
				if got := bn.commitments(r); !slices.Equal(got, sc.commits) {
					t.Errorf("round %d commitments\n got  %q\n want %q", r, got, sc.commits)
				}
				h, err := bn.schedules[fi].Header(context.Background(), genesis.SVMRuntimeID, r)
				if err != nil || h.Type != rhapi.Normal {
					t.Fatalf("round %d header %+v %v", r, h, err)
				}
				wantScheduler := "F"
				if pos == 1 || sc.backupProposes {
					wantScheduler = "H"
				}
				if got := bn.schedulersOf(r); !slices.Equal(got, []string{wantScheduler}) {
					t.Errorf("round %d ran on proposals of %v, want %s's", r, got, wantScheduler)
				}
				if sc.slashed {
					dishonest = append(dishonest, fmt.Sprint(r))
				}
				if sc.equivocates {
					dishonest = append(dishonest, fmt.Sprint(r+1))
				}
			})
		}
	}
	if got := bn.slashedRounds(); !slices.Equal(got, dishonest) {
		t.Errorf("slashes in rounds %v, want only %v", got, dishonest)
	}
}
