// Package beacon owns the consensus layer's per-epoch randomness, derived
// from ECVRF proofs (RFC 9381 edwards25519-SHA512-ELL2, curve25519-voi)
// that registered nodes submit during the preceding epoch.
//
// During epoch E every live node with a VRF key may submit one proof over
//
//	alpha(E+1) = sha512/256("atoll/beacon/alpha/v1" | chain context | u64be(E+1) | entropy(E))
//
// At the transition into E+1 the entropy is
//
//	entropy(E+1) = sha512/256("atoll/beacon/entropy/v1" | u64be(E+1) | for each proof in node-id order: node id | beta)
//
// if at least MinParticipants proofs arrived, and otherwise the fallback
// sha512/256("atoll/beacon/fallback/v1" | u64be(E+1) | entropy(E)), flagged
// insecure in the beacon event.
//
// Threat model. A VRF output is unique per (key, alpha): a node cannot grind
// alternative outputs, and alpha is fixed before the epoch starts, so no node
// learns others' outputs before they are public on chain. What a node CAN do
// is withhold its proof after seeing the others (the last-revealer problem):
// each withholding node that submits late gains one bit of choice, so k
// colluding nodes choose among 2^k entropies. Proposers can likewise censor
// proofs from the blocks they propose, with the same effect. Mitigations in
// scope here: proofs are accepted only during the epoch before they count,
// from registered, unexpired nodes, once per node; the scheduler applies
// per-runtime and per-role domain separation so one entropy cannot be tuned
// for every committee at once. Not in scope (documented gaps): slashing nodes
// that are elected but withheld their proof, and a commit–reveal phase. The
// fallback is fully predictable and exists only so that a network with too
// few nodes (a fresh devnet) keeps making progress; the event says so.
package beacon
