// Package worker owns assembling a node's compute and storage roles for
// one runtime: it opens the node's MKVS for the runtime, starts the
// runtime (sandboxed process or in-process SVM), the transaction pool, the
// P2P endpoint (keyed by the node's registered P2P key, admitting only
// registered nodes' P2P keys), the submission endpoint, and returns the
// node.Components that run the roles inside a node process.
//
// Sub-packages: p2p (transport), txpool, runtime (the Runtime interface and
// its implementations), storage (replica, storage role, challenges),
// compute (executor role), submit (submission API) and client (its Go
// client).
package worker
