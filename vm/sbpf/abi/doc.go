// Package abi owns the serialized program input: the byte layout a program
// finds at the input region (r1) — accounts, instruction data, program id —
// in the aligned format of BPFLoader2 and the upgradeable loader and the
// unaligned format of the deprecated loader, and the read-back of what the
// program changed (lamports, data and its length, owner).
//
// The package is shared by the runtime (invocation and CPI write-back) and by
// `atoll program run`.
package abi
