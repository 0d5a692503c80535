// Package storage owns a node's copy of a runtime's state and IO trees as
// rounds finalize, and the storage-committee role.
//
// A Replica follows the finalized headers: results a node computed or was
// sent are verified (the write logs must lead from the previous finalized
// state root to the claimed roots) and stashed durably as candidates; when a
// header finalizes a round, the matching candidate is committed to the MKVS
// as the round's version, or, if the node holds none, the round's write logs
// are fetched from storage peers and verified against the header. A node
// with no state at all restores a checkpoint of the latest finalized state
// root. Candidates are stashed beside the MKVS, not in it, because a round's
// results are not final when a receipt is signed: a discrepancy may finalize
// other results (or none), and the MKVS keeps one linear history.
//
// Node (role.go) is the storage-committee role over a Replica: it signs a
// receipt for a round's results only after they are verified and synced to
// disk, and serves finalized diffs and checkpoints to peers.
package storage
