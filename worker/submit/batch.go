package submit

import (
	"bytes"
	"context"
	"fmt"
	"io"
	"net/http"

	"github.com/atoll-dev/atoll/consensus/registry"
)

// Bounds of a batch submission.
const (
	// MaxBatchTxs is the most transactions one batch request carries.
	MaxBatchTxs = 4096
	// MaxBatchRequestBytes bounds a batch request body.
	MaxBatchRequestBytes = 8 << 20
)

// BatchPath is the batch endpoint path of runtime id.
func BatchPath(id registry.RuntimeID) string { return Path(id) + "_batch" }

// BatchRequest is the body of a batch submission.
type BatchRequest struct {
	Txs [][]byte `json:"txs"`
}

// BatchAnswer is one line of a batch submission's answer: transaction
// Index of the request finalized with Result, or did not (Error).
type BatchAnswer struct {
	Index  int       `json:"index"`
	Result *TxResult `json:"result,omitempty"`
	Error  string    `json:"error,omitempty"`
	// Rejected is set when the node refused the transaction (what a
	// single submission answers with 422); an unset one with Error did not
	// finalize before the request ended.
	Rejected bool `json:"rejected,omitempty"`
}

// Answer is the outcome of transaction Index of a batch submission: its
// result in a finalized round, or the error that ended its wait (a refusal,
// or the request's context ending).
type Answer struct {
	Index  int
	Result *TxResult
	Err    error
}

// BatchSubmitter is a Submitter that also takes many transactions at once,
// so that a batch shares one admission and one wait instead of a goroutine
// per transaction.
type BatchSubmitter interface {
	Submitter
	// SubmitTxs submits txs and hands their answers to deliver in groups
	// as they become known: every index of txs exactly once, never two
	// calls of deliver at a time. It returns after the last answer.
	// Transactions not finalized when ctx ends are answered with ctx's
	// error. deliver must not keep the slice it is given; it may block
	// (writing to a slow client), so implementations call it holding no
	// lock.
	SubmitTxs(ctx context.Context, txs [][]byte, deliver func([]Answer))
}

// serveBatch submits every transaction of the request at once and writes
// each answer as soon as it is known, flushing whatever is ready together.
func serveBatch(w http.ResponseWriter, r *http.Request, s Submitter) {
	body, err := readBody(r, MaxBatchRequestBytes)
	if err != nil || len(body) > MaxBatchRequestBytes {
		writeError(w, http.StatusRequestEntityTooLarge, fmt.Sprintf("submit: batch request over %d bytes", MaxBatchRequestBytes))
		return
	}
	txs, err := decodeBatchRequest(body)
	if err != nil {
		writeError(w, http.StatusBadRequest, fmt.Sprintf("submit: request must be {\"txs\": [base64, ...]}: %v", err))
		return
	}
	if len(txs) == 0 || len(txs) > MaxBatchTxs {
		writeError(w, http.StatusBadRequest, fmt.Sprintf("submit: a batch holds 1 to %d transactions, not %d", MaxBatchTxs, len(txs)))
		return
	}
	for i, tx := range txs {
		if len(tx) == 0 {
			writeError(w, http.StatusBadRequest, fmt.Sprintf("submit: transaction %d is empty", i))
			return
		}
	}
	w.Header().Set("Content-Type", "application/x-ndjson")
	w.WriteHeader(http.StatusOK)
	flusher, _ := w.(http.Flusher)
	var line []byte
	deliver := func(as []Answer) {
		if line == nil {
			// A transfer's answer line is about 150 bytes.
			line = make([]byte, 0, 192*len(as))
		}
		line = line[:0]
		for i := range as {
			line = appendBatchAnswer(line, batchAnswer(&as[i]))
		}
		_, _ = w.Write(line)
		if flusher != nil {
			flusher.Flush()
		}
	}
	if bs, ok := s.(BatchSubmitter); ok {
		bs.SubmitTxs(r.Context(), txs, deliver)
		return
	}
	answers := make(chan Answer, len(txs))
	for i, tx := range txs {
		go func() {
			res, err := s.SubmitTx(r.Context(), tx)
			answers <- Answer{Index: i, Result: res, Err: err}
		}()
	}
	group := make([]Answer, 0, len(txs))
	for left := len(txs); left > 0; {
		group = append(group[:0], <-answers)
	ready:
		for len(group) < left {
			select {
			case a := <-answers:
				group = append(group, a)
			default:
				break ready
			}
		}
		left -= len(group)
		deliver(group)
	}
}

// readBody reads up to limit+1 bytes of r's body (so that a longer one is
// recognized), into a buffer sized from the declared length when there is
// one instead of growing it by doubling.
func readBody(r *http.Request, limit int64) ([]byte, error) {
	lr := io.LimitReader(r.Body, limit+1)
	if n := r.ContentLength; n > 0 && n <= limit {
		buf := bytes.NewBuffer(make([]byte, 0, n+1))
		_, err := buf.ReadFrom(lr)
		return buf.Bytes(), err
	}
	return io.ReadAll(lr)
}

// batchAnswer is the line that answers a.
func batchAnswer(a *Answer) *BatchAnswer {
	if a.Err == nil {
		return &BatchAnswer{Index: a.Index, Result: a.Result}
	}
	if ended(a.Err) {
		return &BatchAnswer{Index: a.Index, Error: errNotFinalized}
	}
	return &BatchAnswer{Index: a.Index, Error: a.Err.Error(), Rejected: true}
}
