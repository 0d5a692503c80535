// Package staking owns token accounts of the consensus layer: general
// balances with nonces and allowances, escrow pools with shares and a
// debonding queue, slashing of escrow by reason, transaction fees, the
// common pool, and accounts owned by runtimes rather than by keys.
//
// A runtime account's address is derived from the runtime id under its own
// domain, so no private key controls it; only callers inside the consensus
// application (the roothash executing a runtime's messages) move its funds,
// through Transfer and Withdraw with the runtime's address as the source.
//
// Other services call the exported functions on the shared state (Slash,
// Escrow, ChargeFee, …); the Service type only adds transactions, queries
// and the epoch hook on top of them.
package staking
