// Package rpc owns atoll's Solana JSON-RPC service: the HTTP server that
// speaks Agave's JSON-RPC 2.0 dialect (method names, parameter forms, response
// shapes and error codes), the websocket PubSub server on port+1, and the
// Backend interface through which both read a node.
//
// The package holds no chain state and performs no execution: everything it
// reports comes from a Backend. A node (the devnet, a client-role node)
// implements Backend; rpc/devbank is a complete single-node implementation.
// Handlers recover from panics per request, so no input can take the server
// down.
package rpc
