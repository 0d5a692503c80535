// Package syscalls owns the account-independent sBPF syscalls — abort and
// panic, logging, memory operations, hashing, secp256k1 recovery, program
// addresses, return data, the heap allocator, stack height and the compute
// meter — with Solana's compute costs.
//
// They reach the embedding runtime only through the Host interface, which
// the runtime passes as sbpf.RunOptions.Context. Syscalls that need accounts
// or sysvars (sol_invoke_signed_*, sol_get_*_sysvar) are the runtime's to
// register; RuntimeNames lists them and RegisterUnavailable fills them with
// stubs that fail cleanly, for running programs outside a chain.
package syscalls
