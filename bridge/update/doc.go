// Package update owns what updaters and watchers sign: Nomad's update digest
// over (home domain, old root, new root), failure notifications, their
// secp256k1 signatures recoverable to Ethereum-style addresses, and atoll's
// updater quorum (a threshold of a fixed updater set).
//
// Digests and signatures are byte-compatible with Nomad, so a single-updater
// atoll update verifies under Nomad's formats and Nomad's vectors verify here.
// Verification is strict where Nomad's was lax: only v ∈ {27, 28} and low-s
// signatures are accepted, so no signature has a second valid encoding.
// The package is pure; it reads no clock and keeps no state.
package update
