package submit

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net/http"
	"sync"

	"github.com/atoll-dev/atoll/consensus/registry"
)

// TxResult is a transaction's outcome in a finalized round.
type TxResult struct {
	// Round is the runtime round that included the transaction.
	Round uint64 `json:"round"`
	// Code is 0 on success; other values are the runtime's (for the SVM
	// runtime: 1 failed with the fee charged, 2 refused).
	Code uint32 `json:"code"`
	// Error describes a failed or refused transaction.
	Error string   `json:"error,omitempty"`
	Units uint64   `json:"units"`
	Logs  []string `json:"logs"`
	// Data is what the transaction's programs last returned.
	Data []byte `json:"data,omitempty"`
}

// Submitter is the node-side submission API of one runtime.
type Submitter interface {
	// SubmitTx admits tx (and gossips it to the committee), then waits until
	// a finalized round includes it and returns its result. An admission
	// failure is returned at once.
	SubmitTx(ctx context.Context, tx []byte) (*TxResult, error)
}

// Request is the body of a submission.
type Request struct {
	Tx []byte `json:"tx"`
}

// ErrorResponse is the body of a failed request.
type ErrorResponse struct {
	Error string `json:"error"`
}

// MaxRequestBytes bounds a request body.
const MaxRequestBytes = 64 << 10

// Handler serves the endpoint for the runtimes it is given. Register and
// lookups are safe for concurrent use.
type Handler struct {
	mu sync.RWMutex
	rt map[registry.RuntimeID]Submitter
}

// NewHandler returns a handler serving no runtime yet.
func NewHandler() *Handler { return &Handler{rt: map[registry.RuntimeID]Submitter{}} }

// Register serves runtime id with s.
func (h *Handler) Register(id registry.RuntimeID, s Submitter) {
	h.mu.Lock()
	defer h.mu.Unlock()
	h.rt[id] = s
}

// Path is the endpoint path of runtime id.
func Path(id registry.RuntimeID) string { return "/v1/runtime/" + id.String() + "/submit" }

// ServeHTTP implements http.Handler.
func (h *Handler) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	var id registry.RuntimeID
	var rest string
	if n, err := fmt.Sscanf(r.URL.Path, "/v1/runtime/%64s", &rest); n != 1 || err != nil || len(rest) < 64 ||
		id.UnmarshalText([]byte(rest[:64])) != nil || (r.URL.Path != Path(id) && r.URL.Path != BatchPath(id)) {
		writeError(w, http.StatusNotFound, "submit: no such endpoint "+r.URL.Path)
		return
	}
	if r.Method != http.MethodPost {
		writeError(w, http.StatusMethodNotAllowed, "submit: use POST")
		return
	}
	h.mu.RLock()
	s := h.rt[id]
	h.mu.RUnlock()
	if s == nil {
		writeError(w, http.StatusNotFound, "submit: runtime "+id.String()+" is not served here")
		return
	}
	if r.URL.Path == BatchPath(id) {
		serveBatch(w, r, s)
		return
	}
	body, err := io.ReadAll(io.LimitReader(r.Body, MaxRequestBytes+1))
	if err != nil || len(body) > MaxRequestBytes {
		writeError(w, http.StatusRequestEntityTooLarge, fmt.Sprintf("submit: request over %d bytes", MaxRequestBytes))
		return
	}
	var req Request
	if err := json.Unmarshal(body, &req); err != nil || len(req.Tx) == 0 {
		writeError(w, http.StatusBadRequest, fmt.Sprintf("submit: request must be {\"tx\": base64}: %v", err))
		return
	}
	res, err := s.SubmitTx(r.Context(), req.Tx)
	switch {
	case ended(err):
		writeError(w, http.StatusGatewayTimeout, errNotFinalized)
	case err != nil:
		writeError(w, http.StatusUnprocessableEntity, err.Error())
	default:
		w.Header().Set("Content-Type", "application/json")
		_ = json.NewEncoder(w).Encode(res)
	}
}

const errNotFinalized = "submit: not finalized before the request ended"

// ended reports whether err is the request's context ending rather than
// the node refusing the transaction.
func ended(err error) bool {
	return errors.Is(err, context.DeadlineExceeded) || errors.Is(err, context.Canceled)
}

func writeError(w http.ResponseWriter, code int, msg string) {
	w.Header().Set("Content-Type", "application/json")
	w.WriteHeader(code)
	_ = json.NewEncoder(w).Encode(ErrorResponse{Error: msg})
}
