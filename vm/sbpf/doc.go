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
//	reg := syscalls.NewRegistry()                     // plus the runtime's own syscalls
//	prog, err := elf.Load(image, reg)                 // parse, relocate, verify: plain, cacheable data
//	r0, used, err := sbpf.Run(prog, input, sbpf.RunOptions{Budget: units, Context: host})
//
// A Program is immutable after it is built and may be shared by concurrent
// Runs (Cache keeps them per deployment). Run never panics on a verified
// program; every abnormal stop is one of the fixed trap sentinels
// (ErrAccessViolation, ErrDivideByZero, ...) wrapped in a *Trap, or the error
// a syscall returned wrapped in a *SyscallError.
//
// Memory: the program region (read-only: text, rodata) at ProgramStart, the
// stack at StackStart (64 frames of 4 KiB; in v0 frames alternate with
// unmapped 4 KiB gaps and a call moves r10 two frames up), the heap at
// HeapStart (32 KiB by default, up to 256 KiB) and the serialized input at
// InputStart. Calls save r6-r9 and r10; at most 64 frames.
//
// Metering: every instruction costs one unit. The interpreter counts in a
// local variable and compares it with a local limit, reconciling with the
// machine's meter only when a syscall runs (which sees and charges the exact
// remaining units through Machine.Remaining and Machine.Consume) and when
// the program stops, so every program terminates within its budget.
//
// Supported versions, selected by the ELF e_flags: SBPFv0 (legacy), SBPFv1
// (dynamic stack frames, SIMD-0166) and SBPFv2 (PQR class, explicit sign
// extension, moved memory classes, no lddw/le/neg/classic mul-div-mod:
// SIMD-0173/0174). SBPFv3 and later (static syscalls, stricter ELF headers,
// jmp32) are rejected with ErrUnsupportedVersion.
package sbpf
