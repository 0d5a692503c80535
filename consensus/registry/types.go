package registry

import (
	"encoding/hex"
	"fmt"
	"net"
	"slices"

	"github.com/atoll-dev/atoll/consensus/signature"
	"github.com/atoll-dev/atoll/consensus/staking"
)

// RuntimeID identifies a runtime. Text form is hex.
type RuntimeID [32]byte

func (id RuntimeID) String() string { return hex.EncodeToString(id[:]) }

// MarshalText implements encoding.TextMarshaler.
func (id RuntimeID) MarshalText() ([]byte, error) { return []byte(id.String()), nil }

// UnmarshalText implements encoding.TextUnmarshaler.
func (id *RuntimeID) UnmarshalText(b []byte) error {
	if len(b) != 64 {
		return fmt.Errorf("registry: runtime id must be 64 hex characters, got %d", len(b))
	}
	_, err := hex.Decode(id[:], b)
	if err != nil {
		return fmt.Errorf("registry: runtime id: %v", err)
	}
	return nil
}

// Role is a node role.
type Role string

// Node roles.
const (
	RoleValidator Role = "validator"
	RoleCompute   Role = "compute"
	RoleStorage   Role = "storage"
	RoleClient    Role = "client"
)

func (r Role) threshold() (staking.ThresholdKind, bool) {
	switch r {
	case RoleValidator:
		return staking.KindNodeValidator, true
	case RoleCompute:
		return staking.KindNodeCompute, true
	case RoleStorage:
		return staking.KindNodeStorage, true
	}
	return "", false
}

// Entity is a staking identity that vouches for nodes.
type Entity struct {
	ID    signature.PublicKey   `cbor:"id" json:"id"`
	Nodes []signature.PublicKey `cbor:"nodes" json:"nodes"`
}

// Vouches reports whether e lists node.
func (e *Entity) Vouches(node signature.PublicKey) bool { return slices.Contains(e.Nodes, node) }

// ConsensusInfo is a node's CometBFT identity.
type ConsensusInfo struct {
	ID      signature.PublicKey `cbor:"id" json:"id"`
	Address string              `cbor:"address,omitempty" json:"address,omitempty"`
}

// P2PInfo is a node's worker-to-worker transport identity.
type P2PInfo struct {
	ID        signature.PublicKey `cbor:"id" json:"id"`
	Addresses []string            `cbor:"addresses,omitempty" json:"addresses,omitempty"`
}

// TLSInfo is a node's TLS identity for client-facing services.
type TLSInfo struct {
	PubKey    signature.PublicKey `cbor:"pub_key" json:"pub_key"`
	Addresses []string            `cbor:"addresses,omitempty" json:"addresses,omitempty"`
}

// Node is a node descriptor.
type Node struct {
	ID         signature.PublicKey `cbor:"id" json:"id"`
	EntityID   signature.PublicKey `cbor:"entity_id" json:"entity_id"`
	Expiration uint64              `cbor:"expiration" json:"expiration"`
	Roles      []Role              `cbor:"roles" json:"roles"`
	Runtimes   []RuntimeID         `cbor:"runtimes,omitempty" json:"runtimes,omitempty"`
	Consensus  ConsensusInfo       `cbor:"consensus" json:"consensus"`
	P2P        P2PInfo             `cbor:"p2p" json:"p2p"`
	TLS        TLSInfo             `cbor:"tls" json:"tls"`
	// VRF is the key the node proves beacon VRFs with.
	VRF signature.PublicKey `cbor:"vrf" json:"vrf"`
}

// HasRole reports whether n has role r.
func (n *Node) HasRole(r Role) bool { return slices.Contains(n.Roles, r) }

// Serves reports whether n serves runtime id.
func (n *Node) Serves(id RuntimeID) bool { return slices.Contains(n.Runtimes, id) }

// IsExpired reports whether n's registration has lapsed at epoch.
func (n *Node) IsExpired(epoch uint64) bool { return n.Expiration < epoch }

// NodeStatus is consensus-maintained node state that the descriptor does
// not carry.
type NodeStatus struct {
	// FreezeEnd is the first epoch the node is no longer frozen (0: never frozen).
	FreezeEnd uint64 `cbor:"freeze_end" json:"freeze_end"`
	// ExpiredProcessed is set once the expiry event has been emitted.
	ExpiredProcessed bool `cbor:"expired_processed" json:"expired_processed"`
}

// IsFrozen reports whether the node is frozen at epoch.
func (s *NodeStatus) IsFrozen(epoch uint64) bool { return epoch < s.FreezeEnd }

// ExecutorParams configure a runtime's executor committee and rounds.
type ExecutorParams struct {
	GroupSize         uint16 `cbor:"group_size" json:"group_size"`
	GroupBackupSize   uint16 `cbor:"group_backup_size" json:"group_backup_size"`
	AllowedStragglers uint16 `cbor:"allowed_stragglers" json:"allowed_stragglers"`
	// RoundTimeout is in consensus blocks.
	RoundTimeout uint64 `cbor:"round_timeout" json:"round_timeout"`
	MaxBatchSize uint64 `cbor:"max_batch_size" json:"max_batch_size"`
	// BatchFlushTimeout is in milliseconds, used by the scheduler node.
	BatchFlushTimeout uint64 `cbor:"batch_flush_timeout_ms" json:"batch_flush_timeout_ms"`
	// ProposerTimeout is in consensus blocks.
	ProposerTimeout uint64 `cbor:"proposer_timeout" json:"proposer_timeout"`
}

// StorageParams configure a runtime's storage committee.
type StorageParams struct {
	GroupSize           uint16 `cbor:"group_size" json:"group_size"`
	MinWriteReplication uint16 `cbor:"min_write_replication" json:"min_write_replication"`
	CheckpointInterval  uint64 `cbor:"checkpoint_interval" json:"checkpoint_interval"`
}

// AdmissionPolicy says which entities' nodes may serve a runtime; an empty
// allow-list admits any entity.
type AdmissionPolicy struct {
	EntityAllowList []signature.PublicKey `cbor:"entity_allow_list,omitempty" json:"entity_allow_list,omitempty"`
}

// Admits reports whether entity may run nodes for the runtime.
func (p *AdmissionPolicy) Admits(entity signature.PublicKey) bool {
	return len(p.EntityAllowList) == 0 || slices.Contains(p.EntityAllowList, entity)
}

// RuntimeStakingParams are the runtime's economic parameters.
type RuntimeStakingParams struct {
	// Slashing is the escrow taken from a node's entity per fault reason.
	Slashing map[staking.SlashReason]uint64 `cbor:"slashing,omitempty" json:"slashing,omitempty"`
	// NodeMaintenanceFee is charged per epoch per node serving the runtime.
	NodeMaintenanceFee uint64 `cbor:"node_maintenance_fee" json:"node_maintenance_fee"`
}

// RuntimeKind distinguishes compute runtimes from others (key managers, later).
type RuntimeKind string

// KindCompute is the only runtime kind so far.
const KindCompute RuntimeKind = "compute"

// Runtime is a runtime descriptor.
type Runtime struct {
	ID               RuntimeID            `cbor:"id" json:"id"`
	Name             string               `cbor:"name" json:"name"`
	Kind             RuntimeKind          `cbor:"kind" json:"kind"`
	Owner            signature.PublicKey  `cbor:"owner" json:"owner"`
	Executor         ExecutorParams       `cbor:"executor" json:"executor"`
	Storage          StorageParams        `cbor:"storage" json:"storage"`
	Admission        AdmissionPolicy      `cbor:"admission" json:"admission"`
	GenesisStateRoot [32]byte             `cbor:"genesis_state_root" json:"genesis_state_root"`
	Deposit          uint64               `cbor:"deposit" json:"deposit"`
	Staking          RuntimeStakingParams `cbor:"staking" json:"staking"`
}

// RuntimeStatus is consensus-maintained runtime state.
type RuntimeStatus struct {
	Suspended bool   `cbor:"suspended" json:"suspended"`
	Reason    string `cbor:"reason,omitempty" json:"reason,omitempty"`
}

// Params are the registry parameters.
type Params struct {
	// MaxNodeExpiration bounds how many epochs ahead a registration may last.
	MaxNodeExpiration uint64 `cbor:"max_node_expiration" json:"max_node_expiration"`
	// FreezeEpochs is how long a slashed node is frozen.
	FreezeEpochs uint64 `cbor:"freeze_epochs" json:"freeze_epochs"`
}

// DefaultParams are development defaults.
func DefaultParams() Params { return Params{MaxNodeExpiration: 5, FreezeEpochs: 2} }

// Validate checks the parameters.
func (p *Params) Validate() error {
	if p.MaxNodeExpiration == 0 {
		return fmt.Errorf("registry: max_node_expiration must be at least 1")
	}
	return nil
}

// Validate checks the static well-formedness of a node descriptor.
func (n *Node) Validate() error {
	if n.ID.IsZero() || n.EntityID.IsZero() {
		return fmt.Errorf("registry: node %s: missing node or entity id", n.ID)
	}
	if n.ID == n.EntityID {
		return fmt.Errorf("registry: node %s: node id equals entity id", n.ID)
	}
	if len(n.Roles) == 0 {
		return fmt.Errorf("registry: node %s: no roles", n.ID)
	}
	seen := map[Role]bool{}
	for _, r := range n.Roles {
		switch r {
		case RoleValidator, RoleCompute, RoleStorage, RoleClient:
		default:
			return fmt.Errorf("registry: node %s: unknown role %q", n.ID, r)
		}
		if seen[r] {
			return fmt.Errorf("registry: node %s: duplicate role %q", n.ID, r)
		}
		seen[r] = true
	}
	if n.HasRole(RoleValidator) && n.Consensus.ID.IsZero() {
		return fmt.Errorf("registry: node %s: validator role needs a consensus key", n.ID)
	}
	if (n.HasRole(RoleCompute) || n.HasRole(RoleStorage)) && len(n.Runtimes) == 0 {
		return fmt.Errorf("registry: node %s: compute and storage roles need at least one runtime", n.ID)
	}
	if (n.HasRole(RoleCompute) || n.HasRole(RoleStorage)) && n.VRF.IsZero() {
		return fmt.Errorf("registry: node %s: compute and storage roles need a VRF key", n.ID)
	}
	rts := map[RuntimeID]bool{}
	for _, id := range n.Runtimes {
		if rts[id] {
			return fmt.Errorf("registry: node %s: runtime %s listed twice", n.ID, id)
		}
		rts[id] = true
	}
	addrs := append(append([]string{}, n.P2P.Addresses...), n.TLS.Addresses...)
	if n.Consensus.Address != "" {
		addrs = append(addrs, n.Consensus.Address)
	}
	for _, a := range addrs {
		if _, port, err := net.SplitHostPort(a); err != nil || port == "" {
			return fmt.Errorf("registry: node %s: address %q is not host:port", n.ID, a)
		}
	}
	return nil
}

// Validate checks the static well-formedness of a runtime descriptor.
func (r *Runtime) Validate() error {
	e, s := r.Executor, r.Storage
	switch {
	case r.Kind != KindCompute:
		return fmt.Errorf("registry: runtime %s: unknown kind %q", r.ID, r.Kind)
	case r.Owner.IsZero():
		return fmt.Errorf("registry: runtime %s: missing owner", r.ID)
	case e.GroupSize == 0:
		return fmt.Errorf("registry: runtime %s: executor group_size must be at least 1", r.ID)
	case e.AllowedStragglers >= e.GroupSize:
		return fmt.Errorf("registry: runtime %s: allowed_stragglers %d must be below group_size %d", r.ID, e.AllowedStragglers, e.GroupSize)
	case e.RoundTimeout == 0 || e.ProposerTimeout == 0:
		return fmt.Errorf("registry: runtime %s: round_timeout and proposer_timeout must be at least 1 block", r.ID)
	case e.MaxBatchSize == 0:
		return fmt.Errorf("registry: runtime %s: max_batch_size must be at least 1", r.ID)
	case s.GroupSize == 0:
		return fmt.Errorf("registry: runtime %s: storage group_size must be at least 1", r.ID)
	case s.MinWriteReplication == 0 || s.MinWriteReplication > s.GroupSize:
		return fmt.Errorf("registry: runtime %s: min_write_replication %d must be in 1..group_size %d", r.ID, s.MinWriteReplication, s.GroupSize)
	case len(r.Name) > 64:
		return fmt.Errorf("registry: runtime %s: name longer than 64 bytes", r.ID)
	}
	for reason := range r.Staking.Slashing {
		switch reason {
		case staking.SlashIncorrectResults, staking.SlashEquivocation, staking.SlashLiveness:
		default:
			return fmt.Errorf("registry: runtime %s: unknown slash reason %q", r.ID, reason)
		}
	}
	return nil
}
