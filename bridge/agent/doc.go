// Package agent owns the bridge's off-chain agents — updater, relayer,
// processor and watcher — and what they share: the configuration file, the
// local Pebble database each keeps across restarts, the view of a chain
// through its Solana JSON-RPC endpoint, the poll loop, structured logs and
// Prometheus metrics.
//
// A chain is an RPC URL and a domain id: agents read the bridge programs'
// events with getSignaturesForAddress and getTransaction, their state with
// getAccountInfo, and submit with sendTransaction. They import no node code.
// They read at finalized commitment unless a chain is configured for
// confirmed (an atoll network's RPC serves only finalized rounds, at every
// level), send a transaction again while it is unconfirmed (a replicated
// network's pool may drop one), and treat a signature listed before its
// transaction can be read as a lagging node, never as a gap to skip. With
// poll_on_slot an agent also polls on every new slot of its chains
// (websocket root or slot notifications), so it reacts in the round its
// work appears; its interval stays the fallback.
// What an agent derives from events is stored in its database together with
// the cursor of the account it follows, in one synced batch, so a crash
// repeats a batch instead of losing it.
//
// Quorum signing. Updaters meet over HTTP: each updater serves the update it
// signed for an old root at GET /v1/signed/{domain}/{oldRoot} and reads its
// peers' answers. One updater, the proposer, picks the new root (the newest
// queued root of the Home); the others adopt a peer's choice after checking
// that the root is queued on the Home, since a quorum must agree on one new
// root per old root and an updater may sign only one. An updater writes the
// (old, new) pair to its database with fsync before it signs, and signs only
// that pair for that old root ever after, so it never equivocates across
// restarts. Within one poll an updater waits briefly (QuorumLinger) for the
// proposer's choice or the signatures that complete a quorum, so updaters
// woken by the same slot meet in it. Any updater holding a threshold of member signatures submits the
// quorum update to the Home; relayers read it from the Home's Update events,
// so the chain is the only place an update must reach. A proposer that is
// down stalls signing until it returns; it never causes a conflict.
//
// Watching. The watcher judges every update that lands on a Replica, and
// every signature the updaters serve, against the Home's accepted updates:
// a second new root for an old root the Home moved past is a double update
// (proven to the Home, which fails and slashes the signers of both, and to
// every Replica of that Home, which halts); a new root the Home never queued,
// from its committed root, is an improper update (proven to the Home). In
// both cases it unenrolls the Replicas of that Home through every connection
// manager with a failure notification it signs. An update it has not yet
// settled stays in its database until it has.
//
// Delivery. The processor proves each message against the newest root of
// the destination Replica's history that is past confirmAt and covers it,
// with proveAndProcess, or with prove and then process when one transaction
// cannot hold both; it lists the token bridge's accounts for transfers and
// none for other recipients, and honours allow and deny lists of recipients.
package agent
