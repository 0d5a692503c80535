// Package app owns the ABCI++ application that CometBFT runs: it decodes
// and authenticates transactions, charges fees, dispatches to services,
// isolates every transaction in its own state overlay, recovers handler
// panics into failed transactions, drives epoch transitions through the
// services in a fixed order, and commits each block to the state store.
//
// Services are pluggable: New takes the built-in services and any extra
// ones (the roothash, later) and runs their epoch hooks after the built-in
// ones, in the order given. The order is part of consensus.
package app
