//go:build linux && (amd64 || arm64)

package sandbox

import "golang.org/x/sys/unix"

const auditArch = unix.AUDIT_ARCH_AARCH64

// x32SyscallBit is zero: arm64 has no second ABI sharing the arch value.
const x32SyscallBit = 0

// archAllowedSyscalls: arm64 has only the *at and p* spellings, already listed.
var archAllowedSyscalls = []uint32{}
