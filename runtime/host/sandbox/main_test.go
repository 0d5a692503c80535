//go:build linux && (amd64 || arm64)

package sandbox

import (
	"context"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"testing"
	"time"

	"github.com/atoll-dev/atoll/runtime/rhp"
)

// testRuntime is the path of testdata/testruntime, built once by TestMain,
// and trampoline a copy of this test binary beside it.
var testRuntime, testTrampoline string

func copyExecutable(dst string) error {
	self, err := os.Executable()
	if err != nil {
		return err
	}
	data, err := os.ReadFile(self)
	if err != nil {
		return err
	}
	return os.WriteFile(dst, data, 0o755)
}

func TestMain(m *testing.M) {
	dir, err := os.MkdirTemp("", "sandbox-test")
	if err != nil {
		fmt.Fprintln(os.Stderr, err)
		os.Exit(1)
	}
	// Readable by others, so that bwrap can run as nobody when the tests
	// run as root (see othersCanRun).
	if err := os.Chmod(dir, 0o755); err != nil {
		fmt.Fprintln(os.Stderr, err)
		os.Exit(1)
	}
	testRuntime = filepath.Join(dir, "testruntime")
	// The test binary is the trampoline; the go tool keeps it in a private
	// directory, so a copy goes next to the runtime.
	testTrampoline = filepath.Join(dir, "trampoline")
	if err := copyExecutable(testTrampoline); err != nil {
		fmt.Fprintln(os.Stderr, err)
		os.Exit(1)
	}
	build := exec.Command("go", "build", "-o", testRuntime, "../testdata/testruntime")
	build.Env = append(os.Environ(), "CGO_ENABLED=0")
	if out, err := build.CombinedOutput(); err != nil {
		fmt.Fprintf(os.Stderr, "building the test runtime: %v\n%s", err, out)
		os.Exit(1)
	}
	code := m.Run()
	os.RemoveAll(dir)
	os.Exit(code)
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
