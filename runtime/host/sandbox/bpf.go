//go:build linux && (amd64 || arm64)

package sandbox

import (
	"golang.org/x/sys/unix"
)

// Classic BPF opcodes used by the filters (linux/filter.h).
const (
	bpfLdWAbs = unix.BPF_LD | unix.BPF_W | unix.BPF_ABS
	bpfJeqK   = unix.BPF_JMP | unix.BPF_JEQ | unix.BPF_K
	bpfJgeK   = unix.BPF_JMP | unix.BPF_JGE | unix.BPF_K
	bpfJsetK  = unix.BPF_JMP | unix.BPF_JSET | unix.BPF_K
	bpfRetK   = unix.BPF_RET | unix.BPF_K
)

// Offsets into struct seccomp_data:
//
//	+0  int   nr
//	+4  u32   arch
//	+8  u64   instruction_pointer
//	+16 u64   args[6]
//
// Arguments are read 32 bits at a time; on the little-endian machines this
// package supports, the low half of args[i] is at 16+8i and the high half at
// 20+8i.
const (
	offNr   = 0
	offArch = 4
)

func argLow(i int) uint32  { return uint32(16 + 8*i) }
func argHigh(i int) uint32 { return uint32(20 + 8*i) }

// Filter return values.
const (
	retAllow       = unix.SECCOMP_RET_ALLOW
	retKillProcess = unix.SECCOMP_RET_KILL_PROCESS
	retEPERM       = unix.SECCOMP_RET_ERRNO | uint32(unix.EPERM)
	retENOSYS      = unix.SECCOMP_RET_ERRNO | uint32(unix.ENOSYS)
)

func stmt(code uint16, k uint32) unix.SockFilter { return unix.SockFilter{Code: code, K: k} }

func jump(code uint16, k uint32, jt, jf uint8) unix.SockFilter {
	return unix.SockFilter{Code: code, Jt: jt, Jf: jf, K: k}
}

// checkArch is the common prologue: a system call made under another ABI
// (i386 or x32 on amd64) would be checked against the wrong numbers, so it
// kills the process.
func checkArch() []unix.SockFilter {
	prog := []unix.SockFilter{
		stmt(bpfLdWAbs, offArch),
		jump(bpfJeqK, auditArch, 1, 0),
		stmt(bpfRetK, retKillProcess),
		stmt(bpfLdWAbs, offNr),
	}
	if x32SyscallBit != 0 {
		prog = append(prog,
			jump(bpfJgeK, x32SyscallBit, 0, 1),
			stmt(bpfRetK, retKillProcess),
		)
	}
	return prog
}
