package storage

import (
	"bytes"
	"context"
	"errors"
	"sync"
	"testing"
	"time"

	"github.com/atoll-dev/atoll/storage/mkvs"
	wrt "github.com/atoll-dev/atoll/worker/runtime"
)

func TestReplica_Stash(t *testing.T) {
	f := buildFixture(t, 2)
	ctx := context.Background()
	r := newReplica(t, f, true)
	h1 := &f.headers[1]
	sl, il := wrt.FromRHPLog(f.results[1].StateWriteLog), wrt.FromRHPLog(f.results[1].IOWriteLog)

	// Logs that do not lead to the claimed roots are refused, and the
	// refusal is not remembered against the roots.
	if err := r.Stash(1, f.headers[0].StateRoot, h1.StateRoot, h1.IORoot, nil, il); !errors.Is(err, ErrBadResults) {
		t.Fatalf("wrong state log stashed: %v", err)
	}
	if r.Stashed(1, f.headers[0].StateRoot, h1.StateRoot, h1.IORoot) {
		t.Fatal("refused results reported stashed")
	}
	// Every worker's copy of the same results, at once: all succeed.
	var wg sync.WaitGroup
	errs := make([]error, 8)
	for i := range errs {
		wg.Add(1)
		go func(i int) {
			defer wg.Done()
			errs[i] = r.Stash(1, f.headers[0].StateRoot, h1.StateRoot, h1.IORoot, sl, il)
		}(i)
	}
	wg.Wait()
	if err := errors.Join(errs...); err != nil {
		t.Fatal(err)
	}
	if !r.Stashed(1, f.headers[0].StateRoot, h1.StateRoot, h1.IORoot) {
		t.Fatal("stashed results not reported")
	}
	other := h1.StateRoot
	other[0] ^= 1
	if r.Stashed(1, f.headers[0].StateRoot, other, h1.IORoot) {
		t.Fatal("other roots reported stashed")
	}
	// Finalizing commits the verified state and IO trees together.
	if err := r.Finalize(ctx, h1, nil); err != nil {
		t.Fatal(err)
	}
	for _, c := range []struct {
		typ  mkvs.RootType
		want mkvs.Hash
	}{{mkvs.RootState, mkvs.Hash(h1.StateRoot)}, {mkvs.RootIO, mkvs.Hash(h1.IORoot)}} {
		root, ok, err := r.KV.RootAt(c.typ, 1)
		if err != nil || !ok || root.Hash != c.want {
			t.Fatalf("%s of round 1: %s %v %v", c.typ, root, ok, err)
		}
		tr, err := r.KV.Tree(root)
		if err != nil {
			t.Fatal(err)
		}
		if got, err := tr.WriteLog(); err != nil || len(got) != 0 {
			t.Fatalf("committed tree has pending changes: %v %v", got, err)
		}
	}
	if r.Stashed(1, f.headers[0].StateRoot, h1.StateRoot, h1.IORoot) {
		t.Fatal("finalized round still held")
	}
	// The IO write log of the round just finalized is at hand, and is
	// the committed IO tree's content.
	got, ok := r.FinalizedIOLog(1)
	if !ok || len(got) != len(il) {
		t.Fatalf("io log of round 1: %d entries, %v", len(got), ok)
	}
	for i := range got {
		if !bytes.Equal(got[i].Key, il[i].Key) || !bytes.Equal(got[i].Value, il[i].Value) {
			t.Fatalf("io log entry %d differs", i)
		}
	}
	if _, ok := r.FinalizedIOLog(2); ok {
		t.Fatal("io log of an unfinalized round")
	}
}

func TestReplica_FinalizeAfterReopen(t *testing.T) {
	f := buildFixture(t, 1)
	ctx := context.Background()
	dir := t.TempDir()
	r, err := OpenReplica(dir, mkvs.Namespace(rtID), false)
	if err != nil {
		t.Fatal(err)
	}
	if err := wrt.SeedGenesis(r.KV, f.genesisLog, f.genesisRoot); err != nil {
		t.Fatal(err)
	}
	h1 := &f.headers[1]
	if err := r.Stash(1, f.headers[0].StateRoot, h1.StateRoot, h1.IORoot, wrt.FromRHPLog(f.results[1].StateWriteLog), wrt.FromRHPLog(f.results[1].IOWriteLog)); err != nil {
		t.Fatal(err)
	}
	if err := r.Close(); err != nil {
		t.Fatal(err)
	}
	// The verified trees died with the process; the durable candidate
	// finalizes the round.
	r, err = OpenReplica(dir, mkvs.Namespace(rtID), false)
	if err != nil {
		t.Fatal(err)
	}
	defer r.Close()
	if r.Stashed(1, f.headers[0].StateRoot, h1.StateRoot, h1.IORoot) {
		t.Fatal("a reopened replica claims verifications it did not do")
	}
	if err := r.Finalize(ctx, h1, nil); err != nil {
		t.Fatal(err)
	}
	if io, ok, err := r.KV.RootAt(mkvs.RootIO, 1); err != nil || !ok || io.Hash != mkvs.Hash(h1.IORoot) {
		t.Fatalf("io of round 1: %s %v %v", io, ok, err)
	}
}

func TestNode_StorageApplyByRoots(t *testing.T) {
	f := buildFixture(t, 1)
	key := signer(t, 1)
	n := &Node{Runtime: rtID, Signer: key, ChainContext: []byte("c"), Replica: newReplica(t, f, true)}
	ctx := context.Background()
	full := applyReq(f, 1)
	rootsOnly := *full
	rootsOnly.StateLog, rootsOnly.IOLog = nil, nil
	// Results the node does not hold are not receipted on their roots.
	if _, err := n.StorageApply(ctx, key.Public(), &rootsOnly); !errors.Is(err, ErrLogsNeeded) {
		t.Fatalf("receipt without the results: %v", err)
	}
	if _, err := n.StorageApply(ctx, key.Public(), full); err != nil {
		t.Fatal(err)
	}
	rc, err := n.StorageApply(ctx, key.Public(), &rootsOnly)
	if err != nil || rc.Verify([]byte("c")) != nil || rc.Receipt.StateRoot != f.headers[1].StateRoot {
		t.Fatalf("receipt by roots of held results: %+v %v", rc, err)
	}
	other := rootsOnly
	other.IORoot[0] ^= 1
	if _, err := n.StorageApply(ctx, key.Public(), &other); !errors.Is(err, ErrLogsNeeded) {
		t.Fatalf("receipt by roots of other results: %v", err)
	}
}

// The write logs a storage node receipted are stashed as received and
// finalize the round after a restart.
func TestNode_StorageApplyThenRestart(t *testing.T) {
	f := buildFixture(t, 1)
	dir := t.TempDir()
	r, err := OpenReplica(dir, mkvs.Namespace(rtID), false)
	if err != nil {
		t.Fatal(err)
	}
	if err := wrt.SeedGenesis(r.KV, f.genesisLog, f.genesisRoot); err != nil {
		t.Fatal(err)
	}
	key := signer(t, 1)
	n := &Node{Runtime: rtID, Signer: key, ChainContext: []byte("c"), Replica: r}
	if _, err := n.StorageApply(context.Background(), key.Public(), applyReq(f, 1)); err != nil {
		t.Fatal(err)
	}
	if err := r.Close(); err != nil {
		t.Fatal(err)
	}
	r, err = OpenReplica(dir, mkvs.Namespace(rtID), false)
	if err != nil {
		t.Fatal(err)
	}
	defer r.Close()
	h1 := &f.headers[1]
	if err := r.Finalize(context.Background(), h1, nil); err != nil {
		t.Fatal(err)
	}
	if round, root, _ := r.Round(); round != 1 || root.Hash != mkvs.Hash(h1.StateRoot) {
		t.Fatalf("after restart: round %d, %s", round, root)
	}
}

// A storage node asked for a receipt while it still applies the round the
// results build on waits for it instead of refusing.
func TestNode_StorageApplyWaitsForPreviousRound(t *testing.T) {
	f := buildFixture(t, 2)
	key := signer(t, 1)
	n := &Node{Runtime: rtID, Signer: key, ChainContext: []byte("c"), Replica: newReplica(t, f, true)}
	ctx := context.Background()
	if _, err := n.StorageApply(ctx, key.Public(), applyReq(f, 1)); err != nil {
		t.Fatal(err)
	}
	done := make(chan error, 1)
	go func() {
		_, err := n.StorageApply(ctx, key.Public(), applyReq(f, 2))
		done <- err
	}()
	time.Sleep(50 * time.Millisecond)
	if err := n.Replica.Finalize(ctx, &f.headers[1], nil); err != nil {
		t.Fatal(err)
	}
	if err := <-done; err != nil {
		t.Fatalf("receipt after the previous round applied: %v", err)
	}
	if !n.Replica.WaitRound(ctx, 1, time.Millisecond) || n.Replica.WaitRound(ctx, 2, 10*time.Millisecond) {
		t.Fatal("WaitRound does not report the applied round")
	}
}
