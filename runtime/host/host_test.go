package host

import (
	"bytes"
	"context"
	"errors"
	"log/slog"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/prometheus/client_golang/prometheus"

	"github.com/atoll-dev/atoll/runtime/host/sandbox"
	"github.com/atoll-dev/atoll/runtime/rhp"
)

// storage is a Handler over a map, proof "p".
type storage struct{ kv map[string]string }

func (s storage) StorageGet(ctx context.Context, req *rhp.StorageGet) (*rhp.StorageGetResponse, error) {
	resp := &rhp.StorageGetResponse{Proof: []byte("p")}
	for _, k := range req.Keys {
		v, ok := s.kv[string(k)]
		resp.Entries = append(resp.Entries, rhp.StorageEntry{Key: k, Found: ok, Value: []byte(v)})
	}
	return resp, nil
}

func (s storage) ConsensusQuery(ctx context.Context, req *rhp.ConsensusQuery) (*rhp.ConsensusQueryResponse, error) {
	return nil, rhp.Errorf(rhp.CodeNotFound, "test", "no consensus here")
}

func (s storage) LocalGet(ctx context.Context, req *rhp.LocalGet) (*rhp.LocalGetResponse, error) {
	return &rhp.LocalGetResponse{}, nil
}

func (s storage) LocalSet(ctx context.Context, req *rhp.LocalSet) (*rhp.LocalSetResponse, error) {
	return &rhp.LocalSetResponse{}, nil
}

// syncBuffer collects log output from several goroutines.
type syncBuffer struct {
	mu sync.Mutex
	b  bytes.Buffer
}

func (s *syncBuffer) Write(p []byte) (int, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.b.Write(p)
}

func (s *syncBuffer) String() string {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.b.String()
}

func newHost(t *testing.T, mode string, tune func(*Config)) (*Host, *syncBuffer) {
	t.Helper()
	logs := &syncBuffer{}
	cfg := Config{
		Sandbox:    sandboxConfig(mode),
		Handler:    storage{kv: map[string]string{"a": "1", "b": "2"}},
		Info:       rhp.InfoRequest{ChainContext: "test"},
		BackoffMin: 10 * time.Millisecond,
		BackoffMax: 200 * time.Millisecond,
		Logger:     slog.New(slog.NewTextHandler(logs, nil)),
	}
	if tune != nil {
		tune(&cfg)
	}
	h, err := New(cfg)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { h.Close() })
	return h, logs
}

func sandboxConfig(mode string) sandbox.Config {
	return sandbox.Config{Binary: testRuntime, Trampoline: testTrampoline, Args: []string{mode}, Env: []string{"GOMAXPROCS=1"}}
}

func ctxFor(t *testing.T, d time.Duration) context.Context {
	ctx, cancel := context.WithTimeout(context.Background(), d)
	t.Cleanup(cancel)
	return ctx
}

func TestHost_Call(t *testing.T) {
	h, _ := newHost(t, "echo", nil)
	if err := h.WaitReady(ctxFor(t, 20*time.Second)); err != nil {
		t.Fatal(err)
	}
	var q rhp.QueryResponse
	if err := h.Call(ctxFor(t, 10*time.Second), &rhp.Query{Method: "echo", Args: []byte("hi")}, &q); err != nil || string(q.Data) != "hi" {
		t.Fatalf("echo: %v %q", err, q.Data)
	}
	// ExecuteTxBatch makes the runtime read storage back through the host.
	var ex rhp.ExecuteTxBatchResponse
	if err := h.Call(ctxFor(t, 10*time.Second), &rhp.ExecuteTxBatch{Txs: [][]byte{[]byte("b"), []byte("a")}}, &ex); err != nil {
		t.Fatal(err)
	}
	if len(ex.Results) != 2 || string(ex.Results[0].Data) != "2" || string(ex.Results[1].Data) != "1" {
		t.Fatalf("execute results %+v", ex.Results)
	}
	// A runtime error comes back as is and does not cost a restart.
	err := h.Call(ctxFor(t, 10*time.Second), &rhp.Query{Method: "nope"}, &rhp.QueryResponse{})
	if !errors.Is(err, rhp.ErrPeerUnsupported) {
		t.Fatalf("unknown query: %v", err)
	}
	if err := h.Call(ctxFor(t, time.Second), &rhp.Shutdown{}, &rhp.ShutdownResponse{}); !errors.Is(err, ErrReserved) {
		t.Fatalf("Shutdown through Call: %v", err)
	}
	st := h.Status()
	if st.State != StateReady || st.Info == nil || st.Info.Name != "testruntime" || st.Version != rhp.ProtocolVersion || st.Pid == 0 {
		t.Fatalf("status %+v", st)
	}
	if want := (Counters{Starts: 1, Ready: 1}); st.Counters != want {
		t.Fatalf("counters %+v, want %+v", st.Counters, want)
	}
	h.Close()
	if st := h.Status(); st.State != StateClosed || st.Pid != 0 {
		t.Fatalf("after Close: %+v", st)
	}
	if err := h.Call(ctxFor(t, time.Second), &rhp.Ping{}, &rhp.PingResponse{}); !errors.Is(err, ErrClosed) {
		t.Fatalf("Call after Close: %v", err)
	}
}

// TestHost_Restart: a runtime that crashes, hangs, sends garbage or an
// oversized frame in the middle of a request is killed and replaced, the
// caller gets a clear error, and the next call is served by a new process.
func TestHost_Restart(t *testing.T) {
	tests := []struct {
		method  string
		wantErr error
		counted func(Counters) uint64
		reason  string
	}{
		{"crash", ErrUnavailable, func(c Counters) uint64 { return c.Crashes }, "runtime crash: exited: exit status 7"},
		{"hang", ErrHung, func(c Counters) uint64 { return c.Hangs }, "runtime hang: Query unanswered after 500ms"},
		{"garbage", ErrUnavailable, func(c Counters) uint64 { return c.ProtocolErrors }, "runtime protocol: rhp: malformed frame"},
		{"oversized", ErrUnavailable, func(c Counters) uint64 { return c.ProtocolErrors }, "runtime protocol: rhp: frame too large: 4294967295 bytes"},
	}
	for _, tt := range tests {
		t.Run(tt.method, func(t *testing.T) {
			h, logs := newHost(t, "echo", func(c *Config) { c.CallTimeout = 500 * time.Millisecond })
			if err := h.WaitReady(ctxFor(t, 20*time.Second)); err != nil {
				t.Fatal(err)
			}
			firstPid := h.Status().Pid
			err := h.Call(ctxFor(t, 10*time.Second), &rhp.Query{Method: tt.method}, &rhp.QueryResponse{})
			if !errors.Is(err, tt.wantErr) {
				t.Fatalf("call: got %v, want %v", err, tt.wantErr)
			}
			// The next call waits for the restarted runtime.
			var q rhp.QueryResponse
			if err := h.Call(ctxFor(t, 20*time.Second), &rhp.Query{Method: "echo", Args: []byte("again")}, &q); err != nil || string(q.Data) != "again" {
				t.Fatalf("after restart: %v %q", err, q.Data)
			}
			st := h.Status()
			if st.Pid == firstPid {
				t.Fatalf("still the same process %d", st.Pid)
			}
			if tt.counted(st.Counters) != 1 || st.Counters.Restarts != 1 || st.Counters.Starts != 2 || st.Counters.Ready != 2 {
				t.Fatalf("counters %+v", st.Counters)
			}
			if !strings.HasPrefix(st.LastFailure, tt.reason) {
				t.Fatalf("last failure %q, want prefix %q", st.LastFailure, tt.reason)
			}
			if !strings.Contains(logs.String(), "runtime failed; restarting") {
				t.Fatalf("no restart logged:\n%s", logs.String())
			}
		})
	}
}

// TestHost_FrozenRuntime: a runtime that stops answering anything while no
// request is outstanding is found by the liveness ping.
func TestHost_FrozenRuntime(t *testing.T) {
	h, _ := newHost(t, "echo", func(c *Config) {
		c.PingInterval = 100 * time.Millisecond
		c.PingTimeout = 300 * time.Millisecond
	})
	if err := h.WaitReady(ctxFor(t, 20*time.Second)); err != nil {
		t.Fatal(err)
	}
	// The caller gives up on its own deadline (the runtime is sent an
	// Abort); that alone is not a hang.
	err := h.Call(ctxFor(t, 10*time.Second), &rhp.Query{Method: "freeze"}, &rhp.QueryResponse{})
	if err == nil {
		// unreachable: the runtime froze before answering
		t.Fatal("frozen runtime answered")
	}
	waitFor(t, func() bool { return h.Status().Counters.Hangs == 1 })
	if err := h.Call(ctxFor(t, 20*time.Second), &rhp.Ping{}, &rhp.PingResponse{}); err != nil {
		t.Fatalf("after restart: %v", err)
	}
	if st := h.Status(); !strings.Contains(st.LastFailure, "no answer to a ping within 300ms") {
		t.Fatalf("last failure %q", st.LastFailure)
	}
}

// TestHost_RuntimeStopsReading: a frozen runtime whose socket buffer is
// full cannot block the host's writer; the call fails as a hang.
func TestHost_RuntimeStopsReading(t *testing.T) {
	h, _ := newHost(t, "echo", func(c *Config) {
		c.CallTimeout = 500 * time.Millisecond
		c.PingInterval = -1
	})
	if err := h.WaitReady(ctxFor(t, 20*time.Second)); err != nil {
		t.Fatal(err)
	}
	ctx, cancel := context.WithTimeout(context.Background(), 200*time.Millisecond)
	defer cancel()
	if err := h.Call(ctx, &rhp.Query{Method: "freeze"}, &rhp.QueryResponse{}); !errors.Is(err, context.DeadlineExceeded) {
		t.Fatalf("freeze: %v", err)
	}
	big := &rhp.ExecuteTxBatch{Round: 1, Txs: [][]byte{make([]byte, 8<<20)}}
	err := h.Call(ctxFor(t, 20*time.Second), big, &rhp.ExecuteTxBatchResponse{})
	if !errors.Is(err, ErrHung) {
		t.Fatalf("call to a runtime that stopped reading: %v", err)
	}
	waitFor(t, func() bool { return h.Status().Counters.Hangs == 1 && h.Status().State == StateReady })
	if st := h.Status(); !strings.Contains(st.LastFailure, "stopped reading its socket") {
		t.Fatalf("last failure %q", st.LastFailure)
	}
}

func TestHost_CallerCancels(t *testing.T) {
	h, _ := newHost(t, "echo", nil)
	if err := h.WaitReady(ctxFor(t, 20*time.Second)); err != nil {
		t.Fatal(err)
	}
	ctx, cancel := context.WithTimeout(context.Background(), 200*time.Millisecond)
	defer cancel()
	err := h.Call(ctx, &rhp.Query{Method: "hang"}, &rhp.QueryResponse{})
	if !errors.Is(err, context.DeadlineExceeded) {
		t.Fatalf("got %v", err)
	}
	if err := h.Call(ctxFor(t, 10*time.Second), &rhp.Ping{}, &rhp.PingResponse{}); err != nil {
		t.Fatal(err)
	}
	if c := h.Status().Counters; c.Hangs != 0 || c.Restarts != 0 {
		t.Fatalf("a caller's own deadline was counted against the runtime: %+v", c)
	}
}

// TestHost_BrokenAtStart: runtimes that never become ready are restarted
// with growing backoff, and callers get ErrUnavailable naming the reason.
func TestHost_BrokenAtStart(t *testing.T) {
	tests := []struct {
		mode    string
		counted func(Counters) uint64
		reason  string
	}{
		{"wrong-version", func(c Counters) uint64 { return c.VersionMismatches }, "runtime version: rhp: protocol version mismatch: runtime speaks 2.0.0, host speaks 1.0.0"},
		{"silent", func(c Counters) uint64 { return c.StartFailures }, "runtime start: no answer to handshake"},
		{"crash", func(c Counters) uint64 { return c.Crashes }, "runtime crash: exited: exit status 3"},
	}
	for _, tt := range tests {
		t.Run(tt.mode, func(t *testing.T) {
			h, _ := newHost(t, tt.mode, func(c *Config) { c.StartTimeout = 300 * time.Millisecond })
			waitFor(t, func() bool { return tt.counted(h.Status().Counters) >= 3 })
			st := h.Status()
			if st.Counters.Ready != 0 || st.State == StateReady {
				t.Fatalf("a broken runtime became ready: %+v", st)
			}
			if !strings.HasPrefix(st.LastFailure, tt.reason) {
				t.Fatalf("last failure %q, want prefix %q", st.LastFailure, tt.reason)
			}
			ctx, cancel := context.WithTimeout(context.Background(), 100*time.Millisecond)
			defer cancel()
			err := h.Call(ctx, &rhp.Ping{}, &rhp.PingResponse{})
			if !errors.Is(err, ErrUnavailable) || !strings.Contains(err.Error(), "last failure: runtime") {
				t.Fatalf("call: %v", err)
			}
		})
	}
}

func TestNew_Errors(t *testing.T) {
	_, err := New(Config{Sandbox: sandbox.Config{Binary: testRuntime, Bwrap: "/nonexistent/bwrap"}})
	if !errors.Is(err, sandbox.ErrNoBwrap) || strings.Contains(err.Error(), "\n") {
		t.Fatalf("missing bwrap: %v", err)
	}
	if _, err := New(Config{}); !errors.Is(err, ErrConfig) {
		t.Fatalf("no binary: %v", err)
	}
}

func TestBackoff(t *testing.T) {
	min, max := 100*time.Millisecond, 30*time.Second
	tests := []struct {
		failures int
		want     time.Duration
	}{
		{0, 100 * time.Millisecond},
		{1, 200 * time.Millisecond},
		{4, 1600 * time.Millisecond},
		{9, 30 * time.Second},
		{1000, 30 * time.Second},
	}
	for _, tt := range tests {
		if got := backoff(min, max, tt.failures); got != tt.want {
			t.Errorf("backoff after %d failures: %s, want %s", tt.failures, got, tt.want)
		}
	}
}

func waitFor(t *testing.T, cond func() bool) {
	t.Helper()
	deadline := time.Now().Add(20 * time.Second)
	for !cond() {
		if time.Now().After(deadline) {
			t.Fatal("condition not reached in 20s")
		}
		time.Sleep(10 * time.Millisecond)
	}
}

func TestHost_Collector(t *testing.T) {
	h, _ := newHost(t, "echo", nil)
	if err := h.WaitReady(ctxFor(t, 20*time.Second)); err != nil {
		t.Fatal(err)
	}
	reg := prometheus.NewPedanticRegistry()
	if err := reg.Register(h.Collector("svm")); err != nil {
		t.Fatal(err)
	}
	families, err := reg.Gather()
	if err != nil {
		t.Fatal(err)
	}
	got := map[string]float64{}
	for _, mf := range families {
		for _, m := range mf.GetMetric() {
			if l := m.GetLabel(); len(l) != 1 || l[0].GetValue() != "svm" {
				t.Fatalf("%s labels %v", mf.GetName(), l)
			}
			if m.GetGauge() != nil {
				got[mf.GetName()] = m.GetGauge().GetValue()
			} else {
				got[mf.GetName()] = m.GetCounter().GetValue()
			}
		}
	}
	want := map[string]float64{
		"atoll_runtime_host_ready": 1, "atoll_runtime_host_state": 1, "atoll_runtime_host_starts_total": 1,
		"atoll_runtime_host_crashes_total": 0, "atoll_runtime_host_hangs_total": 0,
		"atoll_runtime_host_protocol_errors_total": 0, "atoll_runtime_host_version_mismatches_total": 0,
		"atoll_runtime_host_start_failures_total": 0, "atoll_runtime_host_restarts_total": 0,
	}
	if len(got) != len(want) {
		t.Fatalf("got %v", got)
	}
	for k, v := range want {
		if got[k] != v {
			t.Errorf("%s = %v, want %v", k, got[k], v)
		}
	}
}
