// Package rpcnode owns serving the Solana JSON-RPC from a replicated node:
// it implements rpc.Backend over the node's compute worker and storage
// replica instead of a single-process bank.
//
// A Backend follows the rounds its replica finalizes. For each it reads the
// round's header from the roothash, the round's IO tree (every transaction
// and its full result) and its state diff, appends the block to a ledger
// (blocks, transactions with meta, signature and address indexes), moves its
// account view to the round's state root and publishes the round to
// websocket subscribers. Accounts are read from the MKVS state tree at the
// finalized root; program-account scans iterate that tree. sendTransaction
// runs the preflight, then hands the transaction to the compute worker's
// pool (which checks it in a batch and gossips it to the committee) and
// answers without waiting, as Agave answers once it forwarded to the
// leader; simulation runs the SVM engine, configured as the runtime
// configures it, over the finalized state without committing.
//
// Slots and commitment: a slot is a runtime round. The workers expose only
// finalized rounds (a round's results are not visible before the roothash
// finalizes it), so processed, confirmed and finalized are all the newest
// finalized round this node's replica applied. Slots advance while idle
// because schedulers propose empty batches. A block's hash is its roothash
// header hash: the runtime's recent blockhashes for round r+1 are the
// headers of rounds r, r-1, ..., r-149, so a blockhash of round r is valid
// through block height r+150, which is what lastValidBlockHeight says.
package rpcnode
