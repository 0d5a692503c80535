// Package runtime owns how a worker reaches its runtime: the Runtime
// interface (CheckTx and ExecuteTxBatch with the Runtime Host Protocol's
// inputs and outputs), its implementation over a supervised, sandboxed
// runtime process (runtime/host), and an in-process implementation that
// calls the same SVM runtime code (runtime/svm/hosted) directly and so
// produces the same write logs and roots, for deployments that trade
// isolation for speed, and for tests. Both answer the runtime's state reads
// from the worker's MKVS with proofs, and prefetch a batch's accounts with
// one multi-key proof.
package runtime
