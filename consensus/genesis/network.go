package genesis

import (
	"cmp"
	"crypto/sha512"
	"slices"

	"github.com/atoll-dev/atoll/consensus/beacon"
	"github.com/atoll-dev/atoll/consensus/epochtime"
	"github.com/atoll-dev/atoll/consensus/governance"
	"github.com/atoll-dev/atoll/consensus/registry"
	"github.com/atoll-dev/atoll/consensus/scheduler"
	"github.com/atoll-dev/atoll/consensus/signature"
	"github.com/atoll-dev/atoll/consensus/staking"
)

// SVMRuntimeID is the id of the reference Solana-compatible runtime.
var SVMRuntimeID = registry.RuntimeID(sha512.Sum512_256([]byte("atoll/runtime/svm")))

// NodeSpec describes one node of a generated network. Every node gets its
// own entity so that per-entity committee limits are meaningful.
type NodeSpec struct {
	Entity, Node, VRF *signature.Signer
	// Consensus is the CometBFT validator key (validators only).
	Consensus signature.PublicKey
	Roles     []registry.Role
	// P2P is the worker transport key and P2PAddresses where the node's
	// workers listen (compute and storage nodes).
	P2P          *signature.Signer
	P2PAddresses []string
}

// NetworkSpec describes a generated development or test network.
type NetworkSpec struct {
	ChainID       string
	EpochInterval uint64
	Nodes         []NodeSpec
	// SVM registers the SVM runtime, owned by the first node's entity and
	// served by every compute node.
	SVM bool
	// Executor and storage committee sizes of the SVM runtime.
	GroupSize, BackupSize, StorageSize uint16
	// MinWriteReplication is the receipts a commitment needs (StorageSize
	// when 0). Below StorageSize, a storage node down does not stop rounds.
	MinWriteReplication uint16
	// SVMStateRoot is the runtime's genesis state root (the root of
	// worker/runtime.Genesis under the network's runtime configuration).
	SVMStateRoot [32]byte
	// MaxBatchSize bounds a runtime round's transactions (1000 when 0).
	MaxBatchSize uint64
	// RoundTimeout and ProposerTimeout, in consensus blocks, override the
	// SVM runtime's defaults (10 and 5) when set.
	RoundTimeout, ProposerTimeout uint64
}

// Amounts given to every generated entity.
const (
	NetworkBalance = 1_000_000_000
	NetworkEscrow  = 1_000_000
	// NodeBalance funds every storage node's own account: a node bonds its
	// storage challenges (roothash ChallengeBond) from it.
	NodeBalance = 1_000_000
)

// Build generates the genesis document of spec.
func Build(spec NetworkSpec) *Document {
	d := &Document{
		ChainID:    spec.ChainID,
		Consensus:  ConsensusParams{MaxTxSize: 32 << 10},
		Epochtime:  epochtime.Genesis{Params: epochtime.Params{Interval: spec.EpochInterval}},
		Beacon:     beacon.Genesis{Params: beacon.Params{MinParticipants: 1}},
		Staking:    staking.Genesis{Params: staking.DefaultParams()},
		Registry:   registry.Genesis{Params: registry.DefaultParams()},
		Scheduler:  scheduler.Genesis{Params: scheduler.Params{MaxNodesPerEntity: 1, MaxValidators: 100, ValidatorPowerUnit: 1000}},
		Governance: governance.Genesis{Params: governance.DefaultParams()},
	}
	for _, n := range spec.Nodes {
		addr := staking.NewAddress(n.Entity.Public())
		d.Staking.Accounts = append(d.Staking.Accounts, staking.GenesisAccount{Address: addr, Balance: NetworkBalance})
		d.Staking.Delegations = append(d.Staking.Delegations, staking.GenesisDelegation{From: addr, To: addr, Amount: NetworkEscrow})
		d.Registry.Entities = append(d.Registry.Entities, &registry.Entity{ID: n.Entity.Public(), Nodes: []signature.PublicKey{n.Node.Public()}})
		if slices.Contains(n.Roles, registry.RoleStorage) {
			d.Staking.Accounts = append(d.Staking.Accounts, staking.GenesisAccount{Address: staking.NewAddress(n.Node.Public()), Balance: NodeBalance})
		}
	}
	if spec.SVM && len(spec.Nodes) > 0 {
		maxBatch := spec.MaxBatchSize
		if maxBatch == 0 {
			maxBatch = 1000
		}
		minWrite := spec.MinWriteReplication
		if minWrite == 0 {
			minWrite = spec.StorageSize
		}
		d.Registry.Runtimes = append(d.Registry.Runtimes, &registry.Runtime{
			ID: SVMRuntimeID, Name: "svm", Kind: registry.KindCompute, Owner: spec.Nodes[0].Entity.Public(), GenesisStateRoot: spec.SVMStateRoot,
			Executor: registry.ExecutorParams{GroupSize: spec.GroupSize, GroupBackupSize: spec.BackupSize, AllowedStragglers: 0,
				RoundTimeout: cmp.Or(spec.RoundTimeout, 10), MaxBatchSize: maxBatch, BatchFlushTimeout: 100, ProposerTimeout: cmp.Or(spec.ProposerTimeout, 5)},
			Storage: registry.StorageParams{GroupSize: spec.StorageSize, MinWriteReplication: minWrite, CheckpointInterval: 100},
			Deposit: 10_000,
			Staking: registry.RuntimeStakingParams{
				Slashing:           map[staking.SlashReason]uint64{staking.SlashIncorrectResults: 1000, staking.SlashEquivocation: 5000, staking.SlashLiveness: 100},
				NodeMaintenanceFee: 1,
			},
		})
	}
	for _, n := range spec.Nodes {
		node := &registry.Node{
			ID: n.Node.Public(), EntityID: n.Entity.Public(), Expiration: d.Registry.Params.MaxNodeExpiration,
			Roles: n.Roles, Consensus: registry.ConsensusInfo{ID: n.Consensus},
		}
		if n.VRF != nil {
			node.VRF = n.VRF.Public()
		}
		if n.P2P != nil {
			node.P2P = registry.P2PInfo{ID: n.P2P.Public(), Addresses: n.P2PAddresses}
		}
		if spec.SVM && (node.HasRole(registry.RoleCompute) || node.HasRole(registry.RoleStorage)) {
			node.Runtimes = []registry.RuntimeID{SVMRuntimeID}
		}
		d.Registry.Nodes = append(d.Registry.Nodes, node)
	}
	return d
}
