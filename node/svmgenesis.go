package node

import (
	"encoding/json"
	"fmt"
	"os"
	"path/filepath"

	"github.com/atoll-dev/atoll/runtime/rhp"
	"github.com/atoll-dev/atoll/runtime/svm"
	"github.com/atoll-dev/atoll/runtime/svm/hosted"
	"github.com/atoll-dev/atoll/runtime/svm/sol"
	"github.com/atoll-dev/atoll/storage/mkvs"
	wrt "github.com/atoll-dev/atoll/worker/runtime"
)

// SVMGenesis is what every node of a network needs to start the SVM
// runtime's workers: the runtime configuration all nodes pass to the
// runtime, and the accounts its genesis state funds. The state derived from
// it (State) must have the root registered as the runtime's
// GenesisStateRoot; a node checks that before it serves the runtime.
type SVMGenesis struct {
	// SlotsPerEpoch and Warmup are the runtime's epoch schedule (Solana's
	// EpochSchedule): with Warmup, epochs start at 32 slots and double up
	// to SlotsPerEpoch. A genesis written before Warmup existed reads as
	// no warmup, which its network has always run.
	SlotsPerEpoch uint64 `json:"slots_per_epoch"`
	Warmup        bool   `json:"warmup,omitempty"`
	// Faucet is funded with FaucetLamports inside the runtime; its keypair
	// is written next to the network's homes (faucet.json).
	Faucet         sol.Pubkey `json:"faucet"`
	FaucetLamports uint64     `json:"faucet_lamports"`
	// BridgeDomain is the network's bridge domain id (Nomad's u32 domain);
	// BridgeAdmin owns the bridge programs' configuration. Both shape
	// execution, so they are part of the runtime configuration.
	BridgeDomain uint32     `json:"bridge_domain,omitempty"`
	BridgeAdmin  sol.Pubkey `json:"bridge_admin,omitempty"`
	// Accounts are further accounts the genesis state holds (programs and
	// accounts loaded by the devnet's --bpf-program and --account); they win
	// over the runtime's own genesis accounts and the faucet on a clash.
	Accounts []GenesisAccount `json:"accounts,omitempty"`
}

// GenesisAccount is one account of the runtime's genesis state.
type GenesisAccount struct {
	Pubkey  sol.Pubkey  `json:"pubkey"`
	Account sol.Account `json:"account"`
}

// DefaultFaucetLamports is a new network's faucet balance: 500 million SOL.
const DefaultFaucetLamports = 500_000_000 * 1_000_000_000

// Config is the runtime configuration the network's nodes share.
func (g *SVMGenesis) Config() hosted.Config {
	return hosted.Config{SlotsPerEpoch: g.SlotsPerEpoch, Warmup: g.Warmup, BridgeDomain: g.BridgeDomain, BridgeAdmin: g.BridgeAdmin}
}

// LocalConfig is Config in its canonical encoding, the workers'
// RuntimeConfig.
func (g *SVMGenesis) LocalConfig() []byte {
	b, err := rhp.Marshal(g.Config())
	if err != nil {
		panic(err) // a fixed struct of integers and bytes always encodes
	}
	return b
}

// State returns the runtime's genesis write log and state root.
func (g *SVMGenesis) State() (mkvs.WriteLog, mkvs.Hash, error) {
	var funded []svm.AccountWrite
	if g.FaucetLamports > 0 {
		funded = append(funded, svm.AccountWrite{Key: g.Faucet, Account: sol.Account{Lamports: g.FaucetLamports, Owner: svm.SystemProgramID}})
	}
	for _, a := range g.Accounts {
		funded = append(funded, svm.AccountWrite{Key: a.Pubkey, Account: a.Account})
	}
	return wrt.Genesis(g.Config(), funded)
}

// SVMGenesisFile is the path of a home's SVM runtime genesis.
func SVMGenesisFile(home string) string { return filepath.Join(home, "config", "atoll-svm.json") }

// WriteSVMGenesis stores g in home.
func WriteSVMGenesis(home string, g *SVMGenesis) error {
	b, _ := json.MarshalIndent(g, "", "  ")
	return os.WriteFile(SVMGenesisFile(home), b, 0o600)
}

// LoadSVMGenesis reads a home's SVM runtime genesis; ok is false when the
// home has none (a network written before runtimes had workers).
func LoadSVMGenesis(home string) (g *SVMGenesis, ok bool, err error) {
	b, err := os.ReadFile(SVMGenesisFile(home))
	if os.IsNotExist(err) {
		return nil, false, nil
	}
	if err != nil {
		return nil, false, fmt.Errorf("node: %w", err)
	}
	g = &SVMGenesis{}
	if err := json.Unmarshal(b, g); err != nil {
		return nil, false, fmt.Errorf("node: %s: %v", SVMGenesisFile(home), err)
	}
	return g, true, nil
}
