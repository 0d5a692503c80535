// Package sbpf owns the sBPF virtual machine: instructions as typed values, the
// verifier, the interpreter with its compute meter, memory regions and the
// syscall registry.
//
// The package knows nothing of accounts, transactions or chains. Syscalls
// that need them (cross-program invocation, sysvars) are registered by the
// runtime through a Registry; the account-independent ones live in the
// syscalls sub-package, the aligned input serializer in abi, the ELF loader
// in elf and the linker for stock clang objects in link.
//
// The public surface is small, wazero-style:
//
//	prog, err := elf.Load(image, registry)          // parse, relocate, verify: plain, cacheable data
//	r0, used, err := sbpf.Run(prog, input, opts)     // execute with a budget of compute units
//
// A Program is immutable after it is built and may be shared by concurrent
// Runs. Run never panics on any verified program; every failure is one of the
// fixed trap sentinels (ErrAccessViolation, ErrDivideByZero, ...) wrapped in a
// *Trap, or the error a syscall returned.
//
// Supported versions, selected by the ELF e_flags: SBPFv0 (legacy), SBPFv1
// (dynamic stack frames, SIMD-0166) and SBPFv2 (arithmetic and encoding
// changes, SIMD-0173/0174). SBPFv3 and later (static syscalls, stricter ELF
// headers, jmp32) are rejected with ErrUnsupportedVersion.
package sbpf
