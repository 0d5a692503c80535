// Package runtime owns how a worker reaches its runtime: the Runtime
// interface (CheckTx and ExecuteTxBatch with the Runtime Host Protocol's
// inputs and outputs), its implementation over a supervised, sandboxed
// runtime process (runtime/host), and an in-process implementation that runs
// the SVM engine directly on the worker's MKVS and produces the same write
// logs and roots, for deployments that trade isolation for speed and for
// tests.
//
// The IO tree of a round, which both implementations build the same way, is
// laid out in iotree.go.
package runtime
