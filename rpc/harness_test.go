package rpc_test

import (
	"context"
	"os"
	"path/filepath"
	"testing"
	"time"

	"github.com/atoll-dev/atoll/rpc"
	"github.com/atoll-dev/atoll/rpc/devbank"
	"github.com/atoll-dev/atoll/runtime/svm/sol"
)

// testNode is a devbank served on loopback with free ports.
type testNode struct {
	bank       *devbank.Bank
	url, wsURL string
	server     *rpc.Server
}

// startNode starts a bank producing a slot every 20ms behind a server on
// 127.0.0.1; everything stops when the test ends.
func startNode(t testing.TB, cfg devbank.Config) *testNode {
	if cfg.FaucetSeed == nil {
		cfg.FaucetSeed = faucetSeed[:]
	}
	t.Helper()
	if cfg.SlotDuration == 0 {
		cfg.SlotDuration = 20 * time.Millisecond
	}
	bank, err := devbank.New(cfg)
	if err != nil {
		t.Fatal(err)
	}
	ls, err := rpc.Listen("127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	srv := rpc.NewServer(bank, nil)
	srv.Serve(ls)
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan error, 1)
	go func() { done <- bank.Run(ctx) }()
	t.Cleanup(func() {
		cancel()
		if err := <-done; err != nil {
			t.Errorf("bank: %v", err)
		}
		srv.Close()
	})
	return &testNode{bank: bank, server: srv, url: "http://" + ls.HTTP.Addr().String(), wsURL: "ws://" + ls.WS.Addr().String()}
}

// repoRoot finds the module root from the test's working directory.
func repoRoot(t testing.TB) string {
	t.Helper()
	dir, err := os.Getwd()
	if err != nil {
		t.Fatal(err)
	}
	for {
		if _, err := os.Stat(filepath.Join(dir, "go.mod")); err == nil {
			return dir
		}
		parent := filepath.Dir(dir)
		if parent == dir {
			t.Fatal("no go.mod above the test's directory")
		}
		dir = parent
	}
}

// transferFromFaucetOf signs a transfer from the node's faucet, whose seed
// the test configured.
func transferFromFaucetOf(t testing.TB, b *devbank.Bank, to sol.Pubkey) []byte {
	return transferFromFaucet(t, b, to, 1_000_000)
}
