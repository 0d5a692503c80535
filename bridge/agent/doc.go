// Package agent owns the bridge's off-chain agents — updater, relayer,
// processor and watcher — and what they share: the configuration file, the
// local Pebble database each keeps across restarts, the view of a chain
// through its Solana JSON-RPC endpoint, the poll loop, structured logs and
// Prometheus metrics.
//
// A chain is an RPC URL and a domain id: agents read the bridge programs'
// events with getSignaturesForAddress and getTransaction, their state with
// getAccountInfo, and submit with sendTransaction. They import no node code.
//
// Quorum signing. Updaters meet over HTTP: each updater serves the update it
// signed for an old root at GET /v1/signed/{domain}/{oldRoot} and reads its
// peers' answers. One updater, the proposer, picks the new root (the newest
// queued root of the Home); the others adopt a peer's choice after checking
// that the root is queued on the Home. An updater writes the (old, new) pair
// to its database with fsync before it signs, and signs only that pair for
// that old root ever after, so it never equivocates across restarts. Any
// updater holding a threshold of member signatures submits the quorum update
// to the Home; the relayers read it from the Home's Update events. The chain
// is thus the only shared place an update must reach, and the exchange is
// needed only because a quorum must agree on one new root per old root.
package agent
