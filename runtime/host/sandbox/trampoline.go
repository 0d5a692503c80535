//go:build linux && (amd64 || arm64)

package sandbox

import (
	"fmt"
	"os"
	"runtime"
	"strconv"
	"strings"
	"syscall"
	"unsafe"

	"golang.org/x/sys/unix"
)

// trampolineEnv marks a process started by bwrap as this package's trampoline.
const trampolineEnv = "ATOLL_SANDBOX_TRAMPOLINE"

// memoryLimitEnv carries Config.MemoryLimit to the trampoline.
const memoryLimitEnv = "ATOLL_SANDBOX_RLIMIT_AS"

// Why a trampoline: a seccomp filter is stateless, so the filter bwrap
// installs cannot tell bwrap's own execve of the program (which it must
// allow) from a later execve by the program. The trampoline is trusted code
// that runs as that program: it opens the runtime binary close-on-exec at
// descriptor execLockFD, lowers RLIMIT_NOFILE below execLockFD, installs
// ExecLockFilter and execs the runtime with execveat(execLockFD, "", …,
// AT_EMPTY_PATH). After that exec the descriptor is closed and can never be
// recreated, execve is denied, and execveat passes only with that
// descriptor: no exec is possible for the rest of the sandbox's life.

func init() {
	if os.Getenv(trampolineEnv) != "1" {
		return
	}
	if err := trampoline(os.Args[1:]); err != nil {
		fmt.Fprintf(os.Stderr, "sandbox trampoline: %v\n", err)
	}
	os.Exit(126)
}

// trampoline execs argv[0] as described above; it returns only on failure.
func trampoline(argv []string) error {
	if len(argv) == 0 {
		return fmt.Errorf("no runtime to start")
	}
	runtime.LockOSThread()
	fd, err := unix.Open(argv[0], unix.O_RDONLY|unix.O_CLOEXEC, 0)
	if err != nil {
		return fmt.Errorf("opening %s: %w", argv[0], err)
	}
	if err := unix.Dup3(fd, execLockFD, unix.O_CLOEXEC); err != nil {
		return fmt.Errorf("moving the runtime to fd %d: %w", execLockFD, err)
	}
	unix.Close(fd)
	// Descriptors the host process inherited without close-on-exec (from a
	// shell, a service manager, the go tool) pass through bwrap; none but
	// stdio and the RHP socket may reach the runtime.
	if err := unix.CloseRange(rhpFD+1, execLockFD-1, unix.CLOSE_RANGE_CLOEXEC); err != nil {
		return fmt.Errorf("marking inherited descriptors close-on-exec: %w", err)
	}
	if err := unix.CloseRange(execLockFD+1, ^uint(0)>>1, unix.CLOSE_RANGE_CLOEXEC); err != nil {
		return fmt.Errorf("marking inherited descriptors close-on-exec: %w", err)
	}
	lim := unix.Rlimit{Cur: sandboxNoFile, Max: sandboxNoFile}
	if err := unix.Setrlimit(unix.RLIMIT_NOFILE, &lim); err != nil {
		return fmt.Errorf("limiting descriptors: %w", err)
	}
	if err := unix.Prctl(unix.PR_SET_NO_NEW_PRIVS, 1, 0, 0, 0); err != nil {
		return fmt.Errorf("no_new_privs: %w", err)
	}
	if err := installFilter(ExecLockFilter()); err != nil {
		return fmt.Errorf("exec lock filter: %w", err)
	}
	var env []string
	for _, kv := range os.Environ() {
		if !strings.HasPrefix(kv, trampolineEnv+"=") && !strings.HasPrefix(kv, memoryLimitEnv+"=") {
			env = append(env, kv)
		}
	}
	argvp, err := syscall.SlicePtrFromStrings(argv)
	if err != nil {
		return err
	}
	envp, err := syscall.SlicePtrFromStrings(env)
	if err != nil {
		return err
	}
	empty, _ := syscall.BytePtrFromString("")
	// Last, so that the trampoline itself needs no memory under the limit.
	if s := os.Getenv(memoryLimitEnv); s != "" {
		n, err := strconv.ParseUint(s, 10, 64)
		if err != nil {
			return fmt.Errorf("%s=%q: %w", memoryLimitEnv, s, err)
		}
		if err := unix.Setrlimit(unix.RLIMIT_AS, &unix.Rlimit{Cur: n, Max: n}); err != nil {
			return fmt.Errorf("limiting memory: %w", err)
		}
	}
	_, _, errno := unix.RawSyscall6(unix.SYS_EXECVEAT, execLockFD, uintptr(unsafe.Pointer(empty)),
		uintptr(unsafe.Pointer(&argvp[0])), uintptr(unsafe.Pointer(&envp[0])), unix.AT_EMPTY_PATH, 0)
	return fmt.Errorf("exec %s: %w", argv[0], errno)
}

// installFilter loads prog for every thread of the process.
func installFilter(prog []unix.SockFilter) error {
	fprog := unix.SockFprog{Len: uint16(len(prog)), Filter: &prog[0]}
	_, _, errno := unix.RawSyscall(unix.SYS_SECCOMP, unix.SECCOMP_SET_MODE_FILTER,
		unix.SECCOMP_FILTER_FLAG_TSYNC, uintptr(unsafe.Pointer(&fprog)))
	if errno != 0 {
		return errno
	}
	return nil
}
