package main

import (
	"bytes"
	"context"
	"crypto/ed25519"
	"io"
	"net/http/httptest"
	"strings"
	"sync"
	"syscall"
	"testing"
	"time"

	"github.com/atoll-dev/atoll/client"
	"github.com/atoll-dev/atoll/consensus/genesis"
	"github.com/atoll-dev/atoll/rpc"
	"github.com/atoll-dev/atoll/rpc/devbank"
	"github.com/atoll-dev/atoll/runtime/svm"
	"github.com/atoll-dev/atoll/runtime/svm/sol"
	"github.com/atoll-dev/atoll/worker/submit"
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
	url := serveRPC(t, bank)
	runBank(t, bank)
	for name, cfg := range map[string]benchConfig{
		"batched":            {rpcBatch: defaultRPCSendBatch},
		"a request a call":   {rpcBatch: 1},
		"skipping preflight": {rpcBatch: 4, skipPreflight: true},
	} {
		t.Run(name, func(t *testing.T) {
			var out bytes.Buffer
			cfg.viaRPC, cfg.faucet, cfg.out = url, ed25519.NewKeyFromSeed(seed), &out
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

// bankSubmitter serves the submission API from a devbank, as a compute
// node does from its pool: a transaction is admitted after its signature
// check (the pool's CheckTx; no simulation) and answered when its slot is
// finalized.
type bankSubmitter struct {
	bank    *devbank.Bank
	mu      sync.Mutex
	waiting map[sol.Signature]chan *submit.TxResult
}

func newBankSubmitter(bank *devbank.Bank) (*bankSubmitter, func()) {
	s := &bankSubmitter{bank: bank, waiting: map[sol.Signature]chan *submit.TxResult{}}
	events, cancel := bank.Subscribe(1 << 16)
	go func() {
		for ev := range events {
			ce, ok := ev.(*rpc.CommitEvent)
			if !ok || ce.Commitment != rpc.Finalized {
				continue
			}
			s.mu.Lock()
			for i := range ce.Block.Transactions {
				r := &ce.Block.Transactions[i].Result
				if ch, ok := s.waiting[r.Signature]; ok {
					res := &submit.TxResult{Round: ce.Slot}
					if r.Err != nil {
						res.Code, res.Error = 1, r.Err.Kind.String()
					}
					ch <- res
					delete(s.waiting, r.Signature)
				}
			}
			s.mu.Unlock()
		}
	}()
	return s, cancel
}

// SubmitTx implements submit.Submitter.
func (s *bankSubmitter) SubmitTx(ctx context.Context, tx []byte) (*submit.TxResult, error) {
	sig, ok := firstSignature(tx)
	if !ok {
		return &submit.TxResult{Code: 2, Error: "no signature"}, nil
	}
	ch := make(chan *submit.TxResult, 1)
	s.mu.Lock()
	s.waiting[sig] = ch
	s.mu.Unlock()
	forget := func() {
		s.mu.Lock()
		delete(s.waiting, sig)
		s.mu.Unlock()
	}
	if _, err := s.bank.SendTransaction(tx, rpc.SendOptions{SkipPreflight: true}); err != nil {
		forget()
		return &submit.TxResult{Code: 2, Error: err.Error()}, nil
	}
	select {
	case res := <-ch:
		return res, nil
	case <-ctx.Done():
		forget()
		return nil, ctx.Err()
	}
}

// BenchmarkBenchTPS runs atoll bench tps in-process against a devbank
// (100 ms slots, finalized two slots behind), through the submission API
// and through the JSON-RPC as the bench's modes send: one op is one second
// of load (2,048 transfers in flight from 256 senders). cpu-µs/tx is the
// whole process's CPU (load client, servers and bank) per finalized
// transfer; the bank's admission differs by path as a node's does (a
// signature check for the submission API, a preflight simulation for
// sendTransaction unless skipped).
func BenchmarkBenchTPS(b *testing.B) {
	seed := bytes.Repeat([]byte{5}, 32)
	for _, mode := range []struct {
		name string
		cfg  benchConfig
	}{
		{"submission-api", benchConfig{}},
		{"rpc", benchConfig{rpcBatch: defaultRPCSendBatch}},
		{"rpc-skip-preflight", benchConfig{rpcBatch: defaultRPCSendBatch, skipPreflight: true}},
		{"rpc-batch-1", benchConfig{rpcBatch: 1}},
	} {
		b.Run(mode.name, func(b *testing.B) {
			bank, err := devbank.New(devbank.Config{SlotDuration: 100 * time.Millisecond, FaucetSeed: seed,
				ConfirmedDepth: 1, FinalizedDepth: 2, MaxTxsPerSlot: 5000, MaxPending: 1 << 20})
			if err != nil {
				b.Fatal(err)
			}
			// Stopped per call, not at the end of the sub-benchmark: its
			// function runs again for each b.N tried.
			ctx, cancel := context.WithCancel(context.Background())
			done := make(chan error, 1)
			go func() { done <- bank.Run(ctx) }()
			defer func() {
				cancel()
				<-done
			}()
			cfg := mode.cfg
			cfg.faucet, cfg.out = ed25519.NewKeyFromSeed(seed), io.Discard
			cfg.senders, cfg.concurrency, cfg.duration = 256, 2048, time.Duration(b.N)*time.Second
			recent := func() sol.Hash { return bank.LatestBlockhash(rpc.Finalized).Blockhash }
			var run func() (*benchResult, error)
			if mode.cfg.rpcBatch == 0 {
				sub, stop := newBankSubmitter(bank)
				defer stop()
				h := submit.NewHandler()
				h.Register(genesis.SVMRuntimeID, sub)
				srv := httptest.NewServer(h)
				defer srv.Close()
				cfg.urls = []string{srv.URL}
				run = func() (*benchResult, error) { return runSubmissionBench(context.Background(), cfg, recent) }
			} else {
				ls, err := rpc.Listen("127.0.0.1:0")
				if err != nil {
					b.Fatal(err)
				}
				srv := rpc.NewServer(bank, nil)
				srv.Serve(ls)
				defer srv.Close()
				cfg.viaRPC = "http://" + ls.HTTP.Addr().String()
				run = func() (*benchResult, error) { return runBenchRPC(context.Background(), cfg) }
			}
			cpu := processCPU()
			b.ResetTimer()
			r, err := run()
			if err != nil {
				b.Fatal(err)
			}
			if r.Finalized == 0 || r.Failed != 0 {
				b.Fatalf("finalized %d, failed %d: %s", r.Finalized, r.Failed, r.FirstError)
			}
			b.ReportMetric(r.TPS(), "tx/s")
			b.ReportMetric(float64((processCPU()-cpu).Microseconds())/float64(r.Finalized), "cpu-µs/tx")
			b.ReportMetric(float64(r.P50.Milliseconds()), "p50-ms")
		})
	}
}

// processCPU is the user and system CPU time this process has used.
func processCPU() time.Duration {
	var ru syscall.Rusage
	if err := syscall.Getrusage(syscall.RUSAGE_SELF, &ru); err != nil {
		return 0
	}
	return time.Duration(ru.Utime.Nano() + ru.Stime.Nano())
}
