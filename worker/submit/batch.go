package submit

import (
	"encoding/json"
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

// serveBatch submits every transaction of the request at once and writes
// each answer as soon as it is known, flushing whatever is ready together.
func serveBatch(w http.ResponseWriter, r *http.Request, s Submitter) {
	body, err := io.ReadAll(io.LimitReader(r.Body, MaxBatchRequestBytes+1))
	if err != nil || len(body) > MaxBatchRequestBytes {
		writeError(w, http.StatusRequestEntityTooLarge, fmt.Sprintf("submit: batch request over %d bytes", MaxBatchRequestBytes))
		return
	}
	var req BatchRequest
	if err := json.Unmarshal(body, &req); err != nil {
		writeError(w, http.StatusBadRequest, fmt.Sprintf("submit: request must be {\"txs\": [base64, ...]}: %v", err))
		return
	}
	if len(req.Txs) == 0 || len(req.Txs) > MaxBatchTxs {
		writeError(w, http.StatusBadRequest, fmt.Sprintf("submit: a batch holds 1 to %d transactions, not %d", MaxBatchTxs, len(req.Txs)))
		return
	}
	for i, tx := range req.Txs {
		if len(tx) == 0 {
			writeError(w, http.StatusBadRequest, fmt.Sprintf("submit: transaction %d is empty", i))
			return
		}
	}
	answers := make(chan BatchAnswer, len(req.Txs))
	for i, tx := range req.Txs {
		go func() {
			res, err := s.SubmitTx(r.Context(), tx)
			a := BatchAnswer{Index: i, Result: res}
			if err != nil {
				a = BatchAnswer{Index: i, Error: err.Error(), Rejected: !ended(err)}
				if ended(err) {
					a.Error = errNotFinalized
				}
			}
			answers <- a
		}()
	}
	w.Header().Set("Content-Type", "application/x-ndjson")
	w.WriteHeader(http.StatusOK)
	enc := json.NewEncoder(w)
	flusher, _ := w.(http.Flusher)
	for left := len(req.Txs); left > 0; {
		_ = enc.Encode(<-answers)
		left--
	ready:
		for left > 0 {
			select {
			case a := <-answers:
				_ = enc.Encode(a)
				left--
			default:
				break ready
			}
		}
		if flusher != nil {
			flusher.Flush()
		}
	}
}
