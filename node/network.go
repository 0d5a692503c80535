package node

import (
	"cmp"
	"crypto/ed25519"
	"crypto/rand"
	"fmt"
	"net"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"time"

	cmtcfg "github.com/cometbft/cometbft/config"
	"github.com/cometbft/cometbft/p2p"
	"github.com/cometbft/cometbft/privval"
	cmttypes "github.com/cometbft/cometbft/types"

	"github.com/atoll-dev/atoll/client"
	"github.com/atoll-dev/atoll/consensus/genesis"
	"github.com/atoll-dev/atoll/consensus/registry"
	"github.com/atoll-dev/atoll/consensus/signature"
	"github.com/atoll-dev/atoll/runtime/svm"
	"github.com/atoll-dev/atoll/runtime/svm/sol"
)

// NetworkOptions describe a network whose homes InitNetwork writes.
type NetworkOptions struct {
	// Homes lists one home directory per validator.
	Homes         []string
	ChainID       string
	Compute       int
	EpochInterval uint64
	// BlockTime is CometBFT's timeout_commit.
	BlockTime time.Duration
	// BasePort: validator i listens for p2p on BasePort+10i and RPC on +1.
	BasePort int
	// ListenHost is the interface to bind (127.0.0.1 for local networks).
	ListenHost string
	// Hosts, if set, are the addresses peers use to reach validator i.
	Hosts []string
	// Workers and Backups size the SVM runtime's executor committee
	// (defaults: min(3, Compute-1) workers and 1 backup if a node is left).
	Workers, Backups int
	// FaucetFile, if set, receives the keypair (solana-keygen format) of
	// the account the runtime's genesis funds.
	FaucetFile string
	// MaxBatchSize bounds a runtime round's transactions (default 5000).
	MaxBatchSize uint64
	// FaucetLamports funds the faucet (default DefaultFaucetLamports).
	FaucetLamports uint64
	// BridgeDomain and BridgeAdmin configure the runtime's bridge programs
	// (SVMGenesis); Accounts are added to its genesis state.
	BridgeDomain uint32
	BridgeAdmin  sol.Pubkey
	Accounts     []GenesisAccount
	// SlotsPerEpoch is the runtime's epoch length (default 432,000, as
	// Solana's); its epochs warm up from 32 slots unless NoWarmup, as
	// solana-test-validator's do.
	SlotsPerEpoch uint64
	NoWarmup      bool
}

// PortsOf returns validator i's p2p and RPC ports.
func (o *NetworkOptions) PortsOf(i int) (p2pPort, rpcPort int) {
	return o.BasePort + 10*i, o.BasePort + 10*i + 1
}

// ComputePortsOf returns compute node j's worker P2P and submission API
// ports: they follow the validators' port range.
func (o *NetworkOptions) ComputePortsOf(j int) (p2pPort, submitPort int) {
	base := o.BasePort + 10*len(o.Homes) + 2*j
	return base, base + 1
}

// committee returns the executor and storage committee sizes and the
// receipts a commitment needs.
func (o *NetworkOptions) committee() (workers, backups, storage, minWrite uint16, err error) {
	w, b := o.Workers, o.Backups
	if w == 0 {
		w = max(1, min(3, o.Compute-1))
		if b == 0 && o.Compute > w {
			b = 1
		}
	}
	if o.Compute > 0 && (w < 1 || b < 0 || w+b > o.Compute) {
		return 0, 0, 0, 0, fmt.Errorf("node: a committee of %d workers and %d backups needs as many compute nodes (have %d)", w, b, o.Compute)
	}
	s := max(1, min(3, o.Compute))
	// One storage node down must not stop the runtime.
	mw := max(1, s-1)
	return uint16(w), uint16(b), uint16(s), uint16(mw), nil
}

// InitNetwork generates keys, the genesis document and CometBFT
// configuration for every home. Compute nodes are hosted round-robin by the
// validators: their identities are written to the hosting home, whose
// agent keeps them registered and submits their beacon proofs.
func InitNetwork(o NetworkOptions) error {
	nv := len(o.Homes)
	if nv == 0 {
		return fmt.Errorf("node: a network needs at least one validator")
	}
	newKey := func() *signature.Signer {
		s, err := signature.NewSigner(rand.Reader)
		if err != nil {
			panic(err)
		}
		return s
	}
	var specs []genesis.NodeSpec
	hosted := make([][]Identity, nv)
	var vals []cmttypes.GenesisValidator
	nodeIDs := make([]p2p.ID, nv)
	for i, home := range o.Homes {
		cfg := cmtcfg.DefaultConfig()
		if err := WriteConfig(home, cfg); err != nil {
			return err
		}
		pv := privval.GenFilePV(cfg.PrivValidatorKeyFile(), cfg.PrivValidatorStateFile())
		pv.Save()
		nk, err := p2p.LoadOrGenNodeKey(cfg.NodeKeyFile())
		if err != nil {
			return fmt.Errorf("node: %w", err)
		}
		nodeIDs[i] = nk.ID()
		pub, _ := pv.GetPubKey()
		var cons signature.PublicKey
		copy(cons[:], pub.Bytes())
		id := Identity{Name: fmt.Sprintf("validator-%d", i), Entity: newKey(), Node: newKey(), VRF: newKey()}
		hosted[i] = append(hosted[i], id)
		specs = append(specs, genesis.NodeSpec{Entity: id.Entity, Node: id.Node, VRF: id.VRF, Consensus: cons, Roles: []registry.Role{registry.RoleValidator}})
		vals = append(vals, cmttypes.GenesisValidator{Address: pub.Address(), PubKey: pub, Power: 1, Name: id.Name})
	}
	for j := 0; j < o.Compute; j++ {
		host := o.ListenHost
		if len(o.Hosts) == nv {
			host = o.Hosts[j%nv]
		}
		p2pPort, submitPort := o.ComputePortsOf(j)
		id := Identity{Name: fmt.Sprintf("compute-%d", j), Entity: newKey(), Node: newKey(), VRF: newKey(), P2P: newKey(),
			P2PAddr:    net.JoinHostPort(o.ListenHost, strconv.Itoa(p2pPort)),
			SubmitAddr: net.JoinHostPort(o.ListenHost, strconv.Itoa(submitPort))}
		hosted[j%nv] = append(hosted[j%nv], id)
		specs = append(specs, genesis.NodeSpec{Entity: id.Entity, Node: id.Node, VRF: id.VRF, P2P: id.P2P,
			P2PAddresses: []string{net.JoinHostPort(host, strconv.Itoa(p2pPort))}, Roles: []registry.Role{registry.RoleCompute, registry.RoleStorage}})
	}
	group, backup, storageSize, minWrite, err := o.committee()
	if err != nil {
		return err
	}
	_, faucet, err := ed25519.GenerateKey(rand.Reader)
	if err != nil {
		return fmt.Errorf("node: %w", err)
	}
	svmGen := &SVMGenesis{SlotsPerEpoch: cmp.Or(o.SlotsPerEpoch, svm.DefaultEpochSchedule.SlotsPerEpoch), Warmup: !o.NoWarmup, Faucet: client.PubkeyOf(faucet), FaucetLamports: cmp.Or(o.FaucetLamports, DefaultFaucetLamports),
		BridgeDomain: o.BridgeDomain, BridgeAdmin: o.BridgeAdmin, Accounts: o.Accounts}
	_, svmRoot, err := svmGen.State()
	if err != nil {
		return err
	}
	doc := genesis.Build(genesis.NetworkSpec{ChainID: o.ChainID, EpochInterval: o.EpochInterval, Nodes: specs, SVM: true,
		GroupSize: group, BackupSize: backup, StorageSize: storageSize, MinWriteReplication: minWrite, SVMStateRoot: svmRoot,
		MaxBatchSize: cmp.Or(o.MaxBatchSize, 5000),
		// A dead worker's round reaches the backups well within an epoch.
		RoundTimeout: 6, ProposerTimeout: 3})
	descriptors := map[signature.PublicKey]*registry.Node{}
	for _, n := range doc.Registry.Nodes {
		descriptors[n.ID] = n
	}
	for i := range hosted {
		for j := range hosted[i] {
			hosted[i][j].Descriptor = descriptors[hosted[i][j].Node.Public()]
		}
	}
	if err := doc.Validate(); err != nil {
		return err
	}
	gdoc := &cmttypes.GenesisDoc{ChainID: o.ChainID, GenesisTime: time.Now().UTC(), InitialHeight: 1,
		ConsensusParams: cmttypes.DefaultConsensusParams(), Validators: vals, AppState: doc.Marshal()}
	if err := gdoc.ValidateAndComplete(); err != nil {
		return fmt.Errorf("node: genesis: %w", err)
	}
	for i, home := range o.Homes {
		cfg := cmtcfg.DefaultConfig()
		cfg.SetRoot(home)
		cfg.Moniker = fmt.Sprintf("node%d", i)
		p2pPort, rpcPort := o.PortsOf(i)
		cfg.P2P.ListenAddress = fmt.Sprintf("tcp://%s:%d", o.ListenHost, p2pPort)
		cfg.RPC.ListenAddress = fmt.Sprintf("tcp://%s:%d", o.ListenHost, rpcPort)
		if len(o.Hosts) == nv {
			cfg.P2P.ExternalAddress = fmt.Sprintf("%s:%d", o.Hosts[i], p2pPort)
		}
		var peers []string
		for k := range o.Homes {
			if k == i {
				continue
			}
			host := o.ListenHost
			if len(o.Hosts) == nv {
				host = o.Hosts[k]
			}
			pp, _ := o.PortsOf(k)
			peers = append(peers, fmt.Sprintf("%s@%s:%d", nodeIDs[k], host, pp))
		}
		cfg.P2P.PersistentPeers = strings.Join(peers, ",")
		cfg.P2P.AllowDuplicateIP = true
		cfg.P2P.AddrBookStrict = false
		cfg.P2P.PexReactor = nv > 1
		cfg.Consensus.TimeoutCommit = o.BlockTime
		cfg.Consensus.TimeoutPropose = max(o.BlockTime*3, 300*time.Millisecond)
		cfg.Consensus.TimeoutPrevote = max(o.BlockTime/2, 100*time.Millisecond)
		cfg.Consensus.TimeoutPrecommit = max(o.BlockTime/2, 100*time.Millisecond)
		cfg.Consensus.PeerGossipSleepDuration = 20 * time.Millisecond
		cfg.Consensus.PeerQueryMaj23SleepDuration = 200 * time.Millisecond
		cfg.Instrumentation.Namespace = "cometbft"
		if err := WriteConfig(home, cfg); err != nil {
			return err
		}
		if err := gdoc.SaveAs(cfg.GenesisFile()); err != nil {
			return fmt.Errorf("node: %w", err)
		}
		if err := WriteIdentities(home, hosted[i]); err != nil {
			return fmt.Errorf("node: %w", err)
		}
		if err := WriteSVMGenesis(home, svmGen); err != nil {
			return fmt.Errorf("node: %w", err)
		}
	}
	if o.FaucetFile != "" {
		if err := client.WriteKeypair(o.FaucetFile, faucet, true); err != nil {
			return fmt.Errorf("node: faucet keypair: %w", err)
		}
	}
	return nil
}

// HomeExists reports whether dir holds an initialised home.
func HomeExists(dir string) bool {
	_, err := os.Stat(filepath.Join(dir, "config", "genesis.json"))
	return err == nil
}
