// Package keccak owns the bridge's 32-byte digest type and the legacy
// Keccak-256 hash (the Ethereum variant, not FIPS SHA3-256) that Nomad uses for
// message leaves, Merkle nodes and signed digests.
//
// It is the bridge's leaf package: it imports nothing of atoll.
package keccak
