package replica

import (
	"errors"
	"testing"

	"github.com/atoll-dev/atoll/bridge/internal/testkeys"
	"github.com/atoll-dev/atoll/bridge/keccak"
	"github.com/atoll-dev/atoll/bridge/merkle"
	"github.com/atoll-dev/atoll/bridge/update"
	"github.com/atoll-dev/atoll/runtime/svm/sol"
)

func TestNew(t *testing.T) {
	set := testkeys.Set(t, 1, 1)
	tests := []struct {
		name    string
		cfg     Config
		wantErr error
	}{
		{"valid", Config{LocalDomain: local, RemoteDomain: origin, Owner: owner, Updaters: set, CommittedRoot: merkle.EmptyRoot()}, nil},
		{"zero committed root", Config{LocalDomain: local, RemoteDomain: origin, Owner: owner, Updaters: set}, ErrZeroRoot},
		{"zero owner", Config{LocalDomain: local, RemoteDomain: origin, Updaters: set, CommittedRoot: merkle.EmptyRoot()}, ErrConfig},
		{"no updaters", Config{LocalDomain: local, RemoteDomain: origin, Owner: owner, CommittedRoot: merkle.EmptyRoot()}, ErrConfig},
		{"follows itself", Config{LocalDomain: local, RemoteDomain: local, Owner: owner, Updaters: set, CommittedRoot: merkle.EmptyRoot()}, ErrConfig},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if _, err := New(tt.cfg); !errors.Is(err, tt.wantErr) {
				t.Fatalf("err = %v, want %v", err, tt.wantErr)
			}
		})
	}
}

func TestReplica_Update(t *testing.T) {
	next := func(b *bridge) update.Update {
		u, _ := b.home.SuggestUpdate()
		return u
	}
	tests := []struct {
		name    string
		build   func(b *bridge) *update.QuorumUpdate
		wantErr error
	}{
		{"quorum", func(b *bridge) *update.QuorumUpdate { return testkeys.Quorum(next(b), 1, 3) }, nil},
		{"quorum short by one", func(b *bridge) *update.QuorumUpdate { return testkeys.Quorum(next(b), 3) }, update.ErrQuorum},
		{"duplicated signer", func(b *bridge) *update.QuorumUpdate { return testkeys.Quorum(next(b), 3, 3) }, update.ErrDuplicateSigner},
		{"non-member signer", func(b *bridge) *update.QuorumUpdate { return testkeys.Quorum(next(b), 3, 4) }, update.ErrNotMember},
		{"high-s signature", func(b *bridge) *update.QuorumUpdate {
			q := testkeys.Quorum(next(b), 1, 3)
			q.Signatures[0] = testkeys.HighS(q.Signatures[0])
			return q
		}, update.ErrHighS},
		{"other home domain", func(b *bridge) *update.QuorumUpdate {
			u := next(b)
			u.HomeDomain = 3000
			return testkeys.Quorum(u, 1, 2)
		}, ErrDomain},
		{"from 0x0", func(b *bridge) *update.QuorumUpdate {
			u := next(b)
			u.OldRoot = keccak.Zero
			return testkeys.Quorum(u, 1, 2)
		}, ErrNotCurrent},
		{"to 0x0", func(b *bridge) *update.QuorumUpdate {
			u := next(b)
			u.NewRoot = keccak.Zero
			return testkeys.Quorum(u, 1, 2)
		}, ErrZeroRoot},
		{"to the committed root", func(b *bridge) *update.QuorumUpdate {
			u := next(b)
			u.NewRoot = u.OldRoot
			return testkeys.Quorum(u, 1, 2)
		}, ErrKnownRoot},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			b := newBridge(t)
			b.dispatch(t, local, "m")
			q := tt.build(b)
			before := b.replica.CommittedRoot()
			err := b.replica.Update(b.store, q, t0)
			if !errors.Is(err, tt.wantErr) {
				t.Fatalf("err = %v, want %v", err, tt.wantErr)
			}
			if err != nil {
				if b.replica.CommittedRoot() != before || b.store.Roots() != 0 {
					t.Fatal("a rejected update changed the state")
				}
				return
			}
			e, ok, _ := b.store.RootEntry(q.NewRoot)
			if !ok || e.ConfirmAt != t0+optimistic || b.replica.CommittedRoot() != q.NewRoot {
				t.Fatalf("history entry %+v, %v", e, ok)
			}
		})
	}
}

func TestReplica_AcceptableRoot(t *testing.T) {
	b := newBridge(t)
	b.dispatch(t, local, "m")
	q := b.signAndRelay(t, t0)
	tests := []struct {
		name string
		root keccak.Hash
		now  uint64
		want bool
	}{
		{"0x0", keccak.Zero, t0 + 10*optimistic, false},
		{"initial committed root", merkle.EmptyRoot(), t0 + 10*optimistic, false},
		{"unknown root", keccak.Hash{1}, t0 + 10*optimistic, false},
		{"updated root, just relayed", q.NewRoot, t0, false},
		{"updated root, a second early", q.NewRoot, t0 + optimistic - 1, false},
		{"updated root, at confirmAt", q.NewRoot, t0 + optimistic, true},
		{"updated root, later", q.NewRoot, t0 + 100*optimistic, true},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got, err := b.replica.AcceptableRoot(b.store, tt.root, tt.now)
			if err != nil || got != tt.want {
				t.Fatalf("AcceptableRoot = %v, %v; want %v", got, err, tt.want)
			}
		})
	}
}

func TestReplica_Prove(t *testing.T) {
	b := newBridge(t)
	i := b.dispatch(t, local, "hello")
	b.dispatch(t, local, "world")
	b.signAndRelay(t, t0)
	p := b.proof(t, i)
	confirm := uint64(t0 + optimistic)

	if err := b.replica.Prove(b.store, p.Leaf, &p.Path, p.Index, confirm-1); !errors.Is(err, ErrRootNotAcceptable) {
		t.Fatalf("prove before confirmAt: %v", err)
	}
	var zeroPath [merkle.Depth]keccak.Hash
	if err := b.replica.Prove(b.store, p.Leaf, &zeroPath, 0, confirm); !errors.Is(err, ErrRootNotAcceptable) {
		t.Fatalf("prove with an all-zero path: %v", err)
	}
	if err := b.replica.Prove(b.store, p.Leaf, &p.Path, p.Index+1, confirm); !errors.Is(err, ErrRootNotAcceptable) {
		t.Fatalf("prove at the wrong index: %v", err)
	}
	if rec, _ := b.store.MessageRecord(p.Leaf); rec.Status != None {
		t.Fatal("failed proofs left a record")
	}
	if err := b.replica.Prove(b.store, p.Leaf, &p.Path, p.Index, confirm); err != nil {
		t.Fatal(err)
	}
	rec, _ := b.replica.MessageStatus(b.store, p.Leaf)
	if rec.Status != Proven || rec.Root != b.tree.Root() {
		t.Fatalf("record %+v", rec)
	}
	if err := b.replica.Prove(b.store, p.Leaf, &p.Path, p.Index, confirm); !errors.Is(err, ErrAlreadyProven) {
		t.Fatalf("second prove: %v", err)
	}
}

func TestReplica_Process(t *testing.T) {
	b := newBridge(t)
	mine := b.dispatch(t, local, "for 2000")
	elsewhere := b.dispatch(t, 3000, "for 3000")
	never := b.dispatch(t, local, "never proven")
	b.signAndRelay(t, t0)
	now := uint64(t0 + optimistic)
	var got deliveries

	if _, err := b.replica.Process(b.store, b.raw[never], now, got.handler()); !errors.Is(err, ErrNotProven) {
		t.Fatalf("process of a never-proven message: %v", err)
	}
	p := b.proof(t, elsewhere)
	if _, err := b.replica.ProveAndProcess(b.store, b.raw[elsewhere], &p.Path, p.Index, now, got.handler()); !errors.Is(err, ErrWrongDestination) {
		t.Fatalf("message for another destination: %v", err)
	}
	if rec, _ := b.store.MessageRecord(p.Leaf); rec.Status != None {
		t.Fatal("a wrong-destination message was proven")
	}

	p = b.proof(t, mine)
	if err := b.replica.Prove(b.store, p.Leaf, &p.Path, p.Index, now); err != nil {
		t.Fatal(err)
	}
	failing := func(msg) error { return errors.New("recipient reverted") }
	if _, err := b.replica.Process(b.store, b.raw[mine], now, failing); !errors.Is(err, ErrHandlerFailed) {
		t.Fatalf("failing handler: %v", err)
	}
	if rec, _ := b.store.MessageRecord(p.Leaf); rec.Status != Proven {
		t.Fatalf("after a failed handler the message is %s, want proven", rec.Status)
	}
	m, err := b.replica.Process(b.store, b.raw[mine], now, got.handler())
	if err != nil || string(m.Body) != "for 2000" || m.Origin != origin {
		t.Fatalf("retry: %+v, %v", m, err)
	}
	if _, err := b.replica.Process(b.store, b.raw[mine], now+1, got.handler()); !errors.Is(err, ErrAlreadyProcessed) {
		t.Fatalf("replay of a processed message: %v", err)
	}
	if _, err := b.replica.ProveAndProcess(b.store, b.raw[mine], &p.Path, p.Index, now+1, got.handler()); !errors.Is(err, ErrAlreadyProcessed) {
		t.Fatalf("replay through proveAndProcess: %v", err)
	}
	if len(got.bodies) != 1 {
		t.Fatalf("delivered %d times", len(got.bodies))
	}

	// A handler that re-enters Process cannot deliver twice.
	again := b.dispatch(t, local, "reentrant")
	b.signAndRelay(t, t0+5)
	p = b.proof(t, again)
	var inner error
	reenter := func(msg) error {
		_, inner = b.replica.Process(b.store, b.raw[again], now+5, got.handler())
		return nil
	}
	if _, err := b.replica.ProveAndProcess(b.store, b.raw[again], &p.Path, p.Index, now+5, reenter); err != nil {
		t.Fatal(err)
	}
	if !errors.Is(inner, ErrAlreadyProcessed) {
		t.Fatalf("re-entrant process: %v", inner)
	}
}

func TestReplica_Process_wrongOrigin(t *testing.T) {
	b := newBridge(t)
	// A Replica of domain 3000 on this chain must refuse the message of Home 1000
	// even if its proof somehow verified there.
	other, err := New(Config{LocalDomain: local, RemoteDomain: 3000, Owner: owner, Updaters: testkeys.Set(t, 1, 1), CommittedRoot: merkle.EmptyRoot()})
	if err != nil {
		t.Fatal(err)
	}
	i := b.dispatch(t, local, "x")
	if _, err := other.Process(b.store, b.raw[i], t0, nil); !errors.Is(err, ErrWrongOrigin) {
		t.Fatalf("err = %v", err)
	}
}

func TestReplica_SetOptimisticSeconds(t *testing.T) {
	b := newBridge(t)
	if err := b.replica.SetOptimisticSeconds(sol.Pubkey{1}, 0); !errors.Is(err, ErrNotOwner) {
		t.Fatalf("stranger: %v", err)
	}
	b.dispatch(t, local, "a")
	first := b.signAndRelay(t, t0)
	if err := b.replica.SetOptimisticSeconds(owner, 60); err != nil {
		t.Fatal(err)
	}
	b.dispatch(t, local, "b")
	second := b.signAndRelay(t, t0)
	e1, _, _ := b.store.RootEntry(first.NewRoot)
	e2, _, _ := b.store.RootEntry(second.NewRoot)
	if e1.ConfirmAt != t0+optimistic || e2.ConfirmAt != t0+60 {
		t.Fatalf("confirmAt %d, %d", e1.ConfirmAt, e2.ConfirmAt)
	}
	if err := b.replica.SetUpdaters(sol.Pubkey{1}, testkeys.Set(t, 1, 5)); !errors.Is(err, ErrNotOwner) {
		t.Fatalf("stranger sets updaters: %v", err)
	}
	if err := b.replica.SetUpdaters(owner, testkeys.Set(t, 1, 5)); err != nil {
		t.Fatal(err)
	}
	b.dispatch(t, local, "c")
	u, _ := b.home.SuggestUpdate()
	u.OldRoot = b.replica.CommittedRoot()
	if err := b.replica.Update(b.store, testkeys.Quorum(u, 1, 2), t0); !errors.Is(err, update.ErrNotMember) {
		t.Fatalf("old updaters after rotation: %v", err)
	}
	if err := b.replica.Update(b.store, testkeys.Quorum(u, 5), t0); err != nil {
		t.Fatalf("new updater: %v", err)
	}
}
