// Package loader owns running sBPF programs inside the Solana-compatible
// runtime: the BPF loaders (deprecated, BPFLoader2 and the upgradeable
// loader) as native programs, the cache of verified programs, input
// serialization and write-back, the runtime's syscalls (cross-program
// invocation and sysvars) and the mapping of program results to
// instruction errors.
//
// It joins runtime/svm (accounts, policy, meter) to vm/sbpf (the machine),
// which know nothing of each other.
package loader
