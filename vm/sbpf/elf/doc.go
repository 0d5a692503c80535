// Package elf owns loading sBPF shared objects: it parses the ELF64 image
// the Solana toolchain (or atoll's own linker) produces, applies its
// relocations the way the network's loader does, lays out the read-only
// program region and hands the result to sbpf.NewProgram for verification.
//
// Accepted: ET_DYN, EM_BPF (247) or EM_SBPF (263), little-endian ELF64 with
// exactly one .text; .rodata, .data.rel.ro and .eh_frame are mapped
// read-only; relocations R_BPF_64_64, R_BPF_64_RELATIVE and R_BPF_64_32.
// Writable data (.bss, .data) is refused. Every malformed header, section or
// relocation is rejected with its own sentinel error; no input panics.
package elf
