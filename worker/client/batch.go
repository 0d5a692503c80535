package client

import (
	"bufio"
	"bytes"
	"context"
	"crypto/sha256"
	"encoding/base64"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net/http"
	"strings"
	"sync"
	"sync/atomic"
	"time"

	"github.com/atoll-dev/atoll/worker/submit"
)

// lingerDelay is how long a submission waits for others to share its
// request: nothing next to the time a round takes to finalize.
const lingerDelay = 2 * time.Millisecond

// maxAnswerLine bounds one line of a batch answer (a result with its logs).
const maxAnswerLine = 16 << 20

// call is one SubmitTx waiting in or for a batch request.
type call struct {
	tx   []byte
	done chan outcome // buffered: the batch never blocks on a caller who left
}

type outcome struct {
	res *submit.TxResult
	err error
}

// batcher coalesces a Client's concurrent submissions into batch
// requests. It runs no goroutine while idle.
type batcher struct {
	mu        sync.Mutex
	queue     []*call
	scheduled bool
	// unsupported is set once the node answered that it has no batch
	// endpoint; submissions then go one per request.
	unsupported atomic.Bool
}

// submitBatched queues tx for the next batch request and waits for its
// answer or ctx.
func (c *Client) submitBatched(ctx context.Context, tx []byte) (*submit.TxResult, error) {
	cl := &call{tx: tx, done: make(chan outcome, 1)}
	b := &c.batch
	b.mu.Lock()
	b.queue = append(b.queue, cl)
	if !b.scheduled {
		b.scheduled = true
		time.AfterFunc(lingerDelay, c.flush)
	}
	b.mu.Unlock()
	select {
	case o := <-cl.done:
		return o.res, o.err
	case <-ctx.Done():
		return nil, ctx.Err()
	}
}

// flush sends everything queued, in requests of at most MaxBatchTxs.
func (c *Client) flush() {
	b := &c.batch
	b.mu.Lock()
	q := b.queue
	b.queue, b.scheduled = nil, false
	b.mu.Unlock()
	for len(q) > 0 {
		n := min(len(q), submit.MaxBatchTxs)
		go c.sendBatch(q[:n])
		q = q[n:]
	}
}

// sendBatch submits calls in one request and hands each its answer as its
// line arrives.
func (c *Client) sendBatch(calls []*call) {
	txs := make([][]byte, len(calls))
	size := 16
	for i, cl := range calls {
		txs[i] = cl.tx
		size += base64.StdEncoding.EncodedLen(len(cl.tx)) + 3
	}
	fail := func(err error) {
		for _, cl := range calls {
			cl.done <- outcome{err: err}
		}
	}
	body := appendBatchRequest(make([]byte, 0, size), txs)
	// The request outlives any one caller; the HTTP client's timeout, if
	// any, bounds it.
	hreq, err := http.NewRequest(http.MethodPost, strings.TrimSuffix(c.URL, "/")+submit.BatchPath(c.Runtime), bytes.NewReader(body))
	if err != nil {
		fail(fmt.Errorf("client: %w", err))
		return
	}
	hreq.Header.Set("Content-Type", "application/json")
	// Submitting signed transactions again is harmless (a node dedups them
	// and the runtime refuses replays), so the request is marked
	// idempotent: Go's transport then resends it when a kept-alive
	// connection turns out closed by the server before the request got
	// through, instead of failing the whole batch with "broken pipe".
	digest := sha256.Sum256(body)
	hreq.Header.Set("Idempotency-Key", hex.EncodeToString(digest[:16]))
	resp, err := c.httpClient().Do(hreq)
	if err != nil {
		fail(fmt.Errorf("client: submitting: %w", err))
		return
	}
	defer resp.Body.Close()
	if resp.StatusCode == http.StatusNotFound && isNoEndpoint(resp.Body) {
		// A node without the batch endpoint: one request per transaction.
		c.batch.unsupported.Store(true)
		for _, cl := range calls {
			go func() {
				res, err := c.submitOne(context.Background(), cl.tx)
				cl.done <- outcome{res, err}
			}()
		}
		return
	}
	if resp.StatusCode != http.StatusOK {
		fail(answerError(resp))
		return
	}
	answered := make([]bool, len(calls))
	err = readAnswers(resp.Body, len(calls), func(i int, res *submit.TxResult, err error) {
		answered[i] = true
		calls[i].done <- outcome{res, err}
	})
	if err == nil {
		err = errors.New("client: node ended the batch without answering")
	}
	for i, cl := range calls {
		if !answered[i] {
			cl.done <- outcome{err: err}
		}
	}
}

// isNoEndpoint reports whether a 404 answer is the submission server not
// knowing the batch path (rather than the runtime not being served).
func isNoEndpoint(body io.Reader) bool {
	var e submit.ErrorResponse
	raw, _ := io.ReadAll(io.LimitReader(body, 64<<10))
	return json.Unmarshal(raw, &e) == nil && strings.Contains(e.Error, "no such endpoint")
}

// readAnswers reads a batch answer of n transactions from r and calls
// deliver once per answered index. It returns the first malformed line's
// error, or nil at the end of the stream (answered or not).
func readAnswers(r io.Reader, n int, deliver func(i int, res *submit.TxResult, err error)) error {
	sc := bufio.NewScanner(r)
	sc.Buffer(make([]byte, 0, 64<<10), maxAnswerLine)
	seen := make([]bool, n)
	var dec answerDecoder
	for sc.Scan() {
		line := bytes.TrimSpace(sc.Bytes())
		if len(line) == 0 {
			continue
		}
		var a submit.BatchAnswer
		if err := dec.decode(line, &a); err != nil {
			return fmt.Errorf("client: malformed batch answer: %w", err)
		}
		switch {
		case a.Index < 0 || a.Index >= n:
			return fmt.Errorf("client: batch answer for transaction %d of %d", a.Index, n)
		case seen[a.Index]:
			return fmt.Errorf("client: second batch answer for transaction %d", a.Index)
		case a.Result == nil && a.Error == "":
			return fmt.Errorf("client: batch answer for transaction %d has neither result nor error", a.Index)
		}
		seen[a.Index] = true
		switch {
		case a.Error != "" && a.Rejected:
			deliver(a.Index, nil, fmt.Errorf("%w: %s", ErrRejected, a.Error))
		case a.Error != "":
			deliver(a.Index, nil, fmt.Errorf("client: %s", a.Error))
		default:
			deliver(a.Index, a.Result, nil)
		}
	}
	if err := sc.Err(); err != nil {
		return fmt.Errorf("client: reading batch answer: %w", err)
	}
	return nil
}
