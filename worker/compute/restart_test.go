package compute

import (
	"context"
	"slices"
	"testing"
	"time"

	"github.com/atoll-dev/atoll/consensus/genesis"
	"github.com/atoll-dev/atoll/runtime/svm/hosted"
	"github.com/atoll-dev/atoll/storage/mkvs"
)

// TestRestart_WorkerKilledMidRound stops a worker of the committee while
// rounds run (its stores closed under it), lets the network go on without
// it (the backup covers its missing commitments), then restarts it on the
// same data: it catches up from the storage committee and commits again.
// Nothing reported finalized before the kill is lost.
func TestRestart_WorkerKilledMidRound(t *testing.T) {
	// One receipt of two suffices, so a storage node being down does not
	// stall the runtime.
	tn := startNet(t, netOpts{workers: 2, backups: 1, storage: 2, nodes: 3, minWrite: 1})
	tn.waitRound(t, 1)
	v, err := NewHostChain(tn.chain).View(context.Background(), genesis.SVMRuntimeID)
	if err != nil {
		t.Fatal(err)
	}
	victim, other := -1, -1
	for i, m := range tn.members {
		switch {
		case m.id.Public() == v.Workers[0]:
			victim = i
		case m.id.Public() == v.Workers[1]:
			other = i
		}
	}
	tn.names[v.Workers[0]] = "victim"
	ow := tn.members[other].worker
	for ow.LatestHeader() == nil {
		time.Sleep(10 * time.Millisecond)
	}
	ctx, cancel := context.WithTimeout(context.Background(), 60*time.Second)
	defer cancel()
	before, err := ow.SubmitTx(ctx, transfer(t, 1, 1e9, ow.LatestHeader().Hash()))
	if err != nil || before.Code != hosted.CodeOK {
		t.Fatalf("before the kill: %+v %v", before, err)
	}

	tn.killMember(victim)
	_, killedAt := tn.latest(t)
	tn.waitRound(t, killedAt+2)
	during, err := ow.SubmitTx(ctx, transfer(t, 2, 1e9, ow.LatestHeader().Hash()))
	if err != nil || during.Code != hosted.CodeOK {
		t.Fatalf("while a worker is down: %+v %v; events %v", during, err, tn.chain.eventTypes(tn.names))
	}

	tn.startMember(context.Background(), victim)
	_, restartedAt := tn.latest(t)
	tn.waitRound(t, restartedAt+3)
	evs := tn.chain.eventTypes(tn.names)
	if !slices.Contains(evs, "roothash.liveness_fault victim") {
		t.Errorf("the downed worker got no liveness fault: %v", evs)
	}
	// The restarted worker commits again.
	deadline := time.Now().Add(30 * time.Second)
	for {
		evs := tn.chain.eventTypes(tn.names)
		last := slices.Index(evs, "roothash.liveness_fault victim")
		if last >= 0 && slices.Contains(evs[last:], "roothash.commitment victim") {
			break
		}
		if time.Now().After(deadline) {
			t.Fatalf("restarted worker never committed: %v", evs)
		}
		time.Sleep(20 * time.Millisecond)
	}
	// Its replica holds every finalized round, including the two results
	// reported before and during its absence.
	rep := tn.members[victim].replica
	for _, r := range []uint64{before.Round, during.Round} {
		h, err := NewHostChain(tn.chain).Header(ctx, genesis.SVMRuntimeID, r)
		if err != nil {
			t.Fatal(err)
		}
		for {
			root, ok, err := rep.KV.RootAt(mkvs.RootState, r)
			if err == nil && ok {
				if root.Hash != mkvs.Hash(h.StateRoot) {
					t.Fatalf("round %d: restarted replica holds %s, header %x", r, root.Hash, h.StateRoot)
				}
				break
			}
			if time.Now().After(deadline) {
				t.Fatalf("restarted replica lacks round %d", r)
			}
			time.Sleep(20 * time.Millisecond)
		}
	}
}
