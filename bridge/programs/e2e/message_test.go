package e2e

import (
	"testing"

	"github.com/atoll-dev/atoll/bridge/programs/internal/chaintest"
	"github.com/atoll-dev/atoll/bridge/programs/replica"
	breplica "github.com/atoll-dev/atoll/bridge/replica"
	"github.com/atoll-dev/atoll/runtime/svm/sol"
)

// TestBridge_MessageAToB carries a message from A to B: dispatch, quorum
// update on the Home, relay to the Replica, wait out the optimistic period,
// proveAndProcess into the recipient.
func TestBridge_MessageAToB(t *testing.T) {
	br := newBridge(t, 2, 1, 2, 3)
	idx := br.dispatch(br.a, domainB, "hello")
	q := br.a.sign(1, 2)
	br.commit(br.a, q)
	r := br.relay(br.b, domainA, q)
	chaintest.OK(t, r)
	evs := replica.ParseLogs(r.Logs)
	if len(evs) != 1 || evs[0].Kind != replica.EventUpdate || evs[0].ConfirmAt != uint64(br.b.c.Now()-1+optimistic) {
		t.Fatalf("update events %+v (now %d)", evs, br.b.c.Now())
	}
	// Before confirmAt the root is not acceptable.
	chaintest.Fails(t, br.proveAndProcess(br.b, br.a, idx, nil), chaintest.Custom(42))
	br.b.c.Sleep(optimistic)
	r = br.proveAndProcess(br.b, br.a, idx, nil)
	chaintest.OK(t, r)
	t.Logf("proveAndProcess: %d compute units", r.UnitsConsumed)
	if br.b.recorded() != 1 || br.b.status(domainA, br.a.msgs[idx]) != byte(breplica.Processed) {
		t.Fatalf("recorded %d, status %d", br.b.recorded(), br.b.status(domainA, br.a.msgs[idx]))
	}
	// Replay: the same message again, and the same transaction again.
	chaintest.Fails(t, br.proveAndProcess(br.b, br.a, idx, nil), chaintest.Custom(44))
	ix, err := replica.Process(domainA, chaintest.Pub(br.processor), br.a.msgs[idx], q.NewRoot,
		[]sol.AccountMeta{{Pubkey: recorderState, IsWritable: true}})
	if err != nil {
		t.Fatal(err)
	}
	chaintest.Fails(t, br.b.c.Run(br.processor, nil, ix), chaintest.Custom(44))
	if br.b.recorded() != 1 {
		t.Fatal("a processed message was delivered twice")
	}
}
