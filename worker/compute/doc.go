// Package compute owns the executor role of a compute node for one runtime:
// it follows finalized runtime headers and committees, proposes batches
// when its rank makes it a round's scheduler, executes accepted proposals
// through the runtime, gathers storage receipts, signs and submits executor
// commitments, re-executes as a backup worker when the roothash declares a
// discrepancy, reports runtime failures with failure-indicating
// commitments, applies finalized rounds to the node's MKVS, hands the
// pending transactions of a node outside the executor committee to the
// committee (handoff.go), and submits the evidence when a scheduler signs
// two proposals for one round (evidence.go). It also
// serves the node-side submission API: a runtime transaction in, its result
// out once the round that included it is finalized.
//
// The protocol it follows is docs/replication.md. What it needs of the
// consensus layer is the Chain interface (chain.go); HostChain implements
// it over a node.Host.
package compute
