// Package link owns atoll's static linker for stock clang output: it turns
// the ET_REL object that `clang -target bpf -O2 -c prog.c` writes (which
// Debian's lld cannot link for Solana) into an ET_DYN SBPFv0 shared object
// laid out the way Solana's loader expects.
//
// Output layout: ELF header, program headers (PT_LOAD text R+X, PT_LOAD
// read-only data R, PT_DYNAMIC), .text, .rodata (every .rodata* and
// .data.rel.ro* input merged), .dynamic, .dynsym, .dynstr, .rel.dyn,
// .shstrtab and the section header table. Every allocated section has its
// virtual address equal to its file offset, as the network's loader requires
// of deployed programs. Internal calls become pc-relative call immediates;
// calls to undefined symbols stay `call -1` with an R_BPF_64_32 dynamic
// relocation naming the syscall; addresses of data are resolved statically
// to their final virtual addresses in the program region (0x1_0000_0000).
//
// Writable globals (.data, .bss) cannot exist in sBPF and are rejected, as
// are 32-bit absolute relocations, which clang emits for -fPIC relative
// lookup tables that sBPF cannot express (compile with -fno-PIC).
package link
