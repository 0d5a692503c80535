// Package replica owns the rules of a Replica, the receiving side of the
// bridge for one remote Home: quorum-signed updates with a root history,
// the optimistic period, proving message leaves, processing each proven
// message exactly once, and double-update fraud proofs from anyone that halt
// it at once.
//
// The August 2022 Nomad theft is excluded by construction: a root is
// acceptable only if it has a history entry holding the quorum update that
// produced it, 0x0 never does, the initial committed root has none, a
// message's status records the root it was proven under and is rechecked
// at processing, and nothing is acceptable once the Replica halts.
//
// It is a pure state machine, independent of the SVM. Time is an argument
// (the Clock sysvar's unix timestamp), never read from a clock. Per-root and
// per-message records live behind Store, so that the native-program wrapper
// can keep each in its own account; MemStore is the in-memory Store with a
// canonical encoding. A method that returns an error has written nothing,
// except where its documentation says so.
package replica
