// Package rpcnode owns serving the Solana JSON-RPC from a replicated node:
// it implements rpc.Backend over the node's compute worker and storage
// replica instead of a single-process bank.
//
// A Backend follows the rounds its replica finalizes. For each it reads the
// round's header (round 0's from the runtime descriptor, which is all it
// depends on) and the round's IO tree (every transaction and its result;
// from storage peers when the replica lacks it), appends the block to a ledger
// (blocks, transactions with meta, signature and address indexes), moves its
// account view to the round's state root and publishes the round to
// websocket subscribers. Accounts are read from the MKVS state tree at the
// finalized root; program-account scans iterate that tree. sendTransaction
// runs the preflight, then checks the transaction into the compute
// worker's pool (which verifies its signatures in a batch with whatever
// else is waiting and gossips it to the committee) and answers once the
// pool took it, as Agave answers once it forwarded to the leader;
// simulation runs the SVM engine, configured as the runtime configures
// it, over the finalized state without committing.
//
// Slots and commitment: a slot is a runtime round. Finalized is the newest
// round the roothash finalized and this node's replica applied. Confirmed
// is the same round: the roothash finalizes a round in the very consensus
// transaction whose commitment makes the committee agree, so no round is
// ever agreed and not yet finalized. Processed is the round after it when
// the replica holds that round's results, verified and stashed before
// finalization (this node executed them as a worker, or a worker handed
// them to it as a storage node) and only one candidate of them (several
// mean a discrepancy, which the backups settle): statuses, accounts,
// program accounts, getSlot and subscriptions at processed read it. Its
// block has no hash until its header is final, so blockhashes always come
// from finalized rounds. Slots advance while idle because schedulers
// propose empty batches. A block's hash is its roothash header hash: the
// runtime's recent blockhashes for round r+1 are the headers of rounds r,
// r-1, ..., r-149, so a blockhash of round r is valid through block height
// r+150, which is what lastValidBlockHeight says.
package rpcnode
