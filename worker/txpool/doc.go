// Package txpool owns a compute node's pending runtime transactions: it
// admits a transaction only after the runtime's CheckTx accepts it, keeps
// each transaction once (by the SHA-256 of its bytes), bounds its size by
// evicting the lowest-priority transactions (priority is the runtime's
// CheckTxResult.Priority, the fee), selects batches for the round's
// scheduler, forgets transactions once a finalized round included them, and
// rechecks pending ones on request to forget those the runtime now refuses
// (an expired blockhash).
package txpool
