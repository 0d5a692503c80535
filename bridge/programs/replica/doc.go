// Package replica owns the Replica native program: the SVM wrapper of the
// pure bridge/replica state machine at address.Replica, one Replica per
// remote domain.
//
// Accounts (program addresses under address.Replica, domains big-endian):
//
//	["replica", remote]        the Replica's state (bridge/replica encoding)
//	["root", remote, root]     the history entry of an accepted root: the quorum
//	                           update that produced it and its confirmAt
//	["message", remote, leaf]  the status of a proven or processed message
//
// Time is the Clock sysvar's unix_timestamp, consensus time. A root is
// acceptable only with a history entry past its confirmAt on a Replica that
// is not halted; 0x0 never has an entry, nor has the committed root given at
// initialization, so nothing is proven against either.
//
// Delivery. process and proveAndProcess invoke the recipient program's handle
// instruction (package recipient) with the Replica's state account signing.
// Should the handler fail, the message stays proven and can be retried: if
// the failed handler left every account it was given as it found them (the
// runtime does not roll back a failed invocation on its own), the Replica
// records the message as proven, logs the failure and succeeds; if the
// handler changed anything before failing, or ran out of compute, the
// Replica fails the whole transaction, which undoes everything and leaves
// the message as it was before (proven, when it was proven earlier). A
// processed message is never processed again: it is marked processed before
// the handler runs, and the runtime forbids re-entering the Replica.
package replica
