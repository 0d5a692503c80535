package sbpf

import (
	"errors"
	"fmt"
)

// Version is an sBPF instruction-set version, taken from the ELF e_flags.
type Version uint8

// The supported versions.
const (
	// V0 is the legacy format produced by every Solana toolchain to date and
	// by atoll's own linker.
	V0 Version = 0
	// V1 adds dynamic stack frames (SIMD-0166): no frame gaps, r10 starts at
	// the top of the stack and may be bumped with add64 r10, imm.
	V1 Version = 1
	// V2 adds the PQR class and explicit sign extension (SIMD-0174) and moves
	// the memory classes, dropping lddw, le, neg and the classic mul/div/mod
	// (SIMD-0173).
	V2 Version = 2
)

// ErrUnsupportedVersion is returned for e_flags naming a version this VM does
// not implement.
var ErrUnsupportedVersion = errors.New("sbpf: unsupported sBPF version")

// ParseVersion maps ELF e_flags to a Version.
func ParseVersion(eflags uint32) (Version, error) {
	if eflags > uint32(V2) {
		return 0, fmt.Errorf("%w: e_flags %d (supported: 0, 1, 2)", ErrUnsupportedVersion, eflags)
	}
	return Version(eflags), nil
}

func (v Version) String() string { return fmt.Sprintf("SBPFv%d", uint8(v)) }

// Feature predicates, named after what they change.

func (v Version) dynamicStackFrames() bool { return v == V1 || v == V2 }
func (v Version) stackFrameGaps() bool     { return v == V0 }
func (v Version) pqr() bool                { return v == V2 }
func (v Version) explicitSignExt() bool    { return v == V2 }
func (v Version) callxUsesSrc() bool       { return v == V2 }
