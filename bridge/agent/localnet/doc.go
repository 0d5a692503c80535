// Package localnet owns the bridge's local networks and their setup: a
// network is either a real atoll network — an `atoll devnet` child process
// (Devnet: CometBFT, the consensus application, a compute committee and
// the sandboxed SVM runtime) started with the bridge domain and admin in
// its runtime configuration and the Inbox as an sBPF program built from C
// — or a single-process devbank chain on loopback with the bridge programs
// and a native Inbox registered for its domain. Either way the bridge is
// set up by transactions the admin signs over the network's JSON-RPC, as an
// operator would: the Home with its updater set and bonds, the connection
// manager, one Replica per remote domain enrolled there, and watcher
// permissions. Inbox is a recipient that accepts any message from an
// enrolled Replica and logs it.
//
// `atoll bridge demo` and the agents' tests run on it; the agents themselves
// see only its RPC URLs.
package localnet
