// Package hosted owns the Solana-compatible runtime as a process hosted by a
// node over the Runtime Host Protocol: it answers CheckTxBatch,
// ExecuteTxBatch and Query with the svm engine and its loaders, reading state
// only through what the host proves — the batch's prefetched values and one
// multi-key MKVS proof, plus proven reads for anything the prediction missed
// — and computes the new state and IO roots itself from a partial tree.
//
// It is what `atoll runtime svm` serves inside the sandbox. It trusts nothing
// from the host that a proof against the previous root does not vouch for.
package hosted
