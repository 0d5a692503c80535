package main

import (
	"bytes"
	"context"
	"crypto/ed25519"
	"strings"
	"testing"
	"time"

	"github.com/atoll-dev/atoll/client"
	"github.com/atoll-dev/atoll/rpc"
	"github.com/atoll-dev/atoll/rpc/devbank"
	"github.com/atoll-dev/atoll/runtime/svm"
	"github.com/atoll-dev/atoll/runtime/svm/sol"
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

// TestSignTransfer_MatchesMessageBuilder holds the bench's directly laid
// out transfers (and its curve25519-voi signatures) to the bytes the
// general message builder and crypto/ed25519 produce.
func TestSignTransfer_MatchesMessageBuilder(t *testing.T) {
	from := ed25519.NewKeyFromSeed(bytes.Repeat([]byte{7}, 32))
	other := ed25519.NewKeyFromSeed(bytes.Repeat([]byte{8}, 32))
	recent := sol.Hash{1, 2, 3}
	self := client.PubkeyOf(from)
	for name, tc := range map[string]struct {
		to    sol.Pubkey
		extra []sol.Instruction
	}{
		"transfer":         {to: client.PubkeyOf(other)},
		"to the system id": {to: svm.SystemProgramID},
		"to itself":        {to: self},
		"with extra":       {to: client.PubkeyOf(other), extra: []sol.Instruction{svm.Transfer(self, sol.Pubkey{9}, 5)}},
	} {
		t.Run(name, func(t *testing.T) {
			got, err := signTransfer(from, tc.to, 1<<40+3, recent, tc.extra...)
			if err != nil {
				t.Fatal(err)
			}
			want, _, err := client.SignTransaction(recent, from, nil, append([]sol.Instruction{svm.Transfer(self, tc.to, 1<<40+3)}, tc.extra...)...)
			if err != nil {
				t.Fatal(err)
			}
			if !bytes.Equal(got, want) {
				t.Fatalf("signTransfer\n%x\nwant\n%x", got, want)
			}
		})
	}
}
