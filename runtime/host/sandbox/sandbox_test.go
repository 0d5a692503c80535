//go:build linux && (amd64 || arm64)

package sandbox

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"log/slog"
	"net"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/atoll-dev/atoll/runtime/rhp"
)

// TestStart_HostileRuntime runs each attack of a hostile runtime inside the
// sandbox and asserts the exact error that stopped it.
func TestStart_HostileRuntime(t *testing.T) {
	// Host-side things the runtime must not reach.
	dataDir := t.TempDir()
	secret := filepath.Join(dataDir, "node-key.pem")
	if err := os.WriteFile(secret, []byte("secret"), 0o600); err != nil {
		t.Fatal(err)
	}
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	defer ln.Close()
	accepted := make(chan struct{}, 1)
	go func() {
		if c, err := ln.Accept(); err == nil {
			c.Close()
			accepted <- struct{}{}
		}
	}()
	port := strings.TrimPrefix(ln.Addr().String(), "127.0.0.1:")

	_, conn := startRuntime(t, Config{})
	const eperm = "operation not permitted"
	tests := []struct {
		method, arg, want string
	}{
		{"socket-inet", port, eperm},
		{"socket-unix", "", eperm},
		{"socketpair", "", eperm},
		{"read", "/etc/shadow", "open /etc/shadow: no such file or directory"},
		{"read", secret, "open " + secret + ": no such file or directory"},
		{"readdir", dataDir, "open " + dataDir + ": no such file or directory"},
		{"write", "/pwned", "open /pwned: read-only file system"},
		{"write", "/rt/runtime", "open /rt/runtime: read-only file system"},
		{"write", "/dev/shm/payload", "open /dev/shm/payload: read-only file system"},
		{"write", "/dev/payload", "open /dev/payload: read-only file system"},
		{"write", "/tmp/payload", "open /tmp/payload: no such file or directory"},
		{"write", "/dev/null", "ok"}, // device nodes still work
		{"write", "/proc/sys/kernel/core_pattern", "open /proc/sys/kernel/core_pattern: no such file or directory"},
		{"fds", "", "0 1 2 3"}, // stdio and the RHP socket, nothing the host inherited
		{"exec", "/bin/sh", eperm},
		{"exec", "/rt/runtime", eperm}, // the one binary that is certainly there
		{"fork", "/rt/runtime", eperm},
		{"forkbomb", "", eperm},
		{"memfd", "", eperm},
		{"unshare", "", eperm},
		{"mount", "", eperm},
		{"ptrace", "", eperm},
		{"threads", "", "ok"}, // threads must still work
	}
	for _, tt := range tests {
		t.Run(tt.method+"("+tt.arg+")", func(t *testing.T) {
			if got := query(t, conn, tt.method, tt.arg); got != tt.want {
				t.Fatalf("got %q, want %q", got, tt.want)
			}
		})
	}
	select {
	case <-accepted:
		t.Fatal("the runtime reached a TCP listener on the host")
	default:
	}
	if got := query(t, conn, "identity", ""); !strings.HasPrefix(got, "uid=65534 gid=65534 host=atoll-runtime ") {
		t.Errorf("identity inside the sandbox: %q", got)
	}
	// Nothing of the host's environment leaks in.
	if got := query(t, conn, "env", ""); got != "ATOLL_RHP_FD=3\nGOMAXPROCS=1\nPWD=/" {
		t.Errorf("environment inside the sandbox: %q", got)
	}
}

func TestStart_NoBwrap(t *testing.T) {
	_, err := Start(Config{Binary: testRuntime, Bwrap: filepath.Join(t.TempDir(), "bwrap")})
	if !errors.Is(err, ErrNoBwrap) {
		t.Fatalf("got %v", err)
	}
	if msg := err.Error(); strings.Contains(msg, "\n") || !strings.Contains(msg, "Debian package bubblewrap") {
		t.Fatalf("message is not one line naming the package: %q", msg)
	}
}

func TestStart_NotExecutable(t *testing.T) {
	path := filepath.Join(t.TempDir(), "rt")
	if err := os.WriteFile(path, []byte("#!/bin/sh\n"), 0o644); err != nil {
		t.Fatal(err)
	}
	if _, err := Start(Config{Binary: path}); !errors.Is(err, ErrStart) {
		t.Fatalf("got %v", err)
	}
}

// TestStart_Unsafe: without the sandbox the runtime runs directly, a
// warning is logged, and the same attack now gets through.
func TestStart_Unsafe(t *testing.T) {
	var logs bytes.Buffer
	_, conn := startRuntime(t, Config{Unsafe: true, Logger: slog.New(slog.NewTextHandler(&logs, nil))})
	if !strings.Contains(logs.String(), "level=WARN") || !strings.Contains(logs.String(), "unsafe-no-sandbox") {
		t.Fatalf("no warning logged: %q", logs.String())
	}
	if got := query(t, conn, "socket-unix", ""); got != "ok" {
		t.Fatalf("unsandboxed socket: %q", got)
	}
}

func TestProcess_Kill(t *testing.T) {
	p, conn := startRuntime(t, Config{})
	p.Kill()
	select {
	case <-p.Done():
	case <-time.After(10 * time.Second):
		t.Fatal("process still running")
	}
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	if err := conn.Call(ctx, &rhp.Ping{}, &rhp.PingResponse{}); !errors.Is(err, rhp.ErrClosed) {
		t.Fatalf("call to a killed runtime: %v", err)
	}
}

// TestStart_MemoryLimit: a runtime that allocates past its limit dies of it;
// the host sees the connection end, not an out-of-memory node.
func TestStart_MemoryLimit(t *testing.T) {
	p, conn := startRuntime(t, Config{MemoryLimit: 1 << 30})
	if got := query(t, conn, "alloc", "64"); got != "allocated 64 MiB" {
		t.Fatalf("within the limit: %q", got)
	}
	ctx, cancel := context.WithTimeout(context.Background(), 20*time.Second)
	defer cancel()
	err := conn.Call(ctx, &rhp.Query{Method: "alloc", Args: []byte("1024")}, &rhp.QueryResponse{})
	if !errors.Is(err, rhp.ErrClosed) {
		t.Fatalf("allocating past the limit: %v", err)
	}
	select {
	case <-p.Done():
	case <-time.After(20 * time.Second):
		t.Fatal("runtime still running")
	}
	var exit *exec.ExitError
	if !errors.As(p.ExitErr(), &exit) || exit.ExitCode() != 2 {
		t.Fatalf("exit: %v, want exit status 2 (Go's fatal out of memory)", p.ExitErr())
	}
}

// processUIDs returns the real uid of pid and of all its descendants, as the
// host sees them.
func processUIDs(t *testing.T, pid int) []string {
	t.Helper()
	status, err := os.ReadFile(fmt.Sprintf("/proc/%d/status", pid))
	if err != nil {
		t.Fatal(err)
	}
	var uids []string
	for _, line := range strings.Split(string(status), "\n") {
		if strings.HasPrefix(line, "Uid:") {
			uids = append(uids, strings.Fields(line)[1])
		}
	}
	children, _ := os.ReadFile(fmt.Sprintf("/proc/%d/task/%d/children", pid, pid))
	for _, c := range strings.Fields(string(children)) {
		var child int
		fmt.Sscan(c, &child)
		uids = append(uids, processUIDs(t, child)...)
	}
	return uids
}

// TestStart_UnprivilegedOutside: when the node runs as root, the sandbox's
// processes are nobody on the host too; when the binaries are private to
// root, that is not possible, and a warning says so.
func TestStart_UnprivilegedOutside(t *testing.T) {
	if os.Geteuid() != 0 {
		// Not root: bwrap runs as the node's own unprivileged user, which is
		// what the root case below arranges; check that instead.
		p, _ := startRuntime(t, Config{})
		for _, uid := range processUIDs(t, p.Pid()) {
			if uid != fmt.Sprint(os.Geteuid()) {
				t.Fatalf("sandbox process runs as uid %s", uid)
			}
		}
		return
	}
	p, conn := startRuntime(t, Config{})
	uids := processUIDs(t, p.Pid())
	if len(uids) < 3 { // bwrap, its pid 1, the runtime
		t.Fatalf("found only %d sandbox processes", len(uids))
	}
	for _, uid := range uids {
		if uid != "65534" {
			t.Fatalf("a sandbox process runs as uid %s on the host: %v", uid, uids)
		}
	}
	if got := query(t, conn, "identity", ""); !strings.HasPrefix(got, "uid=65534 gid=65534 ") {
		t.Fatalf("identity inside: %q", got)
	}

	private := t.TempDir() // 0700, root's
	tramp := filepath.Join(private, "trampoline")
	data, err := os.ReadFile(testTrampoline)
	if err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(tramp, data, 0o755); err != nil {
		t.Fatal(err)
	}
	var logs bytes.Buffer
	p2, conn2 := startRuntime(t, Config{Trampoline: tramp, Logger: slog.New(slog.NewTextHandler(&logs, nil))})
	if !strings.Contains(logs.String(), "maps to root outside the sandbox") {
		t.Fatalf("no warning: %q", logs.String())
	}
	if uids := processUIDs(t, p2.Pid()); uids[0] != "0" {
		t.Fatalf("bwrap runs as %v", uids)
	}
	if got := query(t, conn2, "socket-inet", "1"); got != "operation not permitted" {
		t.Fatalf("root-mapped sandbox lets a socket through: %q", got)
	}
}
