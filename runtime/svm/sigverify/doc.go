// Package sigverify owns transaction signature verification: ed25519 batch
// verification spread over all cores, with Solana's strict acceptance rules.
//
// Strictness. Like Solana's verify_strict, a signature is rejected when A
// (the public key) or R has small order, when A or R is not canonically
// encoded, or when S is not reduced. The verification equation is the
// cofactored one, because batch verification needs it: a signer could craft a
// signature whose R carries a torsion component that verify_strict's
// cofactorless equation would refuse. Acceptance is still the same on every
// node, and the runtime deduplicates by message hash as well as by signature,
// so such a variant of a signature cannot replay a transaction.
package sigverify
