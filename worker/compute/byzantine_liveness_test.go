package compute

import (
	"context"
	"fmt"
	"slices"
	"strings"
	"testing"

	"github.com/atoll-dev/atoll/consensus/genesis"
	"github.com/atoll-dev/atoll/consensus/signature"
	"github.com/atoll-dev/atoll/consensus/staking"
)

// TestByzantine_LivenessStraggler: a worker that straggles through most of
// an epoch (its rounds finalize through the backup, each a liveness fault
// for it) is, at the epoch's end, slashed the runtime's liveness amount and
// frozen, so the next epoch's committees leave it out and rounds go on.
// Nobody else loses anything.
func TestByzantine_LivenessStraggler(t *testing.T) {
	const epoch = 250 // blocks
	bn := startByzNet(t, byzOpts{workers: 2, backups: 1, storage: 2, nodes: 4, roundTimeout: 30, proposerTimeout: 10, epochInterval: epoch})
	bn.waitRound(t, 1)
	ctx := context.Background()
	v, err := NewHostChain(bn.chain).View(ctx, genesis.SVMRuntimeID)
	if err != nil {
		t.Fatal(err)
	}
	if v.Epoch != 0 {
		t.Fatalf("epoch %d at round 1", v.Epoch)
	}
	bn.rename(v.Workers[0], "F")
	bn.rename(v.Workers[1], "H")
	bn.rename(v.Backups[0], "B")
	fi, _ := bn.member(v.Workers[0])
	before := bn.escrows(t)
	_, latest := bn.latest(t)
	// From two rounds on (the workers are at most one ahead) until past
	// the epoch: a round takes at least a block.
	for r := latest + 2; r < latest+2+epoch; r++ {
		bn.schedules[fi].schedule(r, Faults{Straggler: true})
	}
	// Into the next epoch, and a round of it finalized.
	var next *View
	waitFor(t, "the next epoch's first finalized round", func() bool {
		nv, err := NewHostChain(bn.chain).View(ctx, genesis.SVMRuntimeID)
		if err != nil || nv.Epoch == 0 {
			return false
		}
		if next == nil {
			next = nv
		}
		return nv.Latest.Round > next.Latest.Round
	})
	after := bn.escrows(t)
	liveness := v.Runtime.Staking.Slashing[staking.SlashLiveness]
	for name, b := range before {
		want := uint64(0)
		if name == "F" {
			want = liveness
		}
		if loss := b - after[name]; loss != want {
			t.Errorf("%s lost %d escrow, want %d", name, loss, want)
		}
	}
	var slashes, faults []string
	for _, e := range bn.challengeEvents() { // storage challenges and every slash
		if strings.HasPrefix(e, "slashed ") {
			slashes = append(slashes, e)
		}
	}
	if want := []string{fmt.Sprintf("slashed node=F reason=liveness amount=%d", liveness)}; !slices.Equal(slashes, want) {
		t.Errorf("slashes %q, want %q", slashes, want)
	}
	for r := uint64(1); r <= next.Latest.Round; r++ {
		for _, e := range bn.roundEvents(r) {
			if strings.HasPrefix(e, "liveness_fault") {
				faults = append(faults, e)
			}
		}
	}
	if len(faults) < 4 || slices.ContainsFunc(faults, func(e string) bool { return e != "liveness_fault node=F" }) {
		t.Errorf("liveness faults %q: want F's alone, at least MinLiveRoundsForEvaluation", faults)
	}
	for _, c := range [][]string{names(bn, next.Workers), names(bn, next.Backups), names(bn, next.Storage)} {
		if slices.Contains(c, "F") {
			t.Errorf("frozen F elected in epoch %d: workers %v backups %v storage %v", next.Epoch,
				names(bn, next.Workers), names(bn, next.Backups), names(bn, next.Storage))
		}
	}
}

func names(bn *byzNet, ids []signature.PublicKey) []string {
	var out []string
	for _, id := range ids {
		out = append(out, bn.names[id])
	}
	return out
}
