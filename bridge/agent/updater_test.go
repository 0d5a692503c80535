package agent_test

import (
	"context"
	"errors"
	"io"
	"log/slog"
	"path/filepath"
	"testing"
	"time"

	"github.com/atoll-dev/atoll/bridge/agent"
	"github.com/atoll-dev/atoll/bridge/agent/localnet"
	"github.com/atoll-dev/atoll/bridge/internal/testkeys"
	"github.com/atoll-dev/atoll/bridge/keccak"
)

// TestUpdater_Sign checks the updater's promise on its own: once it has
// recorded a new root for an old root it signs only that one, across a
// restart (a reopened database), and a record left half-written by a crash
// between choosing and signing is completed with the recorded root.
func TestUpdater_Sign(t *testing.T) {
	dir := filepath.Join(t.TempDir(), "db")
	open := func() *agent.Updater {
		db, err := agent.OpenDB(dir)
		if err != nil {
			t.Fatal(err)
		}
		return &agent.Updater{Home: agent.NewChain("alpha", domainA, "http://127.0.0.1:1"), Key: testkeys.Key(1), DB: db,
			Log: slog.New(slog.NewTextHandler(io.Discard, nil))}
	}
	old, a, b := keccak.Sum([]byte("old")), keccak.Sum([]byte("a")), keccak.Sum([]byte("b"))
	u := open()
	su, err := u.Sign(old, a)
	if err != nil {
		t.Fatal(err)
	}
	if got, err := su.Signer(); err != nil || got != testkeys.Addr(1) {
		t.Fatalf("signature recovers to %v, %v", got, err)
	}
	if _, err := u.Sign(old, b); !errors.Is(err, agent.ErrEquivocation) {
		t.Fatalf("second root for the same old root: err = %v, want ErrEquivocation", err)
	}
	u.DB.Close()

	u = open()
	defer u.DB.Close()
	if _, err := u.Sign(old, b); !errors.Is(err, agent.ErrEquivocation) {
		t.Fatalf("after restart: err = %v, want ErrEquivocation", err)
	}
	again, err := u.Sign(old, a)
	if err != nil || again.Signature != su.Signature {
		t.Fatalf("re-signing the recorded root: %v (same signature: %v)", err, err == nil && again.Signature == su.Signature)
	}
	// A crash after recording the choice but before signing leaves 32 bytes.
	old2 := keccak.Sum([]byte("old2"))
	if err := u.DB.Put(agent.KV([]byte("signed/1000/"+old2.String()[2:]), b[:])); err != nil {
		t.Fatal(err)
	}
	half, err := u.Signed(old2)
	if err != nil || half == nil || half.NewRoot != b {
		t.Fatalf("half-written record: %+v, %v", half, err)
	}
	if _, err := u.Sign(old2, a); !errors.Is(err, agent.ErrEquivocation) {
		t.Fatalf("after a half-written record: err = %v, want ErrEquivocation", err)
	}
}

// BenchmarkUpdater_Sign measures what an updater pays per new root: the
// synced write of its choice, the secp256k1 signature and the synced write
// of the signature.
func BenchmarkUpdater_Sign(b *testing.B) {
	db, err := agent.OpenDB(filepath.Join(b.TempDir(), "db"))
	if err != nil {
		b.Fatal(err)
	}
	defer db.Close()
	u := &agent.Updater{Home: agent.NewChain("alpha", domainA, "http://127.0.0.1:1"), Key: testkeys.Key(1), DB: db,
		Log: slog.New(slog.NewTextHandler(io.Discard, nil))}
	newRoot := keccak.Sum([]byte("new"))
	b.ResetTimer()
	for i := 0; i < b.N; i++ {
		old := keccak.Sum([]byte{byte(i), byte(i >> 8), byte(i >> 16), byte(i >> 24)})
		if _, err := u.Sign(old, newRoot); err != nil {
			b.Fatal(err)
		}
	}
}

// TestUpdater_QuorumInOnePoll: updaters that poll on the same new slot meet
// within that poll. The non-proposer polls first, before the proposer has
// chosen a root, and the proposer a moment later; their single polls
// together put the quorum update on the Home.
func TestUpdater_QuorumInOnePoll(t *testing.T) {
	t.Parallel()
	tb := newTestBridge(t, bridgeOpts{threshold: 2, updaters: []int{1, 2}})
	tb.dispatch(localnet.Inbox, "one poll")
	paths, ls := tb.updaterConfigs("alpha")
	var us []*agent.Updater
	for i, p := range paths {
		cfg, err := agent.LoadConfig(p, func(string) string { return "" })
		if err != nil {
			t.Fatal(err)
		}
		r, err := agent.Start("updater", cfg, tb.log, agent.WithExchangeListener(ls[i]))
		if err != nil {
			t.Fatal(err)
		}
		defer r.Close()
		us = append(us, r.Updater)
	}
	ctx := context.Background()
	before, err := agent.HomeState(ctx, tb.a.Chain)
	if err != nil {
		t.Fatal(err)
	}
	errs := make(chan error, 1)
	go func() { errs <- us[1].Poll(ctx) }() // the non-proposer
	time.Sleep(agent.QuorumLinger / 4)
	if err := us[0].Poll(ctx); err != nil {
		t.Fatal(err)
	}
	if err := <-errs; err != nil {
		t.Fatal(err)
	}
	after, err := agent.HomeState(ctx, tb.a.Chain)
	if err != nil {
		t.Fatal(err)
	}
	if after.Home.CommittedRoot() == before.Home.CommittedRoot() {
		t.Fatal("one poll of each updater did not move the Home: they did not meet")
	}
}
