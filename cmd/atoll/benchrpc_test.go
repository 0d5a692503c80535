package main

import (
	"bytes"
	"context"
	"crypto/ed25519"
	"strings"
	"testing"
	"time"

	"github.com/atoll-dev/atoll/rpc"
	"github.com/atoll-dev/atoll/rpc/devbank"
)

// TestRunBenchRPC drives a short bench through a Solana JSON-RPC server
// (a devbank on loopback, a slot every 20 ms): it funds the senders,
// keeps transfers in flight through sendTransaction, confirms them by
// getSignatureStatuses and prints the report line of the submission-API
// mode.
func TestRunBenchRPC(t *testing.T) {
	seed := bytes.Repeat([]byte{3}, 32)
	bank, err := devbank.New(devbank.Config{SlotDuration: 20 * time.Millisecond, FaucetSeed: seed})
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
	defer func() {
		cancel()
		<-done
		srv.Close()
	}()
	var out bytes.Buffer
	r, err := runBenchRPC(context.Background(), benchConfig{viaRPC: "http://" + ls.HTTP.Addr().String(), faucet: ed25519.NewKeyFromSeed(seed),
		senders: 8, concurrency: 16, duration: time.Second, out: &out})
	if err != nil {
		t.Fatal(err)
	}
	if r.Finalized == 0 || r.Failed != 0 || r.Finalized != r.Submitted {
		t.Fatalf("submitted %d, finalized %d, failed %d (%s)\n%s", r.Submitted, r.Finalized, r.Failed, r.FirstError, out.String())
	}
	for _, want := range []string{"funded 8 senders", "finalized tx/s  latency to finality p50"} {
		if !strings.Contains(out.String(), want) {
			t.Errorf("report lacks %q:\n%s", want, out.String())
		}
	}
}
