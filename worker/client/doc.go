// Package client is the Go client of a node's submission API
// (worker/submit): it submits a runtime transaction and waits until the
// round that includes it is finalized, returning its result.
package client
