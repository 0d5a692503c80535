package main

import (
	"context"
	"crypto/ed25519"
	"crypto/sha256"
	"encoding/binary"
	"errors"
	"fmt"
	"io"
	"net/http"
	"path/filepath"
	"slices"
	"strings"
	"sync"
	"sync/atomic"
	"time"

	voied25519 "github.com/oasisprotocol/curve25519-voi/primitives/ed25519"
	"github.com/spf13/cobra"

	"github.com/atoll-dev/atoll/client"
	"github.com/atoll-dev/atoll/consensus/genesis"
	"github.com/atoll-dev/atoll/consensus/roothash/api"
	"github.com/atoll-dev/atoll/node"
	"github.com/atoll-dev/atoll/runtime/svm"
	"github.com/atoll-dev/atoll/runtime/svm/sol"
	wclient "github.com/atoll-dev/atoll/worker/client"
	"github.com/atoll-dev/atoll/worker/submit"
)

func init() { subcommands = append(subcommands, newBenchCommand) }

func newBenchCommand() *cobra.Command {
	c := &cobra.Command{Use: "bench", Short: "Load generators against a running network"}
	c.AddCommand(newBenchTPSCommand())
	return c
}

// benchConfig is one atoll bench tps run.
type benchConfig struct {
	urls        []string // submission servers (scheme://host:port)
	rpc         string   // CometBFT RPC, for recent blockhashes
	faucet      ed25519.PrivateKey
	senders     int
	concurrency int
	duration    time.Duration
	out         io.Writer
	// viaRPC, when set, is a Solana JSON-RPC URL: transactions go through
	// sendTransaction and are confirmed by getSignatureStatuses instead of
	// the submission API.
	viaRPC        string
	skipPreflight bool
	// rpcBatch is how many sendTransaction calls share one HTTP request
	// (a JSON-RPC batch); 1 sends each in a request of its own.
	rpcBatch int
}

func newBenchTPSCommand() *cobra.Command {
	var (
		dir, faucetPath, rpc string
		urls                 []string
		cfg                  benchConfig
	)
	c := &cobra.Command{
		Use:   "tps",
		Short: "Submit signed SVM transfers over the submission API (or the Solana JSON-RPC) and measure finalized transactions per second",
		Long: `Submit signed system-program transfers through the submission API of a
running network (by default the devnet in --dir) for --duration, keeping
--concurrency submissions in flight, and report submitted, finalized and
failed transactions, finalized TPS and the p50/p99 latency from submission
to finality, with a progress line each second.

With --via-rpc URL the same load goes through a Solana JSON-RPC server
instead, as a high-rate Solana client sends it: sendTransaction with its
preflight (at finalized commitment; --skip-preflight sends without),
concurrent calls sharing JSON-RPC batch requests of up to --rpc-batch
calls (after a 2 ms linger, as the submission client batches;
--rpc-batch 1 makes each call an HTTP request of its own, as a plain
web3.js client does), blockhashes from getLatestBlockhash, and finality
from getSignatureStatuses, 256 signatures a call, read once per new
finalized slot. Both modes sign the same transfers the same way and print
the same report lines, so the two paths compare run against run.

The senders are --senders keys derived from the faucet keypair; they are
funded from the faucet before the measurement starts.`,
		Args: cobra.NoArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			if faucetPath == "" {
				faucetPath = filepath.Join(dir, "faucet.json")
			}
			key, err := client.ReadKeypair(faucetPath)
			if err != nil {
				return fmt.Errorf("faucet keypair: %w", err)
			}
			cfg.faucet = key
			cfg.out = cmd.OutOrStdout()
			if cfg.senders < 1 || cfg.concurrency < 1 || cfg.duration <= 0 {
				return errors.New("--senders, --concurrency and --duration must be positive")
			}
			if cfg.rpcBatch < 1 {
				return errors.New("--rpc-batch must be positive")
			}
			if cfg.viaRPC != "" {
				_, err = runBenchRPC(cmd.Context(), cfg)
				return err
			}
			if len(urls) == 0 || rpc == "" {
				found, foundRPC, err := devnetEndpoints(dir)
				if err != nil {
					return fmt.Errorf("%w (or pass --url and --rpc)", err)
				}
				if len(urls) == 0 {
					urls = found
				}
				if rpc == "" {
					rpc = foundRPC
				}
			}
			for _, u := range urls {
				// Accept the full endpoint URL the devnet prints as well as the server.
				if i := strings.Index(u, "/v1/"); i >= 0 {
					u = u[:i]
				}
				cfg.urls = append(cfg.urls, u)
			}
			cfg.rpc, cfg.out = rpc, cmd.OutOrStdout()
			if cfg.senders < 1 || cfg.concurrency < 1 || cfg.duration <= 0 {
				return errors.New("--senders, --concurrency and --duration must be positive")
			}
			_, err = runBenchTPS(cmd.Context(), cfg)
			return err
		},
	}
	c.Flags().StringVar(&dir, "dir", filepath.Join(".atoll", "devnet"), "devnet directory: its faucet and submission endpoints")
	c.Flags().StringVar(&faucetPath, "faucet", "", "faucet keypair (default DIR/faucet.json)")
	c.Flags().StringSliceVar(&urls, "url", nil, "submission server(s), e.g. http://127.0.0.1:26667 (default: every compute node of --dir)")
	c.Flags().StringVar(&rpc, "rpc", "", "CometBFT RPC of a node, for recent blockhashes (default: the devnet's)")
	c.Flags().DurationVar(&cfg.duration, "duration", 30*time.Second, "how long to submit")
	c.Flags().IntVar(&cfg.senders, "senders", 256, "distinct sender accounts")
	c.Flags().IntVar(&cfg.concurrency, "concurrency", 8192, "submissions in flight (each waits for finality)")
	c.Flags().StringVar(&cfg.viaRPC, "via-rpc", "", "send through this Solana JSON-RPC server (e.g. http://127.0.0.1:8899) instead of the submission API")
	c.Flags().BoolVar(&cfg.skipPreflight, "skip-preflight", false, "with --via-rpc: send with skipPreflight")
	c.Flags().IntVar(&cfg.rpcBatch, "rpc-batch", defaultRPCSendBatch, "with --via-rpc: sendTransaction calls per HTTP request (a JSON-RPC batch; 1: a request each)")
	return c
}

// devnetEndpoints reads a network home's submission servers and RPC.
func devnetEndpoints(dir string) (urls []string, rpc string, err error) {
	cfg, err := node.LoadConfig(dir)
	if err != nil {
		return nil, "", err
	}
	ids, err := node.LoadIdentities(dir)
	if err != nil {
		return nil, "", err
	}
	for _, id := range ids {
		if id.SubmitAddr != "" {
			urls = append(urls, "http://"+id.SubmitAddr)
		}
	}
	if len(urls) == 0 {
		return nil, "", fmt.Errorf("%s hosts no compute node with a submission API", dir)
	}
	return urls, strings.Replace(cfg.RPC.ListenAddress, "tcp://", "http://", 1), nil
}

// benchResult is what a run measured.
type benchResult struct {
	Submitted, Finalized, Failed uint64
	Elapsed                      time.Duration
	P50, P99                     time.Duration
	FirstError                   string
}

// TPS is finalized transactions per second of the run.
func (r *benchResult) TPS() float64 { return float64(r.Finalized) / r.Elapsed.Seconds() }

// benchSender derives sender i's key from the faucet's, so that repeated
// runs reuse (and top up) the same accounts.
func benchSender(faucet ed25519.PrivateKey, i int) ed25519.PrivateKey {
	h := sha256.New()
	h.Write([]byte("atoll/bench/sender"))
	h.Write(faucet.Seed())
	binary.Write(h, binary.LittleEndian, uint64(i))
	return ed25519.NewKeyFromSeed(h.Sum(nil))
}

// blockhashes follows the runtime's latest finalized header hash.
type blockhashes struct {
	rpc string
	cur atomic.Pointer[sol.Hash]
}

// refresh takes the hash of a header two rounds behind the latest: a
// worker that has not applied the newest round yet would refuse a
// transaction naming it.
func (b *blockhashes) refresh(ctx context.Context) error {
	raw, err := abciQuery(ctx, b.rpc, api.QueryLatest, api.RuntimeQueryData(genesis.SVMRuntimeID))
	if err != nil {
		return err
	}
	v, err := api.DecodeBlock(raw)
	if err != nil {
		return err
	}
	if v.Header.Round >= 2 {
		if raw, err = abciQuery(ctx, b.rpc, api.QueryBlock, api.BlockQueryData(genesis.SVMRuntimeID, v.Header.Round-2)); err != nil {
			return err
		}
		if v, err = api.DecodeBlock(raw); err != nil {
			return err
		}
	}
	h := sol.Hash(v.Hash)
	b.cur.Store(&h)
	return nil
}

func (b *blockhashes) follow(ctx context.Context) {
	for {
		select {
		case <-ctx.Done():
			return
		case <-time.After(500 * time.Millisecond):
			_ = b.refresh(ctx)
		}
	}
}

// signTransfer signs a transfer of lamports from from to to naming recent,
// followed by extra instructions, and returns the wire transaction. Both
// bench paths sign with it, so their client costs compare.
//
// A lone transfer between two distinct keys other than the system
// program's, what the load is made of, is laid out directly (transferTx)
// rather than through sol.NewLegacyMessage;
// TestSignTransfer_MatchesMessageBuilder holds the two to the same bytes.
// Signatures come from curve25519-voi, which signs in about two thirds of
// crypto/ed25519's CPU time here; Ed25519 signatures are deterministic, so
// the bytes are the same either way.
func signTransfer(from ed25519.PrivateKey, to sol.Pubkey, lamports uint64, recent sol.Hash, extra ...sol.Instruction) ([]byte, error) {
	var src sol.Pubkey
	copy(src[:], from[ed25519.SeedSize:])
	if len(extra) == 0 && to != src && to != svm.SystemProgramID {
		raw := transferTx(src, to, lamports, recent)
		copy(raw[1:1+ed25519.SignatureSize], voied25519.Sign(voied25519.PrivateKey(from), raw[transferMessageOffset:]))
		return raw, nil
	}
	ins := append([]sol.Instruction{svm.Transfer(src, to, lamports)}, extra...)
	m, err := sol.NewLegacyMessage(src, recent, ins...)
	if err != nil {
		return nil, err
	}
	msg, err := m.MarshalBinary()
	if err != nil {
		return nil, err
	}
	raw := make([]byte, 0, 1+ed25519.SignatureSize+len(msg))
	raw = append(raw, 1)
	raw = append(raw, voied25519.Sign(voied25519.PrivateKey(from), msg)...)
	return append(raw, msg...), nil
}

// transferMessageOffset is where transferTx's message starts: after the
// signature count (1) and the one signature.
const transferMessageOffset = 1 + ed25519.SignatureSize

// transferTx lays out an unsigned legacy transaction holding one system
// transfer between distinct keys, neither the system program's, its
// signature left zero:
//
//	0    signature count (1)
//	1    signature (64 bytes)
//	65   header: 1 required signature, 0 read-only signed, 1 read-only unsigned
//	68   account count (3): from, to, the system program (32 bytes each)
//	165  recent blockhash (32 bytes)
//	197  instruction count (1): program index 2, accounts [0 1],
//	     data length 12, data: u32 2 (Transfer) then u64 lamports, little-endian
//	215  end
func transferTx(from, to sol.Pubkey, lamports uint64, recent sol.Hash) []byte {
	b := make([]byte, transferMessageOffset, 215)
	b[0] = 1
	b = append(b, 1, 0, 1, 3)
	b = append(b, from[:]...)
	b = append(b, to[:]...)
	b = append(b, svm.SystemProgramID[:]...)
	b = append(b, recent[:]...)
	b = append(b, 1, 2, 2, 0, 1, 12)
	b = binary.LittleEndian.AppendUint32(b, 2)
	return binary.LittleEndian.AppendUint64(b, lamports)
}

// runBenchTPS funds the senders, then submits transfers for cfg.duration.
func runBenchTPS(ctx context.Context, cfg benchConfig) (*benchResult, error) {
	if ctx == nil {
		ctx = context.Background()
	}
	bh := &blockhashes{rpc: cfg.rpc}
	if err := bh.refresh(ctx); err != nil {
		return nil, err
	}
	fctx, cancel := context.WithCancel(ctx)
	defer cancel()
	go bh.follow(fctx)
	return runSubmissionBench(ctx, cfg, func() sol.Hash { return *bh.cur.Load() })
}

// runSubmissionBench is runBenchTPS once blockhashes are followed: recent
// names the one transactions carry.
func runSubmissionBench(ctx context.Context, cfg benchConfig, recent func() sol.Hash) (*benchResult, error) {
	hc := &http.Client{Transport: &http.Transport{MaxIdleConnsPerHost: cfg.concurrency, MaxIdleConns: cfg.concurrency, IdleConnTimeout: time.Minute}}
	clients := make([]*wclient.Client, len(cfg.urls))
	for i, u := range cfg.urls {
		clients[i] = &wclient.Client{URL: u, Runtime: genesis.SVMRuntimeID, HTTP: hc}
	}
	senders := make([]ed25519.PrivateKey, cfg.senders)
	pubs := make([]sol.Pubkey, cfg.senders)
	for i := range senders {
		senders[i] = benchSender(cfg.faucet, i)
		pubs[i] = client.PubkeyOf(senders[i])
	}
	if err := fundSenders(ctx, cfg, clients[0], recent, pubs); err != nil {
		return nil, err
	}

	return measure(ctx, cfg, senders, pubs, recent, func(ctx context.Context, c int, raw []byte) (bool, error) {
		res, err := clients[c%len(clients)].SubmitTx(ctx, raw)
		switch {
		case err != nil:
			// Not a refusal: the node is down or overloaded.
			return !errors.Is(err, wclient.ErrRejected), err
		case res.Code != 0:
			return false, fmt.Errorf("code %d: %s", res.Code, res.Error)
		}
		return false, nil
	})
}

// sendFunc submits one transaction from load goroutine g and returns once
// it is finalized (nil) or failed; backoff asks the goroutine to pause
// before its next submission (the server is down or overloaded).
type sendFunc func(ctx context.Context, g int, raw []byte) (backoff bool, err error)

// measure keeps cfg.concurrency transfers between the senders in flight
// through send for cfg.duration, printing a progress line each second and
// the report at the end.
func measure(ctx context.Context, cfg benchConfig, senders []ed25519.PrivateKey, pubs []sol.Pubkey, recent func() sol.Hash, send sendFunc) (*benchResult, error) {
	var (
		submitted, finalized, failed atomic.Uint64
		seq                          atomic.Uint64
		mu                           sync.Mutex
		latencies                    []time.Duration
		firstErr                     string
	)
	start := time.Now()
	lctx, stop := context.WithDeadline(ctx, start.Add(cfg.duration))
	defer stop()
	var wg sync.WaitGroup
	for g := 0; g < cfg.concurrency; g++ {
		wg.Add(1)
		go func(g int) {
			defer wg.Done()
			for lctx.Err() == nil {
				n := seq.Add(1)
				from := int(n % uint64(cfg.senders))
				to := pubs[(from+1)%cfg.senders]
				// (sender, amount) is unique per submission, so no two are
				// the same transaction.
				raw, err := signTransfer(senders[from], to, 1+n/uint64(cfg.senders), recent())
				if err != nil {
					failed.Add(1)
					continue
				}
				t0 := time.Now()
				submitted.Add(1)
				// A submission in flight at the deadline may still finish:
				// it is counted if it is finalized within a grace period.
				sctx, scancel := context.WithTimeout(ctx, cfg.duration+30*time.Second)
				backoff, err := send(sctx, g, raw)
				scancel()
				if err == nil {
					d := time.Since(t0)
					finalized.Add(1)
					mu.Lock()
					latencies = append(latencies, d)
					mu.Unlock()
					continue
				}
				failed.Add(1)
				mu.Lock()
				if firstErr == "" {
					firstErr = err.Error()
				}
				mu.Unlock()
				if backoff {
					time.Sleep(50 * time.Millisecond) // the node is down or overloaded: do not spin
				}
			}
		}(g)
	}
	done := make(chan struct{})
	go func() { wg.Wait(); close(done) }()
	tick := time.NewTicker(time.Second)
	defer tick.Stop()
	var lastFinal uint64
	for running := true; running; {
		select {
		case <-done:
			running = false
		case <-tick.C:
			f := finalized.Load()
			fmt.Fprintf(cfg.out, "%4.0fs  submitted %d  finalized %d  failed %d  in flight %d  %d tx/s\n", time.Since(start).Seconds(),
				submitted.Load(), f, failed.Load(), submitted.Load()-f-failed.Load(), f-lastFinal)
			lastFinal = f
		}
	}
	elapsed := time.Since(start)
	r := &benchResult{Submitted: submitted.Load(), Finalized: finalized.Load(), Failed: failed.Load(), Elapsed: elapsed, FirstError: firstErr}
	slices.Sort(latencies)
	if n := len(latencies); n > 0 {
		r.P50, r.P99 = latencies[n/2], latencies[min(n-1, n*99/100)]
	}
	fmt.Fprintf(cfg.out, "submitted %d  finalized %d  failed %d  in %.1fs: %.0f finalized tx/s  latency to finality p50 %v  p99 %v\n",
		r.Submitted, r.Finalized, r.Failed, elapsed.Seconds(), r.TPS(), r.P50.Round(time.Millisecond), r.P99.Round(time.Millisecond))
	if firstErr != "" {
		fmt.Fprintf(cfg.out, "first failure: %s\n", firstErr)
	}
	return r, nil
}

// benchFunding is what each sender gets: enough fees and lamports for a
// long run.
const benchFunding = 10_000 * 1_000_000_000

// fundSenders tops every sender up from the faucet, several transfers per
// transaction, and waits until all are finalized.
func fundSenders(ctx context.Context, cfg benchConfig, c submit.Submitter, recent func() sol.Hash, pubs []sol.Pubkey) error {
	const perTx = 8
	var wg sync.WaitGroup
	errs := make(chan error, len(pubs)/perTx+1)
	for i := 0; i < len(pubs); i += perTx {
		batch := pubs[i:min(i+perTx, len(pubs))]
		src := client.PubkeyOf(cfg.faucet)
		var extra []sol.Instruction
		for _, p := range batch[1:] {
			extra = append(extra, svm.Transfer(src, p, benchFunding))
		}
		wg.Add(1)
		go func() {
			defer wg.Done()
			for attempt := 0; ; attempt++ {
				raw, err := signTransfer(cfg.faucet, batch[0], benchFunding, recent(), extra...)
				if err != nil {
					errs <- err
					return
				}
				sctx, cancel := context.WithTimeout(ctx, 60*time.Second)
				res, err := c.SubmitTx(sctx, raw)
				cancel()
				switch {
				case err == nil && res.Code == 0:
					return
				case err == nil:
					errs <- fmt.Errorf("funding senders from the faucet: %s", res.Error)
					return
				case attempt < 20 && ctx.Err() == nil:
					// Workers may not have seen the chain yet right after start.
					time.Sleep(500 * time.Millisecond)
				default:
					errs <- fmt.Errorf("funding senders from the faucet: %w", err)
					return
				}
			}
		}()
	}
	wg.Wait()
	close(errs)
	if err := <-errs; err != nil {
		return err
	}
	fmt.Fprintf(cfg.out, "funded %d senders from the faucet %s\n", len(pubs), client.PubkeyOf(cfg.faucet))
	return nil
}
