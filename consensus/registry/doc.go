// Package registry owns the consensus layer's directory of who may do what:
// entities (ed25519 identities that stake and vouch for nodes), nodes (roles,
// runtimes served, consensus/p2p/TLS/VRF keys, addresses, expiry epoch, freeze
// status) and runtimes (executor and storage parameters, admission policy,
// genesis state root, deposit, slashing amounts, suspension status).
//
// Node registration is signed twice: the transaction by the entity and the
// descriptor by the node, so neither can enrol the other alone. It is
// refused unless the entity's escrow covers the stake claims of everything
// it has registered (staking thresholds plus runtime deposits). Expired
// nodes stay in state for the staking debonding interval, so faults they
// committed can still be slashed, and are then removed.
package registry
