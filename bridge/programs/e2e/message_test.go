package e2e

import (
	"fmt"
	"testing"

	"github.com/atoll-dev/atoll/bridge/programs/address"
	"github.com/atoll-dev/atoll/bridge/programs/internal/chaintest"
	"github.com/atoll-dev/atoll/bridge/programs/replica"
	breplica "github.com/atoll-dev/atoll/bridge/replica"
	"github.com/atoll-dev/atoll/runtime/svm"
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
	t.Logf("replica update with 2 signatures: %d compute units", r.UnitsConsumed)
	evs := replica.ParseLogs(r.Logs)
	if len(evs) != 1 || evs[0].Kind != replica.EventUpdate || evs[0].ConfirmAt != uint64(br.b.c.Now()-1+optimistic) {
		t.Fatalf("update events %+v (now %d)", evs, br.b.c.Now())
	}
	// Before confirmAt the root is not acceptable.
	acceptable := func() bool {
		t.Helper()
		ok, err := replica.AcceptableRoot(br.b.c.Account(address.ReplicaState(domainA)).Data,
			br.b.c.Account(address.RootEntry(domainA, q.NewRoot)).Data, q.NewRoot, uint64(br.b.c.Now()))
		if err != nil {
			t.Fatal(err)
		}
		return ok
	}
	if acceptable() {
		t.Fatal("root acceptable before confirmAt")
	}
	chaintest.Fails(t, br.proveAndProcess(br.b, br.a, idx, nil), chaintest.Custom(42))
	br.b.c.Sleep(optimistic)
	if !acceptable() {
		t.Fatal("root not acceptable after confirmAt")
	}
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

// TestBridge_FailedHandlerStaysProven: a failing handler leaves the message
// proven (the transaction succeeds and logs the failure), and it is processed
// on retry.
func TestBridge_FailedHandlerStaysProven(t *testing.T) {
	br := newBridge(t, 2, 1, 2, 3)
	clean := br.dispatch(br.a, domainB, "retry me")
	dirty := br.dispatch(br.a, domainB, "dirty")
	q := br.a.sign(1, 2)
	br.commit(br.a, q)
	chaintest.OK(t, br.relay(br.b, domainA, q))
	br.b.c.Sleep(optimistic)

	br.b.setRecorderFailing(true)
	r := br.proveAndProcess(br.b, br.a, clean, nil)
	chaintest.OK(t, r)
	if evs := replica.ParseLogs(r.Logs); len(evs) != 2 || evs[0].Kind != replica.EventProven || evs[1].Kind != replica.EventHandlerFailed {
		t.Fatalf("events %+v", evs)
	}
	if st := br.b.status(domainA, br.a.msgs[clean]); st != byte(breplica.Proven) || br.b.recorded() != 0 {
		t.Fatalf("after a failed handler: status %d, recorded %d", st, br.b.recorded())
	}
	br.b.setRecorderFailing(false)
	process := func(idx uint32) svm.TxResult {
		ix, err := replica.Process(domainA, chaintest.Pub(br.processor), br.a.msgs[idx], q.NewRoot,
			[]sol.AccountMeta{{Pubkey: recorderState, IsWritable: true}})
		if err != nil {
			t.Fatal(err)
		}
		return br.b.c.Run(br.processor, nil, ix)
	}
	chaintest.OK(t, process(clean))
	if st := br.b.status(domainA, br.a.msgs[clean]); st != byte(breplica.Processed) || br.b.recorded() != 1 {
		t.Fatalf("after retry: status %d, recorded %d", st, br.b.recorded())
	}

	// A handler that changes its state before failing ("dirty" always does)
	// is undone by the runtime, which restores a failed invocation's
	// accounts: the message stays proven and retryable, and nothing of the
	// handler's half-done work is kept, however often it is retried.
	for i := 0; i < 2; i++ {
		if i == 0 {
			chaintest.OK(t, br.proveAndProcess(br.b, br.a, dirty, nil))
		} else {
			chaintest.OK(t, process(dirty))
		}
		if st := br.b.status(domainA, br.a.msgs[dirty]); st != byte(breplica.Proven) || br.b.recorded() != 1 {
			t.Fatalf("after dirty failure %d: status %d, recorded %d", i, st, br.b.recorded())
		}
	}
}

// TestBridge_Deterministic runs the same transactions on two fresh copies
// of network B and requires identical results and state.
func TestBridge_Deterministic(t *testing.T) {
	run := func() ([]string, []svm.AccountWrite) {
		br := newBridge(t, 2, 1, 2, 3)
		br.dispatch(br.a, domainB, "one")
		br.dispatch(br.a, domainB, "two")
		q := br.a.sign(1, 2)
		br.commit(br.a, q)
		chaintest.OK(t, br.relay(br.b, domainA, q))
		br.b.c.Sleep(optimistic)
		var logs []string
		for i := range br.a.msgs {
			r := br.proveAndProcess(br.b, br.a, uint32(i), nil)
			chaintest.OK(t, r)
			logs = append(logs, r.Logs...)
		}
		var state []svm.AccountWrite
		for _, k := range br.b.c.Store.Keys() {
			state = append(state, svm.AccountWrite{Key: k, Account: br.b.c.Account(k)})
		}
		return logs, state
	}
	logs1, state1 := run()
	logs2, state2 := run()
	if len(logs1) != len(logs2) || len(state1) != len(state2) {
		t.Fatal("runs differ in size")
	}
	for i := range logs1 {
		if logs1[i] != logs2[i] {
			t.Fatalf("log %d differs: %q vs %q", i, logs1[i], logs2[i])
		}
	}
	for i := range state1 {
		if state1[i].Key != state2[i].Key || !state1[i].Account.Equal(&state2[i].Account) {
			t.Fatalf("account %s differs", state1[i].Key)
		}
	}
}

// TestBridge_BatchedParallel delivers several messages in one block on an
// executor with parallel scheduling, as a node batches transactions.
func TestBridge_BatchedParallel(t *testing.T) {
	br := newBridgeWith(t, []svm.Option{svm.WithParallelism(2)}, 2, 1, 2, 3)
	for i := 0; i < 4; i++ {
		br.dispatch(br.a, domainB, fmt.Sprintf("message %d", i))
	}
	q := br.a.sign(1, 2)
	br.commit(br.a, q)
	chaintest.OK(t, br.relay(br.b, domainA, q))
	br.b.c.Sleep(optimistic)
	var txs [][]byte
	for i := range br.a.msgs {
		p, _ := br.a.tree.Proof(uint32(i))
		ix, err := replica.ProveAndProcess(domainA, chaintest.Pub(br.processor), br.a.msgs[i], uint32(i), &p.Path,
			[]sol.AccountMeta{{Pubkey: recorderState, IsWritable: true}})
		if err != nil {
			t.Fatal(err)
		}
		txs = append(txs, br.b.c.Build(br.processor, nil, ix))
	}
	txs = append(txs, txs[0]) // a duplicate in the same block is refused
	res := br.b.c.Execute(txs...)
	for i, r := range res[:4] {
		if r.Err != nil {
			t.Fatalf("tx %d: %v", i, r.Err)
		}
	}
	if res[4].Err == nil || br.b.recorded() != 4 {
		t.Fatalf("duplicate: %v, recorded %d", res[4].Err, br.b.recorded())
	}
}
