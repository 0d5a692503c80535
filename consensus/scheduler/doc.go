// Package scheduler owns committee elections: at every epoch transition it
// elects, per runtime, the executor committee (workers and backup workers)
// and the storage committee, and suspends runtimes that cannot form them or
// whose owner no longer covers its stake, resuming them when both are fixed.
//
// An election is a pure function (Elect) of the beacon entropy, the epoch,
// the runtime, the role and the sorted list of eligible candidates: a
// Fisher–Yates shuffle driven by ChaCha8 seeded with
//
//	sha512/256("atoll/scheduler/v1" | entropy | u64be(epoch) | runtime id | role)
//
// so that each runtime and each role draws from an independent stream.
// Candidates are walked in shuffled order, skipping an entity once it has
// MaxNodesPerEntity members in the committee. With StakeWeighted the order
// is instead a sample without replacement proportional to each entity's
// escrow, in integer arithmetic on the same stream. Eligible means: registered for
// the runtime with the role's node role, not expired, not frozen, and with an
// entity whose escrow covers its stake claim.
package scheduler
