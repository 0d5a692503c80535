// Package e2e owns the end-to-end tests of the bridge programs: two
// independent networks (domains 1000 and 2000), each an SVM executor with its
// own store and clock, with the Home, Replica, connection manager, token and
// token bridge programs, and messages, updates and fraud proofs carried
// between them by the test as the off-chain agents will. It holds tests and
// benchmarks only.
package e2e
