// Package backendtest owns the conformance suite for rpc.Backend: the
// properties every implementation (rpc/devbank, the replicated node) must
// have for Solana clients to work against it, checked through the Backend
// interface alone. An implementation runs it from its own tests with Run.
package backendtest
