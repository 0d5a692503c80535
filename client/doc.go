// Package client owns atoll's Go client for the Solana JSON-RPC API as the
// rpc package serves it: typed calls, transaction confirmation by polling,
// and keypair files in solana-keygen's JSON format. The CLI's client verbs
// are built on it.
package client
