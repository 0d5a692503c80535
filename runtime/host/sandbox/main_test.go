//go:build linux && (amd64 || arm64)

package sandbox

import (
	"context"
	"testing"
	"time"

	"github.com/atoll-dev/atoll/runtime/host/internal/runtimetest"
	"github.com/atoll-dev/atoll/runtime/rhp"
)

// testRuntime is the path of testdata/testruntime, built once by TestMain,
// and trampoline a copy of this test binary beside it.
var testRuntime, testTrampoline string

func TestMain(m *testing.M) {
	runtimetest.Main(m, "../testdata/testruntime", func(p runtimetest.Paths) {
		testRuntime, testTrampoline = p.Runtime, p.Trampoline
	})
}

// startRuntime starts the test runtime and completes the handshake.
func startRuntime(t *testing.T, cfg Config) (*Process, *rhp.Conn) {
	t.Helper()
	if cfg.Binary == "" {
		cfg.Binary = testRuntime
	}
	if cfg.Trampoline == "" {
		cfg.Trampoline = testTrampoline
	}
	if cfg.Env == nil {
		cfg.Env = []string{"GOMAXPROCS=1"}
	}
	if cfg.Args == nil {
		cfg.Args = []string{"echo"}
	}
	cfg.Stderr = testWriter{t}
	p, err := Start(cfg)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(p.Kill)
	conn := rhp.NewConn(p.Conn, rhp.Options{Role: rhp.RoleHost})
	t.Cleanup(func() { conn.Close() })
	ctx, cancel := context.WithTimeout(context.Background(), 20*time.Second)
	defer cancel()
	if _, err := conn.Handshake(ctx); err != nil {
		t.Fatalf("handshake: %v", err)
	}
	return p, conn
}

// query asks the test runtime to run method and returns what it reported.
func query(t *testing.T, conn *rhp.Conn, method, arg string) string {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), 20*time.Second)
	defer cancel()
	var resp rhp.QueryResponse
	if err := conn.Call(ctx, &rhp.Query{Method: method, Args: []byte(arg)}, &resp); err != nil {
		t.Fatalf("%s(%s): %v", method, arg, err)
	}
	return string(resp.Data)
}

type testWriter struct{ t *testing.T }

func (w testWriter) Write(p []byte) (int, error) {
	w.t.Logf("runtime stderr: %s", p)
	return len(p), nil
}
