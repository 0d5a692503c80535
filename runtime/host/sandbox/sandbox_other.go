//go:build !(linux && (amd64 || arm64))

package sandbox

import (
	"errors"
	"io"
	"log/slog"
	"os"
)

// ErrNoBwrap matches the Linux build's error.
var ErrNoBwrap = errors.New("sandbox: bubblewrap (bwrap) not found; install the Debian package bubblewrap (apt-get install bubblewrap) or run with --unsafe-no-sandbox")

// ErrUnsupported is returned by Start on platforms without the sandbox.
var ErrUnsupported = errors.New("sandbox: runtimes can only be sandboxed on linux/amd64 and linux/arm64")

// Config mirrors the Linux build's Config.
type Config struct {
	Binary, Bwrap, Trampoline string
	Args, Env                 []string
	Unsafe                    bool
	MemoryLimit               uint64
	Stdout, Stderr            io.Writer
	Logger                    *slog.Logger
}

// Process mirrors the Linux build's Process.
type Process struct{ Conn *os.File }

// Pid, Done, ExitErr and Kill are never reached: Start always fails here.
func (p *Process) Pid() int              { return 0 }
func (p *Process) Done() <-chan struct{} { return nil }
func (p *Process) ExitErr() error        { return ErrUnsupported }
func (p *Process) Kill()                 {}

// Start fails: the sandbox needs Linux namespaces and seccomp.
func Start(Config) (*Process, error) { return nil, ErrUnsupported }

// CheckBwrap fails: there is no sandbox on this platform.
func CheckBwrap(string) error { return ErrUnsupported }
