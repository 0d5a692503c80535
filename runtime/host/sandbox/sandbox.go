//go:build linux && (amd64 || arm64)

package sandbox

import (
	"debug/elf"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"os"
	"os/exec"
	"path/filepath"
	"syscall"

	"golang.org/x/sys/unix"
)

// Errors of starting a runtime.
var (
	ErrNoBwrap = errors.New("sandbox: bubblewrap (bwrap) not found; install the Debian package bubblewrap (apt-get install bubblewrap) or run with --unsafe-no-sandbox")
	ErrStart   = errors.New("sandbox: cannot start runtime")
)

// Paths inside the sandbox.
const (
	runtimePath    = "/rt/runtime"
	trampolinePath = "/rt/trampoline"
	// rhpFD is the runtime's end of the socket pair: the first descriptor
	// after stdio. bwrap's --seccomp descriptor follows it.
	rhpFD     = 3
	seccompFD = 4
)

// Config describes a runtime to start.
type Config struct {
	// Binary is the runtime executable on the host.
	Binary string
	// Args follow argv[0].
	Args []string
	// Env holds KEY=VALUE pairs for the runtime; nothing else of the host's
	// environment reaches it except ATOLL_RHP_FD.
	Env []string
	// MemoryLimit, when not zero, is the runtime's address-space limit
	// (RLIMIT_AS) in bytes: an allocation beyond it fails, and a Go runtime
	// dies of it, instead of the node running out of memory. The Go
	// runtime reserves about 700 MiB of address space at start, so a Go
	// runtime needs at least 1 GiB plus its heap.
	MemoryLimit uint64
	// Unsafe runs the runtime directly, without namespaces or seccomp, for
	// debugging (--unsafe-no-sandbox). A warning is logged on every start.
	Unsafe bool
	// Bwrap is the bwrap executable; empty means "bwrap" from PATH.
	Bwrap string
	// Trampoline is the executable re-run inside the sandbox to start the
	// runtime; empty means this process's own executable. It must import
	// this package.
	Trampoline string
	// Stdout and Stderr receive the runtime's output; nil discards it.
	Stdout, Stderr io.Writer
	// Logger receives the unsafe-mode warning; nil discards.
	Logger *slog.Logger
}

// Process is a started runtime. The host talks to it over Conn and ends it
// with Kill; Done is closed once it has exited.
type Process struct {
	// Conn is the host's end of the socket pair, non-blocking, owned by the
	// caller (close it, or hand it to an rhp.Conn that will).
	Conn *os.File

	cmd     *exec.Cmd
	unsafe  bool
	done    chan struct{}
	waitErr error
}

// Pid is the process id of bwrap (or, unsafe, of the runtime) on the host.
func (p *Process) Pid() int { return p.cmd.Process.Pid }

// Done is closed when the process has exited.
func (p *Process) Done() <-chan struct{} { return p.done }

// ExitErr is how the process ended; valid after Done is closed.
func (p *Process) ExitErr() error { <-p.done; return p.waitErr }

// Kill ends the runtime and everything it started, and waits for it. bwrap
// dies with SIGKILL; its --die-with-parent takes the sandbox's pid 1 down,
// and the pid namespace dies with it. In unsafe mode the runtime's process
// group is killed.
func (p *Process) Kill() {
	if p.unsafe {
		_ = syscall.Kill(-p.cmd.Process.Pid, syscall.SIGKILL)
	} else {
		_ = p.cmd.Process.Kill()
	}
	<-p.done
}

// Start starts the runtime described by cfg. The runtime's end of the socket
// pair is its descriptor 3, named by ATOLL_RHP_FD.
func Start(cfg Config) (*Process, error) {
	log := cfg.Logger
	if log == nil {
		log = slog.New(slog.DiscardHandler)
	}
	binary, err := filepath.Abs(cfg.Binary)
	if err != nil {
		return nil, fmt.Errorf("%w: %v", ErrStart, err)
	}
	if st, err := os.Stat(binary); err != nil || !st.Mode().IsRegular() || st.Mode()&0o111 == 0 {
		return nil, fmt.Errorf("%w: %s is not an executable file", ErrStart, cfg.Binary)
	}
	fds, err := unix.Socketpair(unix.AF_UNIX, unix.SOCK_STREAM|unix.SOCK_CLOEXEC, 0)
	if err != nil {
		return nil, fmt.Errorf("%w: socketpair: %v", ErrStart, err)
	}
	if err := unix.SetNonblock(fds[0], true); err != nil {
		unix.Close(fds[0])
		unix.Close(fds[1])
		return nil, fmt.Errorf("%w: %v", ErrStart, err)
	}
	hostEnd := os.NewFile(uintptr(fds[0]), "rhp-host")
	runtimeEnd := os.NewFile(uintptr(fds[1]), "rhp-runtime")
	defer runtimeEnd.Close() // the child has its copy

	var cmd *exec.Cmd
	if cfg.Unsafe {
		log.Warn("runtime sandbox disabled (--unsafe-no-sandbox): the runtime runs with this node's privileges, filesystem and network", "binary", binary)
		cmd = exec.Command(binary, cfg.Args...)
		cmd.Env = append([]string{fmt.Sprintf("ATOLL_RHP_FD=%d", rhpFD)}, cfg.Env...)
		cmd.ExtraFiles = []*os.File{runtimeEnd}
		cmd.SysProcAttr = &syscall.SysProcAttr{Setpgid: true, Pdeathsig: syscall.SIGKILL}
	} else {
		cmd, err = bwrapCommand(cfg, log, binary, runtimeEnd)
		if err != nil {
			hostEnd.Close()
			return nil, err
		}
	}
	cmd.Stdin = nil
	cmd.Stdout, cmd.Stderr = cfg.Stdout, cfg.Stderr
	if err := cmd.Start(); err != nil {
		hostEnd.Close()
		closeExtra(cmd)
		return nil, fmt.Errorf("%w: %v", ErrStart, err)
	}
	closeExtra(cmd)
	p := &Process{Conn: hostEnd, cmd: cmd, unsafe: cfg.Unsafe, done: make(chan struct{})}
	go func() {
		p.waitErr = cmd.Wait()
		close(p.done)
	}()
	return p, nil
}

// closeExtra closes the parent's copies of the seccomp pipe.
func closeExtra(cmd *exec.Cmd) {
	for _, f := range cmd.ExtraFiles[1:] {
		f.Close()
	}
}

func bwrapCommand(cfg Config, log *slog.Logger, binary string, runtimeEnd *os.File) (*exec.Cmd, error) {
	bwrap := cfg.Bwrap
	if bwrap == "" {
		bwrap = "bwrap"
	}
	bwrapPath, err := exec.LookPath(bwrap)
	if err != nil {
		return nil, ErrNoBwrap
	}
	tramp := cfg.Trampoline
	if tramp == "" {
		if tramp, err = os.Executable(); err != nil {
			return nil, fmt.Errorf("%w: finding the trampoline: %v", ErrStart, err)
		}
	}
	dynamic := false
	for _, exe := range []string{binary, tramp} {
		d, err := isDynamic(exe)
		if err != nil {
			return nil, fmt.Errorf("%w: %v", ErrStart, err)
		}
		dynamic = dynamic || d
	}
	// The filter goes through a pipe: it is a few kilobytes, well under the
	// pipe buffer, so it is written whole before bwrap starts.
	r, w, err := os.Pipe()
	if err != nil {
		return nil, fmt.Errorf("%w: %v", ErrStart, err)
	}
	_, err = w.Write(encodeFilter(SyscallFilter()))
	w.Close()
	if err != nil {
		r.Close()
		return nil, fmt.Errorf("%w: writing the seccomp filter: %v", ErrStart, err)
	}
	env := cfg.Env
	if cfg.MemoryLimit != 0 {
		env = append(append([]string(nil), env...), fmt.Sprintf("%s=%d", memoryLimitEnv, cfg.MemoryLimit))
	}
	args := bwrapArgs(binary, tramp, dynamic, env)
	args = append(args, cfg.Args...)
	cmd := exec.Command(bwrapPath, args...)
	cmd.Env = []string{} // bwrap's own environment; the runtime's is set by --setenv
	cmd.ExtraFiles = []*os.File{runtimeEnd, r}
	cmd.SysProcAttr = &syscall.SysProcAttr{Pdeathsig: syscall.SIGKILL}
	if os.Geteuid() == 0 {
		// bwrap started by root maps the sandbox's user to root outside.
		// Started as nobody, it maps it to nobody, which is what a sandbox
		// should be; that needs the binaries to be reachable by others.
		if othersCanRun(binary) && othersCanRun(tramp) {
			cmd.SysProcAttr.Credential = &syscall.Credential{Uid: nobody, Gid: nobody, Groups: []uint32{}}
		} else {
			log.Warn("runtime sandbox user maps to root outside the sandbox (still without capabilities); make the runtime binary and this executable, and their directories, readable and executable by others to run it as nobody",
				"binary", binary, "trampoline", tramp)
		}
	}
	return cmd, nil
}

// nobody is the user and group the sandbox runs as, inside and, when the
// node runs as root, outside.
const nobody = 65534

// othersCanRun reports whether a user with no relation to path's owners can
// reach, read and execute it: every directory on the way searchable by
// others, the file readable and executable by others.
func othersCanRun(path string) bool {
	real, err := filepath.EvalSymlinks(path)
	if err != nil {
		return false
	}
	st, err := os.Stat(real)
	if err != nil || st.Mode().Perm()&0o005 != 0o005 {
		return false
	}
	for dir := filepath.Dir(real); ; dir = filepath.Dir(dir) {
		st, err := os.Stat(dir)
		if err != nil || st.Mode().Perm()&0o001 == 0 {
			return false
		}
		if dir == "/" {
			return true
		}
	}
}

// bwrapArgs lays out the sandbox; the runtime's own arguments follow.
func bwrapArgs(binary, trampoline string, dynamic bool, env []string) []string {
	args := []string{
		"--unshare-user", "--unshare-pid", "--unshare-net", "--unshare-ipc", "--unshare-uts",
		"--unshare-cgroup-try", "--disable-userns",
		"--uid", fmt.Sprint(nobody), "--gid", fmt.Sprint(nobody), "--hostname", "atoll-runtime",
		"--die-with-parent", "--new-session", "--cap-drop", "ALL",
		"--clearenv",
		"--setenv", "ATOLL_RHP_FD", fmt.Sprint(rhpFD),
		"--setenv", trampolineEnv, "1",
	}
	for _, kv := range env {
		k, v, _ := cutEnv(kv)
		args = append(args, "--setenv", k, v)
	}
	args = append(args,
		"--ro-bind", binary, runtimePath,
		"--ro-bind", trampoline, trampolinePath,
		// No /proc: a Go program does not need it, and its /proc/sys would
		// let a sandbox user that maps to the host's root change host-wide
		// settings such as kernel.core_pattern.
		"--dev", "/dev",
	)
	if dynamic {
		args = append(args, systemLibArgs()...)
	}
	return append(args,
		// bwrap's /dev is a writable tmpfs of its own; the root's
		// read-only remount does not reach it.
		"--remount-ro", "/dev",
		"--remount-ro", "/",
		"--chdir", "/",
		"--seccomp", fmt.Sprint(seccompFD),
		"--", trampolinePath, runtimePath,
	)
}

func cutEnv(kv string) (string, string, bool) {
	for i := 0; i < len(kv); i++ {
		if kv[i] == '=' {
			return kv[:i], kv[i+1:], true
		}
	}
	return kv, "", false
}

// systemLibArgs exposes, read-only, what the dynamic loader needs: the
// library directories (not /usr/bin) and the loader cache. Top-level
// symlinks such as /lib -> usr/lib are recreated as symlinks.
func systemLibArgs() []string {
	var args []string
	for _, dir := range []string{"/usr/lib", "/usr/lib64", "/lib", "/lib64", "/etc/ld.so.cache"} {
		st, err := os.Lstat(dir)
		if err != nil {
			continue
		}
		if st.Mode()&os.ModeSymlink != 0 {
			if target, err := os.Readlink(dir); err == nil {
				args = append(args, "--symlink", target, dir)
			}
			continue
		}
		args = append(args, "--ro-bind", dir, dir)
	}
	return args
}

// isDynamic reports whether an ELF executable needs the dynamic loader.
func isDynamic(path string) (bool, error) {
	f, err := elf.Open(path)
	if err != nil {
		return false, fmt.Errorf("%s: not an ELF executable: %w", path, err)
	}
	defer f.Close()
	for _, p := range f.Progs {
		if p.Type == elf.PT_INTERP {
			return true, nil
		}
	}
	return false, nil
}

// CheckBwrap returns ErrNoBwrap when the bwrap executable (empty means
// "bwrap" from PATH) cannot be found, so that a node fails at start with one
// clear line instead of at its first runtime start.
func CheckBwrap(bwrap string) error {
	if bwrap == "" {
		bwrap = "bwrap"
	}
	if _, err := exec.LookPath(bwrap); err != nil {
		return ErrNoBwrap
	}
	return nil
}
