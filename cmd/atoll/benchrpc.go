package main

import (
	"bytes"
	"context"
	"crypto/ed25519"
	"encoding/base64"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net/http"
	"strconv"
	"sync"
	"sync/atomic"
	"time"

	"github.com/mr-tron/base58"

	"github.com/atoll-dev/atoll/client"
	"github.com/atoll-dev/atoll/runtime/svm"
	"github.com/atoll-dev/atoll/runtime/svm/sol"
)

// rpcBench drives atoll bench tps through a Solana JSON-RPC server.
//
// What it sends is what a high-rate Solana client sends: concurrent
// sendTransaction calls share JSON-RPC batch requests (sendBatch per HTTP
// request, the submission client's 2 ms linger), each with its preflight
// unless skipPreflight; finality comes from getSignatureStatuses, 256
// signatures a call, read once per new finalized slot. With sendBatch 1
// every sendTransaction is an HTTP request of its own, as a plain web3.js
// client makes it.
type rpcBench struct {
	url       string
	http      *http.Client
	id        atomic.Uint64
	opts      []byte // the sendTransaction options object
	sendBatch int

	cur, prev atomic.Pointer[sol.Hash] // blockhashes of the last two refreshes

	qmu       sync.Mutex
	queue     []*rpcSend
	queueLen  int // bytes the queued calls take in a batch body
	scheduled bool

	mu      sync.Mutex
	waiting map[sol.Signature]*rpcWaiter
}

// rpcSend is one sendTransaction waiting in or for a batch request.
type rpcSend struct {
	raw  []byte
	done chan error // buffered: the batch never blocks on a caller who left
}

// rpcWaiter is a sent transaction waiting for finality; str is its
// signature in base58, encoded once for every status read. slot, once a
// status showed the transaction processed or confirmed, is that slot: the
// status is read again only when the finalized slot reaches it (guarded
// by rpcBench.mu).
type rpcWaiter struct {
	str  string
	done chan error
	slot uint64
}

// Batch bounds. maxRPCBody stays under the 50 KiB request body that Agave
// (and atoll's server) accept; a transfer takes about 420 bytes of it.
const (
	defaultRPCSendBatch = 100
	maxRPCBody          = 48 << 10
	rpcLinger           = 2 * time.Millisecond
	maxStatusesPerCall  = 256
)

// rpcCallError is a JSON-RPC error answer.
type rpcCallError struct {
	Code    int    `json:"code"`
	Message string `json:"message"`
}

func (e *rpcCallError) Error() string { return fmt.Sprintf("rpc error %d: %s", e.Code, e.Message) }

func newRPCBench(cfg benchConfig) *rpcBench {
	b := &rpcBench{url: cfg.viaRPC, waiting: map[sol.Signature]*rpcWaiter{}, sendBatch: cfg.rpcBatch,
		http: &http.Client{Transport: &http.Transport{MaxIdleConnsPerHost: cfg.concurrency, MaxIdleConns: cfg.concurrency, IdleConnTimeout: time.Minute}}}
	if b.sendBatch < 1 {
		b.sendBatch = defaultRPCSendBatch
	}
	b.opts = sendOptions(cfg.skipPreflight)
	return b
}

// sendOptions is sendTransaction's options object.
func sendOptions(skipPreflight bool) []byte {
	if skipPreflight {
		return []byte(`{"encoding":"base64","skipPreflight":true,"preflightCommitment":"finalized"}`)
	}
	return []byte(`{"encoding":"base64","preflightCommitment":"finalized"}`)
}

// post sends one JSON-RPC body and returns the answer's bytes.
func (b *rpcBench) post(ctx context.Context, body []byte) ([]byte, error) {
	req, err := http.NewRequestWithContext(ctx, http.MethodPost, b.url, bytes.NewReader(body))
	if err != nil {
		return nil, err
	}
	req.Header.Set("Content-Type", "application/json")
	// Every call here may be repeated (reads, and sendTransaction of a
	// signed transaction, which the server dedups by signature): marked
	// so, the transport retries one that met a keep-alive connection the
	// server was closing.
	req.Header["X-Idempotency-Key"] = nil
	resp, err := b.http.Do(req)
	if err != nil {
		return nil, err
	}
	defer resp.Body.Close()
	out, err := io.ReadAll(resp.Body)
	if err != nil {
		return nil, err
	}
	if resp.StatusCode != http.StatusOK {
		return nil, fmt.Errorf("HTTP %d: %s", resp.StatusCode, bytes.TrimSpace(out))
	}
	return out, nil
}

// call makes one JSON-RPC call and decodes its result into out.
func (b *rpcBench) call(ctx context.Context, method string, params []any, out any) error {
	body, err := json.Marshal(map[string]any{"jsonrpc": "2.0", "id": b.id.Add(1), "method": method, "params": params})
	if err != nil {
		return err
	}
	return b.callRaw(ctx, method, body, out)
}

// callRaw posts an encoded call and decodes its result into out.
func (b *rpcBench) callRaw(ctx context.Context, method string, body []byte, out any) error {
	raw, err := b.post(ctx, body)
	if err != nil {
		return fmt.Errorf("%s: %w", method, err)
	}
	var ans struct {
		Result json.RawMessage `json:"result"`
		Error  *rpcCallError   `json:"error"`
	}
	if err := json.Unmarshal(raw, &ans); err != nil {
		return fmt.Errorf("%s: %w", method, err)
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

// firstSignature is a wire transaction's first signature, which names it.
func firstSignature(raw []byte) (sol.Signature, bool) {
	var sig sol.Signature
	// The signature count is a compact-u16; a count below 128 is one byte.
	if len(raw) < 1+len(sig) || raw[0] == 0 || raw[0] >= 0x80 {
		return sig, false
	}
	copy(sig[:], raw[1:])
	return sig, true
}

// send submits raw with sendTransaction and waits until
// getSignatureStatuses reports it finalized.
func (b *rpcBench) send(ctx context.Context, raw []byte) (backoff bool, err error) {
	sig, ok := firstSignature(raw)
	if !ok {
		return false, errors.New("bench: transaction without a signature")
	}
	if err := b.submit(ctx, raw); err != nil {
		var ce *rpcCallError
		// -32005 node unhealthy and -32603 internal (a full queue) call
		// for a pause; a refused transaction does not.
		return !errors.As(err, &ce) || ce.Code == -32005 || ce.Code == -32603, err
	}
	w := &rpcWaiter{str: base58.Encode(sig[:]), done: make(chan error, 1)}
	b.mu.Lock()
	b.waiting[sig] = w
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
	case err := <-w.done:
		return false, err
	case <-wctx.Done():
		return false, fmt.Errorf("%s not finalized: %w", w.str, wctx.Err())
	}
}

// submit makes raw's sendTransaction call and returns its outcome: nil
// once the server took the transaction.
func (b *rpcBench) submit(ctx context.Context, raw []byte) error {
	s := &rpcSend{raw: raw, done: make(chan error, 1)}
	if b.sendBatch == 1 {
		b.sendCalls(ctx, []*rpcSend{s})
		return <-s.done
	}
	n := b.sendCallLen(raw)
	b.qmu.Lock()
	if len(b.queue) > 0 && b.queueLen+n > maxRPCBody {
		b.flushLocked()
	}
	b.queue = append(b.queue, s)
	b.queueLen += n
	if len(b.queue) >= b.sendBatch {
		b.flushLocked()
	} else if !b.scheduled {
		b.scheduled = true
		time.AfterFunc(rpcLinger, b.flush)
	}
	b.qmu.Unlock()
	select {
	case err := <-s.done:
		return err
	case <-ctx.Done():
		return ctx.Err()
	}
}

// flush sends what the linger collected.
func (b *rpcBench) flush() {
	b.qmu.Lock()
	b.scheduled = false
	if len(b.queue) > 0 {
		b.flushLocked()
	}
	b.qmu.Unlock()
}

// flushLocked sends the queue in one request; b.qmu is held. A linger
// timer still pending then flushes whatever queues after.
func (b *rpcBench) flushLocked() {
	q := b.queue
	b.queue, b.queueLen = nil, 0
	// The request outlives any one caller, who stops waiting at its own
	// deadline.
	go b.sendCalls(context.Background(), q)
}

// sendCallLen is what one sendTransaction call of raw adds to a batch body.
func (b *rpcBench) sendCallLen(raw []byte) int {
	return len(`{"jsonrpc":"2.0","id":,"method":"sendTransaction","params":["",]},`) + 20 + base64.StdEncoding.EncodedLen(len(raw)) + len(b.opts)
}

// appendSendCall appends a sendTransaction call of raw with the given id.
func (b *rpcBench) appendSendCall(body []byte, id int, raw []byte) []byte {
	body = append(body, `{"jsonrpc":"2.0","id":`...)
	body = strconv.AppendInt(body, int64(id), 10)
	body = append(body, `,"method":"sendTransaction","params":["`...)
	body = base64.StdEncoding.AppendEncode(body, raw)
	body = append(body, `",`...)
	body = append(body, b.opts...)
	return append(body, `]}`...)
}

// sendCalls makes calls' sendTransaction calls in one HTTP request (a
// JSON-RPC batch unless b.sendBatch is 1) and answers each call.
func (b *rpcBench) sendCalls(ctx context.Context, calls []*rpcSend) {
	size := 2
	for _, c := range calls {
		size += b.sendCallLen(c.raw)
	}
	body := make([]byte, 0, size)
	if b.sendBatch == 1 {
		body = b.appendSendCall(body, 0, calls[0].raw)
	} else {
		body = append(body, '[')
		for i, c := range calls {
			if i > 0 {
				body = append(body, ',')
			}
			body = b.appendSendCall(body, i, c.raw)
		}
		body = append(body, ']')
	}
	answers, err := b.post(ctx, body)
	if err == nil {
		err = answerSends(answers, calls)
	}
	if err != nil {
		for _, c := range calls {
			c.done <- fmt.Errorf("sendTransaction: %w", err)
		}
	}
}

// sendAnswer is what the bench reads of a sendTransaction answer: the
// signature it returns is the transaction's first, known already.
type sendAnswer struct {
	ID    *int          `json:"id"`
	Error *rpcCallError `json:"error"`
}

// answerSends hands each call its answer from a JSON-RPC answer body (one
// object, or an array matched by id). It returns an error, and answers
// nothing, when the body does not answer every call.
func answerSends(body []byte, calls []*rpcSend) error {
	var ans []sendAnswer
	if body = bytes.TrimSpace(body); len(body) > 0 && body[0] == '[' {
		if err := json.Unmarshal(body, &ans); err != nil {
			return err
		}
	} else {
		var one sendAnswer
		if err := json.Unmarshal(body, &one); err != nil {
			return err
		}
		if one.Error != nil && (one.ID == nil || len(calls) > 1) {
			return one.Error // the request as a whole was refused
		}
		ans = []sendAnswer{one}
	}
	outcome := make([]error, len(calls))
	seen := make([]bool, len(calls))
	for _, a := range ans {
		if a.ID == nil || *a.ID < 0 || *a.ID >= len(calls) || seen[*a.ID] {
			return fmt.Errorf("an answer with a missing, unknown or repeated id among %d calls", len(calls))
		}
		seen[*a.ID] = true
		if a.Error != nil {
			outcome[*a.ID] = a.Error
		}
	}
	if len(ans) != len(calls) {
		return fmt.Errorf("%d answers to %d calls", len(ans), len(calls))
	}
	for i, c := range calls {
		c.done <- outcome[i]
	}
	return nil
}

// confirm polls getSignatureStatuses for the waiting signatures, 256 per
// call (Agave's limit), until ctx ends. A transaction becomes finalized
// only with a new finalized slot, so the statuses are read once per such
// slot, which a cheap getSlot watches, and only for transactions not yet
// seen in a slot above it.
func (b *rpcBench) confirm(ctx context.Context) {
	var seen uint64
	slotCall := []byte(`{"jsonrpc":"2.0","id":0,"method":"getSlot","params":[{"commitment":"finalized"}]}`)
	for {
		select {
		case <-ctx.Done():
			return
		case <-time.After(confirmPoll):
		}
		var slot uint64
		if err := b.callRaw(ctx, "getSlot", slotCall, &slot); err != nil || slot == seen {
			continue
		}
		b.mu.Lock()
		sigs := make([]sol.Signature, 0, len(b.waiting))
		strs := make([]string, 0, len(b.waiting))
		for s, w := range b.waiting {
			if w.slot <= slot {
				sigs = append(sigs, s)
				strs = append(strs, w.str)
			}
		}
		b.mu.Unlock()
		var wg sync.WaitGroup
		var failed atomic.Bool
		for i := 0; i < len(sigs); i += maxStatusesPerCall {
			j := min(i+maxStatusesPerCall, len(sigs))
			wg.Add(1)
			go func() {
				defer wg.Done()
				if !b.statuses(ctx, sigs[i:j], strs[i:j]) {
					failed.Store(true)
				}
			}()
		}
		wg.Wait()
		if !failed.Load() {
			// Signatures sent after the slot was read are looked at with the
			// next slot, which is when they can first land.
			seen = slot
		}
	}
}

// statuses reads sigs' statuses (strs are their base58 forms) and answers
// the finalized ones; false when the call failed.
func (b *rpcBench) statuses(ctx context.Context, sigs []sol.Signature, strs []string) bool {
	body := make([]byte, 0, 96+len(strs)*91)
	body = append(body, `{"jsonrpc":"2.0","id":`...)
	body = strconv.AppendUint(body, b.id.Add(1), 10)
	body = append(body, `,"method":"getSignatureStatuses","params":[[`...)
	for i, s := range strs {
		if i > 0 {
			body = append(body, ',')
		}
		body = append(append(append(body, '"'), s...), '"')
	}
	body = append(body, `]]}`...)
	var ans struct {
		Value []*struct {
			Slot               uint64          `json:"slot"`
			Err                json.RawMessage `json:"err"`
			ConfirmationStatus string          `json:"confirmationStatus"`
		} `json:"value"`
	}
	if err := b.callRaw(ctx, "getSignatureStatuses", body, &ans); err != nil || len(ans.Value) != len(sigs) {
		return false
	}
	b.mu.Lock()
	defer b.mu.Unlock()
	for i, st := range ans.Value {
		if st == nil {
			continue
		}
		w, ok := b.waiting[sigs[i]]
		if !ok {
			continue
		}
		if st.ConfirmationStatus != "finalized" {
			w.slot = st.Slot
			continue
		}
		var err error
		if len(st.Err) > 0 && string(st.Err) != "null" {
			err = fmt.Errorf("transaction failed: %s", st.Err)
		}
		select {
		case w.done <- err:
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
	b := newRPCBench(cfg)
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
		return b.send(ctx, raw)
	})
}

// fund tops every sender up from the faucet through the RPC, several
// transfers per transaction, and waits until all are finalized. The
// funding transactions go with the run's options (and so its preflight).
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
				_, err = b.send(ctx, raw)
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
