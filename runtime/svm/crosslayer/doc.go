// Package crosslayer owns moving value between the runtime and the consensus
// layer: the native program through which a user withdraws lamports to a
// consensus account, and the runtime messages that carry the withdrawal out.
//
// Value is conserved across the layers. A withdrawal sends lamports to the
// incinerator (burned at the end of the batch) and emits a staking transfer
// of the same amount out of the runtime's consensus account, which the
// consensus layer executes once the block is finalized. A deposit goes the
// other way: the consensus layer moves tokens into the runtime's account and
// queues a deposit, which the next batch credits inside the runtime
// (svm.BlockContext.Deposits). One lamport is one consensus base unit.
package crosslayer
