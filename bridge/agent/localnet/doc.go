// Package localnet owns the bridge's local networks: a single-process chain
// (the devbank engine behind the rpc package's server on loopback) with the
// bridge programs registered for its domain and the bridge set up by
// transactions sent over its JSON-RPC, as an operator would: the Home with
// its updater set and bonds, the connection manager, one Replica per remote
// domain enrolled there, and watcher permissions. It also registers Inbox,
// a recipient that accepts any message from an enrolled Replica.
//
// `atoll bridge demo` and the agents' tests run on it; the agents themselves
// see only its RPC URL.
package localnet
