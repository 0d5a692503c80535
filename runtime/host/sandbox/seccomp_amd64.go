//go:build linux && (amd64 || arm64)

package sandbox

import "golang.org/x/sys/unix"

const auditArch = unix.AUDIT_ARCH_X86_64

// x32SyscallBit marks x32-ABI system call numbers on amd64.
const x32SyscallBit = 0x40000000

// archAllowedSyscalls are the amd64-only spellings of allowed calls.
var archAllowedSyscalls = []uint32{
	unix.SYS_ARCH_PRCTL, unix.SYS_OPEN, unix.SYS_STAT, unix.SYS_LSTAT, unix.SYS_ACCESS,
	unix.SYS_READLINK, unix.SYS_DUP2, unix.SYS_PIPE, unix.SYS_POLL, unix.SYS_SELECT,
	unix.SYS_EPOLL_WAIT, unix.SYS_EPOLL_CREATE, unix.SYS_GETDENTS, unix.SYS_TIME,
}
