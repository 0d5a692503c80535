package main

import (
	"bytes"
	"context"
	"crypto/ed25519"
	"encoding/base64"
	"encoding/json"
	"errors"
	"fmt"
	"net/http"
	"sync"
	"sync/atomic"
	"time"

	"github.com/atoll-dev/atoll/client"
	"github.com/atoll-dev/atoll/runtime/svm"
	"github.com/atoll-dev/atoll/runtime/svm/sol"
)

// rpcBench drives atoll bench tps through a Solana JSON-RPC server.
type rpcBench struct {
	url  string
	http *http.Client
	id   atomic.Uint64

	cur, prev atomic.Pointer[sol.Hash] // blockhashes of the last two refreshes

	mu      sync.Mutex
	waiting map[sol.Signature]chan error
}

// rpcCallError is a JSON-RPC error answer.
type rpcCallError struct {
	Code    int    `json:"code"`
	Message string `json:"message"`
}

func (e *rpcCallError) Error() string { return fmt.Sprintf("rpc error %d: %s", e.Code, e.Message) }

// call makes one JSON-RPC call and decodes its result into out.
func (b *rpcBench) call(ctx context.Context, method string, params []any, out any) error {
	body, err := json.Marshal(map[string]any{"jsonrpc": "2.0", "id": b.id.Add(1), "method": method, "params": params})
	if err != nil {
		return err
	}
	req, err := http.NewRequestWithContext(ctx, http.MethodPost, b.url, bytes.NewReader(body))
	if err != nil {
		return err
	}
	req.Header.Set("Content-Type", "application/json")
	// Every call here may be repeated (reads, and sendTransaction of a
	// signed transaction, which the server dedups by signature): marked
	// so, the transport retries one that met a keep-alive connection the
	// server was closing.
	req.Header["X-Idempotency-Key"] = nil
	resp, err := b.http.Do(req)
	if err != nil {
		return err
	}
	defer resp.Body.Close()
	var ans struct {
		Result json.RawMessage `json:"result"`
		Error  *rpcCallError   `json:"error"`
	}
	if err := json.NewDecoder(resp.Body).Decode(&ans); err != nil {
		return fmt.Errorf("%s: HTTP %d: %w", method, resp.StatusCode, err)
	}
	if ans.Error != nil {
		return ans.Error
	}
	return json.Unmarshal(ans.Result, out)
}

// refresh reads the latest finalized blockhash. Transactions name the one
// of the refresh before: a worker that has not applied the newest round
// yet would refuse a transaction naming it.
func (b *rpcBench) refresh(ctx context.Context) error {
	var ans struct {
		Value struct {
			Blockhash string `json:"blockhash"`
		} `json:"value"`
	}
	if err := b.call(ctx, "getLatestBlockhash", []any{map[string]any{"commitment": "finalized"}}, &ans); err != nil {
		return err
	}
	h, err := sol.HashFromString(ans.Value.Blockhash)
	if err != nil {
		return err
	}
	if old := b.cur.Load(); old != nil && *old != h {
		b.prev.Store(old)
	} else if b.prev.Load() == nil {
		b.prev.Store(&h)
	}
	b.cur.Store(&h)
	return nil
}

func (b *rpcBench) recent() sol.Hash { return *b.prev.Load() }

// send submits raw with sendTransaction and waits until
// getSignatureStatuses reports it finalized.
func (b *rpcBench) send(ctx context.Context, raw []byte, skipPreflight bool) (backoff bool, err error) {
	opts := map[string]any{"encoding": "base64", "preflightCommitment": "finalized"}
	if skipPreflight {
		opts["skipPreflight"] = true
	}
	var s string
	if err := b.call(ctx, "sendTransaction", []any{base64.StdEncoding.EncodeToString(raw), opts}, &s); err != nil {
		var ce *rpcCallError
		// -32005 node unhealthy and -32603 internal (a full queue) call
		// for a pause; a refused transaction does not.
		return !errors.As(err, &ce) || ce.Code == -32005 || ce.Code == -32603, err
	}
	sig, err := sol.SignatureFromString(s)
	if err != nil {
		return false, err
	}
	done := make(chan error, 1)
	b.mu.Lock()
	b.waiting[sig] = done
	b.mu.Unlock()
	defer func() {
		b.mu.Lock()
		delete(b.waiting, sig)
		b.mu.Unlock()
	}()
	// Dropped transactions never land: give up well before the
	// blockhash expires.
	wctx, cancel := context.WithTimeout(ctx, 60*time.Second)
	defer cancel()
	select {
	case err := <-done:
		return false, err
	case <-wctx.Done():
		return false, fmt.Errorf("%s not finalized: %w", sig, wctx.Err())
	}
}

// confirm polls getSignatureStatuses for every waiting signature, 256 per
// call (Agave's limit), until ctx ends. A transaction becomes finalized
// only with a new finalized slot, so the statuses are read once per such
// slot, which a cheap getSlot watches.
func (b *rpcBench) confirm(ctx context.Context) {
	var seen uint64
	for {
		select {
		case <-ctx.Done():
			return
		case <-time.After(confirmPoll):
		}
		var slot uint64
		if err := b.call(ctx, "getSlot", []any{map[string]any{"commitment": "finalized"}}, &slot); err != nil || slot == seen {
			continue
		}
		b.mu.Lock()
		sigs := make([]sol.Signature, 0, len(b.waiting))
		for s := range b.waiting {
			sigs = append(sigs, s)
		}
		b.mu.Unlock()
		var wg sync.WaitGroup
		ok := true
		var okMu sync.Mutex
		for i := 0; i < len(sigs); i += 256 {
			chunk := sigs[i:min(i+256, len(sigs))]
			wg.Add(1)
			go func() {
				defer wg.Done()
				if !b.statuses(ctx, chunk) {
					okMu.Lock()
					ok = false
					okMu.Unlock()
				}
			}()
		}
		wg.Wait()
		if ok {
			// Signatures sent after the slot was read are looked at with the
			// next slot, which is when they can first land.
			seen = slot
		}
	}
}

// statuses reads sigs' statuses and answers the finalized ones; false when
// the call failed.
func (b *rpcBench) statuses(ctx context.Context, sigs []sol.Signature) bool {
	strs := make([]string, len(sigs))
	for i, s := range sigs {
		strs[i] = s.String()
	}
	var ans struct {
		Value []*struct {
			Err                json.RawMessage `json:"err"`
			ConfirmationStatus string          `json:"confirmationStatus"`
		} `json:"value"`
	}
	if err := b.call(ctx, "getSignatureStatuses", []any{strs}, &ans); err != nil || len(ans.Value) != len(sigs) {
		return false
	}
	b.mu.Lock()
	defer b.mu.Unlock()
	for i, st := range ans.Value {
		if st == nil || st.ConfirmationStatus != "finalized" {
			continue
		}
		ch, ok := b.waiting[sigs[i]]
		if !ok {
			continue
		}
		var err error
		if len(st.Err) > 0 && string(st.Err) != "null" {
			err = fmt.Errorf("transaction failed: %s", st.Err)
		}
		select {
		case ch <- err:
		default:
		}
	}
	return true
}

// runBenchRPC is atoll bench tps --via-rpc: the same load and report as
// runBenchTPS, through the Solana JSON-RPC.
func runBenchRPC(ctx context.Context, cfg benchConfig) (*benchResult, error) {
	if ctx == nil {
		ctx = context.Background()
	}
	b := &rpcBench{url: cfg.viaRPC, waiting: map[sol.Signature]chan error{},
		http: &http.Client{Transport: &http.Transport{MaxIdleConnsPerHost: cfg.concurrency, MaxIdleConns: cfg.concurrency, IdleConnTimeout: time.Minute}}}
	if err := b.refresh(ctx); err != nil {
		return nil, fmt.Errorf("%s: %w", cfg.viaRPC, err)
	}
	fctx, cancel := context.WithCancel(ctx)
	defer cancel()
	go func() {
		for {
			select {
			case <-fctx.Done():
				return
			case <-time.After(500 * time.Millisecond):
				_ = b.refresh(fctx)
			}
		}
	}()
	go b.confirm(fctx)

	senders := make([]ed25519.PrivateKey, cfg.senders)
	pubs := make([]sol.Pubkey, cfg.senders)
	for i := range senders {
		senders[i] = benchSender(cfg.faucet, i)
		pubs[i] = client.PubkeyOf(senders[i])
	}
	if err := b.fund(ctx, cfg, pubs); err != nil {
		return nil, err
	}
	return measure(ctx, cfg, senders, pubs, b.recent, func(ctx context.Context, _ int, raw []byte) (bool, error) {
		return b.send(ctx, raw, cfg.skipPreflight)
	})
}

// fund tops every sender up from the faucet through the RPC, several
// transfers per transaction, and waits until all are finalized.
func (b *rpcBench) fund(ctx context.Context, cfg benchConfig, pubs []sol.Pubkey) error {
	const perTx = 8
	var wg sync.WaitGroup
	errs := make(chan error, len(pubs)/perTx+1)
	src := client.PubkeyOf(cfg.faucet)
	for i := 0; i < len(pubs); i += perTx {
		batch := pubs[i:min(i+perTx, len(pubs))]
		var extra []sol.Instruction
		for _, p := range batch[1:] {
			extra = append(extra, svm.Transfer(src, p, benchFunding))
		}
		wg.Add(1)
		go func() {
			defer wg.Done()
			for attempt := 0; ; attempt++ {
				raw, err := signTransfer(cfg.faucet, batch[0], benchFunding, b.recent(), extra...)
				if err != nil {
					errs <- err
					return
				}
				_, err = b.send(ctx, raw, false)
				switch {
				case err == nil:
					return
				case attempt < 20 && ctx.Err() == nil:
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
	fmt.Fprintf(cfg.out, "funded %d senders from the faucet %s\n", len(pubs), src)
	return nil
}

// confirmPoll is how often the finalized slot is read. The load is
// closed-loop: a sender learns of finality only through the statuses, so
// a slow poll would leave the next runtime round short of transactions
// (schedulers flush a batch 100 ms after a round starts).
const confirmPoll = 20 * time.Millisecond
