package rpc

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"math/rand/v2"
	"net"
	"net/http"
	"strconv"
	"sync"
	"time"

	"github.com/rs/cors"
)

// Server serves a Backend over HTTP JSON-RPC and websocket PubSub.
type Server struct {
	backend Backend
	log     *slog.Logger
	methods map[string]method
	metrics *metrics

	mu      sync.Mutex
	servers []*http.Server
}

// method answers one JSON-RPC call; the result is marshalled as is.
type method func(s *Server, p params) (any, *Error)

// NewServer returns a server over backend. log may be nil.
func NewServer(backend Backend, log *slog.Logger) *Server {
	if log == nil {
		log = slog.New(slog.NewTextHandler(io.Discard, nil))
	}
	return &Server{backend: backend, log: log, methods: methodTable}
}

// Listeners are the bound sockets of a running server.
type Listeners struct {
	HTTP, WS net.Listener
}

// Listen binds the HTTP port at addr and the websocket port at port+1, as
// Solana clients expect. Port 0 picks a free HTTP port whose successor is
// also free.
func Listen(addr string) (*Listeners, error) {
	host, port, err := net.SplitHostPort(addr)
	if err != nil {
		return nil, fmt.Errorf("rpc: listen address %q: %w", addr, err)
	}
	if port != "0" {
		h, err := net.Listen("tcp", addr)
		if err != nil {
			return nil, err
		}
		p, err := strconv.Atoi(port)
		if err != nil || p < 1 || p > 65534 {
			h.Close()
			return nil, fmt.Errorf("rpc: listen address %q: the port must be a number below 65535 (the websocket takes port+1)", addr)
		}
		w, err := net.Listen("tcp", net.JoinHostPort(host, strconv.Itoa(p+1)))
		if err != nil {
			h.Close()
			return nil, err
		}
		return &Listeners{HTTP: h, WS: w}, nil
	}
	// Look below the kernel's ephemeral range (32768 up), where a busy
	// machine's outgoing connections cannot take a port between the check
	// and the bind; fall back to the kernel's choice.
	for attempt := 0; attempt < 400; attempt++ {
		var h net.Listener
		var err error
		if attempt < 300 {
			h, err = net.Listen("tcp", net.JoinHostPort(host, strconv.Itoa(20000+rand.IntN(12000))))
			if err != nil {
				continue
			}
		} else if h, err = net.Listen("tcp", net.JoinHostPort(host, "0")); err != nil {
			return nil, err
		}
		p := h.Addr().(*net.TCPAddr).Port
		w, err := net.Listen("tcp", net.JoinHostPort(host, fmt.Sprint(p+1)))
		if err == nil {
			return &Listeners{HTTP: h, WS: w}, nil
		}
		h.Close()
	}
	return nil, errors.New("rpc: no free pair of adjacent ports")
}

// Serve serves HTTP on l.HTTP and websocket on l.WS until Close. It returns
// once both servers are running.
func (s *Server) Serve(l *Listeners) {
	// Browser dapps and explorers call RPC nodes from any origin, so the
	// HTTP side answers CORS preflights as Agave's does.
	c := cors.New(cors.Options{AllowedOrigins: []string{"*"}, AllowedMethods: []string{http.MethodPost, http.MethodGet},
		AllowedHeaders: []string{"*"}, MaxAge: 86400})
	h := &http.Server{Handler: c.Handler(s), ReadHeaderTimeout: 10 * time.Second, IdleTimeout: 2 * time.Minute}
	w := &http.Server{Handler: http.HandlerFunc(s.serveWS), ReadHeaderTimeout: 10 * time.Second}
	s.mu.Lock()
	s.servers = append(s.servers, h, w)
	s.mu.Unlock()
	go func() { _ = h.Serve(l.HTTP) }()
	go func() { _ = w.Serve(l.WS) }()
}

// Close stops the servers and drops every connection.
func (s *Server) Close() error {
	s.mu.Lock()
	defer s.mu.Unlock()
	for _, h := range s.servers {
		_ = h.Close()
	}
	s.servers = nil
	return nil
}

// Shutdown stops accepting and waits for in-flight HTTP requests.
func (s *Server) Shutdown(ctx context.Context) error {
	s.mu.Lock()
	servers := s.servers
	s.servers = nil
	s.mu.Unlock()
	var first error
	for _, h := range servers {
		if err := h.Shutdown(ctx); err != nil && first == nil {
			first = err
		}
	}
	return first
}

// ServeHTTP answers JSON-RPC over HTTP POST, and GET /health as Agave does.
func (s *Server) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	if r.Method == http.MethodGet && r.URL.Path == "/health" {
		if err := s.backend.Health(); err != nil {
			w.WriteHeader(http.StatusServiceUnavailable)
			io.WriteString(w, "behind")
			return
		}
		io.WriteString(w, "ok")
		return
	}
	if r.Method != http.MethodPost {
		w.Header().Set("Allow", "POST")
		http.Error(w, "JSON-RPC requests are POSTed", http.StatusMethodNotAllowed)
		return
	}
	body, err := readBody(r)
	if err != nil {
		writeJSON(w, http.StatusBadRequest, errorResponse(nullID, &Error{Code: CodeParseError, Message: "Parse error: " + err.Error()}))
		return
	}
	if len(body) > maxRequestBodyBytes {
		writeJSON(w, http.StatusRequestEntityTooLarge, errorResponse(nullID,
			&Error{Code: CodeInvalidRequest, Message: fmt.Sprintf("Invalid request: body exceeds %d bytes", maxRequestBodyBytes)}))
		return
	}
	out := s.HandleBody(body)
	if out == nil {
		w.WriteHeader(http.StatusOK)
		return
	}
	writeRaw(w, http.StatusOK, out)
}

// readBody reads at most maxRequestBodyBytes+1 bytes, in one allocation
// when the client declared the length.
func readBody(r *http.Request) ([]byte, error) {
	if n := r.ContentLength; n >= 0 && n <= maxRequestBodyBytes {
		body := make([]byte, n)
		_, err := io.ReadFull(r.Body, body)
		return body, err
	}
	return io.ReadAll(io.LimitReader(r.Body, maxRequestBodyBytes+1))
}

// maxBatchWorkers bounds the requests of one JSON-RPC batch handled at
// once. It covers a client's batch of sendTransaction calls (100 fit in a
// body), so they all wait for the backend's batched preflight and pool
// admission together rather than in successive waves, each a round trip
// to the pool.
const maxBatchWorkers = 128

// HandleBody answers a JSON-RPC body (one request or a batch) and returns
// the encoded response, or nil when every request was a notification.
func (s *Server) HandleBody(body []byte) []byte {
	reqs, batch, perr := DecodeRequests(body)
	if perr != nil {
		b, _ := json.Marshal(errorResponse(nullID, perr))
		return b
	}
	if !batch {
		resp := s.handle(&reqs[0])
		if resp == nil {
			return nil
		}
		return resp.appendJSON(nil)
	}
	resps := make([]*Response, len(reqs))
	// The requests of a batch are independent (Agave runs them
	// concurrently too): a batch of sendTransaction calls then reaches the
	// backend together, where signature checks and pool admission batch.
	var wg sync.WaitGroup
	work := make(chan int)
	for w := 0; w < min(len(reqs), maxBatchWorkers); w++ {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for i := range work {
				resps[i] = s.handle(&reqs[i])
			}
		}()
	}
	for i := range reqs {
		work <- i
	}
	close(work)
	wg.Wait()
	var b []byte
	for _, resp := range resps {
		if resp != nil {
			if len(b) == 0 {
				b = append(b, '[')
			} else {
				b = append(b, ',')
			}
			b = resp.appendJSON(b)
		}
	}
	if len(b) == 0 {
		return nil
	}
	return append(b, ']')
}

// appendJSON encodes r. Result and ID are already valid JSON (the server
// produced the one and decoded the other), so they are copied as they are
// rather than re-validated by encoding/json.
func (r *Response) appendJSON(b []byte) []byte {
	b = append(b, `{"jsonrpc":"2.0",`...)
	if r.Error != nil {
		e, err := json.Marshal(r.Error)
		if err != nil {
			e = []byte(`{"code":-32603,"message":"Internal error"}`)
		}
		b = append(append(b, `"error":`...), e...)
	} else {
		b = append(append(b, `"result":`...), r.Result...)
	}
	id := r.ID
	if id == nil {
		id = nullID
	}
	return append(append(append(b, `,"id":`...), id...), '}')
}

func errorResponse(id json.RawMessage, e *Error) *Response {
	if id == nil {
		id = nullID
	}
	return &Response{JSONRPC: "2.0", Error: e, ID: id}
}

// handle answers one request; nil for a notification.
func (s *Server) handle(r *Request) (resp *Response) {
	if r.ID == nil && r.JSONRPC == "2.0" && r.Method != "" {
		// A notification: run nothing that has effects, answer nothing.
		return nil
	}
	if err := r.validate(); err != nil {
		return errorResponse(r.ID, err)
	}
	defer func() {
		if p := recover(); p != nil {
			s.log.Error("rpc: handler panicked", "method", r.Method, "panic", p)
			resp = errorResponse(r.ID, &Error{Code: CodeInternalError, Message: "Internal error"})
		}
	}()
	start := time.Now()
	result, rerr := s.call(r.Method, r.Params)
	s.observe(r.Method, start, rerr)
	if rerr != nil {
		return errorResponse(r.ID, rerr)
	}
	return &Response{JSONRPC: "2.0", Result: result, ID: r.ID}
}

// call runs a method and encodes its result.
func (s *Server) call(name string, raw json.RawMessage) (json.RawMessage, *Error) {
	m, ok := s.methods[name]
	if !ok {
		return nil, &Error{Code: CodeMethodNotFound, Message: "Method not found"}
	}
	p, perr := parseParams(raw)
	if perr != nil {
		return nil, perr
	}
	v, rerr := m(s, p)
	if rerr != nil {
		return nil, rerr
	}
	if e, ok := v.(encodedResult); ok {
		return json.RawMessage(e), nil
	}
	b, err := json.Marshal(v)
	if err != nil {
		return nil, &Error{Code: CodeInternalError, Message: "Internal error: " + err.Error()}
	}
	return b, nil
}

func writeJSON(w http.ResponseWriter, status int, v any) {
	b, _ := json.Marshal(v)
	writeRaw(w, status, b)
}

// jsonContentType is every answer's Content-Type, shared: net/http only
// reads header values.
var jsonContentType = []string{"application/json"}

func writeRaw(w http.ResponseWriter, status int, b []byte) {
	w.Header()["Content-Type"] = jsonContentType
	w.WriteHeader(status)
	w.Write(bytes.TrimSpace(b))
}

// backendError maps a Backend error to its JSON-RPC error.
func backendError(err error) *Error {
	var pf *PreflightError
	var sv *SignatureVerificationError
	var re *Error
	switch {
	case errors.As(err, &re):
		return re
	case errors.As(err, &pf):
		return &Error{Code: CodePreflightFailure, Message: pf.Error(), Data: simulationValue(pf.Sim, nil)}
	case errors.As(err, &sv):
		return &Error{Code: CodeSignatureVerification, Message: sv.Error()}
	case errors.Is(err, ErrInvalidTransaction), errors.Is(err, ErrInvalidParams), errors.Is(err, ErrAirdropLimit),
		errors.Is(err, ErrSigVerifyRequired):
		return &Error{Code: CodeInvalidParams, Message: "Invalid params: " + err.Error()}
	case errors.Is(err, ErrBlockNotAvailable):
		return &Error{Code: CodeBlockNotAvailable, Message: err.Error()}
	case errors.Is(err, ErrNodeUnhealthy):
		return &Error{Code: CodeNodeUnhealthy, Message: "Node is unhealthy"}
	case errors.Is(err, ErrNoFaucet):
		return &Error{Code: CodeInvalidRequest, Message: err.Error()}
	}
	return &Error{Code: CodeInternalError, Message: "Internal error: " + err.Error()}
}
