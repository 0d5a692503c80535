//go:build linux && (amd64 || arm64)

package sandbox

import (
	"encoding/binary"
	"sort"

	"golang.org/x/sys/unix"
)

// allowedSyscalls are what a Go program (and, for a dynamically linked one,
// the dynamic loader) needs to run, talk over an inherited socket and read
// the files it can see. Anything absent fails with EPERM. Deliberately absent:
// socket, socketpair, connect, bind, listen, accept*, fork, vfork, clone3,
// memfd_create, ptrace, process_vm_*, mount, umount2, pivot_root, chroot,
// unshare, setns, kill, bpf, perf_event_open, io_uring_*, userfaultfd,
// keyctl, add_key, personality, init_module, reboot, and the *id setters.
var allowedSyscalls = []uint32{
	// Memory.
	unix.SYS_MMAP, unix.SYS_MUNMAP, unix.SYS_MPROTECT, unix.SYS_MREMAP, unix.SYS_MADVISE,
	unix.SYS_BRK, unix.SYS_MINCORE,
	// Threads, signals, scheduling, time.
	unix.SYS_FUTEX, unix.SYS_GETTID, unix.SYS_GETPID, unix.SYS_GETPPID, unix.SYS_TGKILL,
	unix.SYS_RT_SIGACTION, unix.SYS_RT_SIGPROCMASK, unix.SYS_RT_SIGRETURN, unix.SYS_SIGALTSTACK,
	unix.SYS_SCHED_YIELD, unix.SYS_SCHED_GETAFFINITY, unix.SYS_NANOSLEEP, unix.SYS_CLOCK_NANOSLEEP,
	unix.SYS_CLOCK_GETTIME, unix.SYS_CLOCK_GETRES, unix.SYS_GETTIMEOFDAY,
	unix.SYS_SET_TID_ADDRESS, unix.SYS_SET_ROBUST_LIST, unix.SYS_GET_ROBUST_LIST, unix.SYS_RSEQ,
	unix.SYS_TIMER_CREATE, unix.SYS_TIMER_SETTIME, unix.SYS_TIMER_GETTIME, unix.SYS_TIMER_DELETE,
	unix.SYS_EXIT, unix.SYS_EXIT_GROUP, unix.SYS_RESTART_SYSCALL,
	// bwrap's pid 1 runs under the filter too and reaps its child.
	unix.SYS_WAIT4, unix.SYS_WAITID,
	unix.SYS_GETRLIMIT, unix.SYS_PRLIMIT64, unix.SYS_GETRUSAGE, unix.SYS_SYSINFO, unix.SYS_UNAME,
	unix.SYS_GETUID, unix.SYS_GETEUID, unix.SYS_GETGID, unix.SYS_GETEGID, unix.SYS_GETGROUPS,
	unix.SYS_GETRANDOM, unix.SYS_PRCTL, unix.SYS_CAPGET,
	// Adding a filter can only narrow what is allowed; the trampoline adds one.
	unix.SYS_SECCOMP,
	// Files the sandbox shows (all read-only) and descriptors.
	unix.SYS_READ, unix.SYS_WRITE, unix.SYS_READV, unix.SYS_WRITEV, unix.SYS_PREAD64, unix.SYS_PWRITE64,
	unix.SYS_CLOSE, unix.SYS_OPENAT, unix.SYS_NEWFSTATAT, unix.SYS_FSTAT, unix.SYS_STATX,
	unix.SYS_LSEEK, unix.SYS_GETDENTS64, unix.SYS_READLINKAT, unix.SYS_FACCESSAT, unix.SYS_FACCESSAT2,
	unix.SYS_GETCWD, unix.SYS_FCNTL, unix.SYS_IOCTL, unix.SYS_DUP, unix.SYS_DUP3, unix.SYS_PIPE2,
	unix.SYS_FSYNC, unix.SYS_FDATASYNC, unix.SYS_CLOSE_RANGE,
	// Polling the inherited socket.
	unix.SYS_EPOLL_CREATE1, unix.SYS_EPOLL_CTL, unix.SYS_EPOLL_PWAIT, unix.SYS_EPOLL_PWAIT2,
	unix.SYS_EVENTFD2, unix.SYS_PPOLL, unix.SYS_PSELECT6,
	// I/O on the inherited socket; creating sockets stays denied.
	unix.SYS_SENDTO, unix.SYS_RECVFROM, unix.SYS_SENDMSG, unix.SYS_RECVMSG, unix.SYS_SHUTDOWN,
	unix.SYS_GETSOCKNAME, unix.SYS_GETPEERNAME, unix.SYS_GETSOCKOPT, unix.SYS_SETSOCKOPT,
	// Starting the program: bwrap execs the trampoline and the trampoline
	// execs the runtime. The trampoline's second filter denies both after.
	unix.SYS_EXECVE, unix.SYS_EXECVEAT,
}

// SyscallFilter returns the allowlist filter passed to bwrap: system calls
// of the native ABI on the allowlist pass, clone passes only when it creates
// a thread, clone3 fails with ENOSYS (so that C libraries fall back to clone,
// whose flags the filter can read), everything else fails with EPERM, and a
// call under a foreign ABI kills the process.
func SyscallFilter() []unix.SockFilter {
	nrs := append(append([]uint32(nil), allowedSyscalls...), archAllowedSyscalls...)
	sort.Slice(nrs, func(i, j int) bool { return nrs[i] < nrs[j] })
	prog := checkArch()
	// clone(flags, …): only threads. On amd64 and arm64 flags is args[0].
	prog = append(prog,
		jump(bpfJeqK, unix.SYS_CLONE, 0, 4),
		stmt(bpfLdWAbs, argLow(0)),
		jump(bpfJsetK, unix.CLONE_THREAD, 0, 1),
		stmt(bpfRetK, retAllow),
		stmt(bpfRetK, retEPERM),
		jump(bpfJeqK, unix.SYS_CLONE3, 0, 1),
		stmt(bpfRetK, retENOSYS),
	)
	// One compare and one return per system call: no jump is longer than
	// one instruction, whatever the length of the list.
	var last uint32 = 1 << 31
	for _, nr := range nrs {
		if nr == last {
			continue
		}
		last = nr
		prog = append(prog, jump(bpfJeqK, nr, 0, 1), stmt(bpfRetK, retAllow))
	}
	return append(prog, stmt(bpfRetK, retEPERM))
}

// execLockFD is the descriptor number from which the trampoline execs the
// runtime. It lies above the RLIMIT_NOFILE the trampoline sets, so that once
// the runtime runs (and the close-on-exec descriptor is gone) no descriptor
// with this number can exist again.
const execLockFD = 1000

// sandboxNoFile is the RLIMIT_NOFILE of the runtime; it must stay below
// execLockFD.
const sandboxNoFile = 512

// ExecLockFilter returns the filter the trampoline installs last: execve
// fails with EPERM, and execveat fails unless it is execveat(execLockFD, "",
// …, AT_EMPTY_PATH), the trampoline's own exec of the runtime.
func ExecLockFilter() []unix.SockFilter {
	prog := checkArch()
	return append(prog,
		jump(bpfJeqK, unix.SYS_EXECVE, 0, 1),
		stmt(bpfRetK, retEPERM),
		jump(bpfJeqK, unix.SYS_EXECVEAT, 0, 7),
		stmt(bpfLdWAbs, argLow(0)),
		jump(bpfJeqK, execLockFD, 0, 4),
		stmt(bpfLdWAbs, argHigh(0)),
		jump(bpfJeqK, 0, 0, 2),
		stmt(bpfLdWAbs, argLow(4)),
		jump(bpfJeqK, unix.AT_EMPTY_PATH, 1, 0),
		stmt(bpfRetK, retEPERM),
		stmt(bpfRetK, retAllow),
	)
}

// encodeFilter lays the program out as the kernel's struct sock_filter
// array, the format bwrap reads from its --seccomp descriptor:
//
//	+0 u16 code | +2 u8 jt | +3 u8 jf | +4 u32 k     (native byte order)
func encodeFilter(prog []unix.SockFilter) []byte {
	out := make([]byte, 0, 8*len(prog))
	for _, ins := range prog {
		out = binary.NativeEndian.AppendUint16(out, ins.Code)
		out = append(out, ins.Jt, ins.Jf)
		out = binary.NativeEndian.AppendUint32(out, ins.K)
	}
	return out
}
