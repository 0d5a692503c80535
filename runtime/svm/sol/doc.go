// Package sol owns the primitive values of the Solana-compatible runtime:
// public keys, hashes, signatures, accounts and their canonical encoding.
//
// It is a leaf package: it imports nothing of atoll, so the executor, the VM's
// program runtime, storage and RPC can all share these types without cycles.
package sol
