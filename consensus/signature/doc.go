// Package signature owns the ed25519 identities of the consensus layer:
// public keys as typed values, signers, and domain-separated signing so that
// a signature made for one purpose (a transaction, a node descriptor, a VRF
// key binding) can never be replayed as another.
package signature
