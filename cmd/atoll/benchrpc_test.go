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

// TestRunBenchRPC drives short benches through a Solana JSON-RPC server
// (a devbank on loopback, a slot every 20 ms): each funds the senders,
// keeps transfers in flight through sendTransaction (JSON-RPC batches by
// default, one call a request with --rpc-batch 1, with and without
// preflight), confirms them by getSignatureStatuses and prints the report
// line of the submission-API mode.
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
	for name, cfg := range map[string]benchConfig{
		"batched":            {rpcBatch: defaultRPCSendBatch},
		"a request a call":   {rpcBatch: 1},
		"skipping preflight": {rpcBatch: 4, skipPreflight: true},
	} {
		t.Run(name, func(t *testing.T) {
			var out bytes.Buffer
			cfg.viaRPC, cfg.faucet, cfg.out = "http://"+ls.HTTP.Addr().String(), ed25519.NewKeyFromSeed(seed), &out
			cfg.senders, cfg.concurrency, cfg.duration = 8, 16, 700*time.Millisecond
			r, err := runBenchRPC(context.Background(), cfg)
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
		})
	}
}

// TestAnswerSends_Batch checks how a JSON-RPC answer body is handed to the
// sendTransaction calls of its request.
func TestAnswerSends_Batch(t *testing.T) {
	refused := `{"code":-32002,"message":"Transaction simulation failed"}`
	for name, tc := range map[string]struct {
		calls int
		body  string
		want  []string // each call's error ("" for none); nil: the body answers none
	}{
		"in order":          {2, `[{"jsonrpc":"2.0","result":"a","id":0},{"jsonrpc":"2.0","result":"b","id":1}]`, []string{"", ""}},
		"out of order":      {2, `[{"result":"b","id":1},{"id":0,"error":` + refused + `}]`, []string{"rpc error -32002: Transaction simulation failed", ""}},
		"one call":          {1, `{"jsonrpc":"2.0","error":` + refused + `,"id":0}`, []string{"rpc error -32002: Transaction simulation failed"}},
		"one call answered": {1, ` {"jsonrpc":"2.0","result":"x","id":0}`, []string{""}},
		"request refused":   {3, `{"jsonrpc":"2.0","error":{"code":-32700,"message":"Parse error"},"id":null}`, nil},
		"missing answer":    {2, `[{"result":"a","id":0}]`, nil},
		"repeated id":       {2, `[{"result":"a","id":0},{"result":"a","id":0}]`, nil},
		"unknown id":        {1, `[{"result":"a","id":5}]`, nil},
		"no id":             {1, `[{"result":"a"}]`, nil},
		"string id":         {1, `[{"result":"a","id":"0"}]`, nil},
		"not JSON":          {1, `<html>`, nil},
	} {
		t.Run(name, func(t *testing.T) {
			calls := make([]*rpcSend, tc.calls)
			for i := range calls {
				calls[i] = &rpcSend{done: make(chan error, 1)}
			}
			err := answerSends([]byte(tc.body), calls)
			if tc.want == nil {
				if err == nil {
					t.Fatal("accepted")
				}
				for i, c := range calls {
					if len(c.done) != 0 {
						t.Errorf("call %d answered by a body that does not answer every call", i)
					}
				}
				return
			}
			if err != nil {
				t.Fatal(err)
			}
			for i, c := range calls {
				got := ""
				if e := <-c.done; e != nil {
					got = e.Error()
				}
				if got != tc.want[i] {
					t.Errorf("call %d: %q, want %q", i, got, tc.want[i])
				}
			}
		})
	}
}

// FuzzAnswerSends checks that no server answer makes the bench panic, and
// that a body either answers every call once or none.
func FuzzAnswerSends(f *testing.F) {
	f.Add([]byte(`[{"result":"b","id":1},{"id":0,"error":{"code":-32002,"message":"x"}}]`), uint8(2))
	f.Add([]byte(`{"error":{"code":-32700,"message":"Parse error"},"id":null}`), uint8(1))
	f.Fuzz(func(t *testing.T, body []byte, n uint8) {
		calls := make([]*rpcSend, int(n%8)+1)
		for i := range calls {
			calls[i] = &rpcSend{done: make(chan error, 1)}
		}
		err := answerSends(body, calls)
		for i, c := range calls {
			if answered := len(c.done) == 1; answered != (err == nil) {
				t.Fatalf("call %d answered %v with error %v", i, answered, err)
			}
		}
	})
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
