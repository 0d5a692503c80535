package main

import (
	"errors"
	"fmt"
	"log/slog"
	"net"
	"os"
	"path/filepath"
	"strings"

	abci "github.com/cometbft/cometbft/abci/types"
	cmttypes "github.com/cometbft/cometbft/types"
	"github.com/spf13/cobra"

	"github.com/atoll-dev/atoll/consensus/genesis"
	"github.com/atoll-dev/atoll/consensus/registry"
	rhapi "github.com/atoll-dev/atoll/consensus/roothash/api"
	"github.com/atoll-dev/atoll/node"
	"github.com/atoll-dev/atoll/runtime/host/sandbox"
	"github.com/atoll-dev/atoll/worker"
	"github.com/atoll-dev/atoll/worker/submit"
	"github.com/atoll-dev/atoll/worker/txpool"
)

// workerFlags select how a node runs the SVM runtime of its compute nodes.
type workerFlags struct {
	unsafeNoSandbox bool
	noWorkers       bool
	// rpcAddr serves the Solana JSON-RPC (websocket on port+1); "" serves none.
	rpcAddr string
}

func (f *workerFlags) register(c *cobra.Command) {
	c.Flags().BoolVar(&f.unsafeNoSandbox, "unsafe-no-sandbox", false, "run the SVM runtime in the node's process instead of a bubblewrap sandbox (debugging only)")
	c.Flags().BoolVar(&f.noWorkers, "no-workers", false, "run consensus only: start no compute or storage workers")
}

// homeWorkers are the started workers of a home's compute identities.
type homeWorkers struct {
	all   []*worker.Workers
	cfgs  []worker.Config
	names []string
}

// startHomeWorkers starts the compute and storage roles of every compute
// identity hosted in home: each with its own MKVS under
// data/workers/NAME, its P2P endpoint and submission API at the addresses
// the identity was registered with, and the SVM runtime sandboxed (the
// atoll executable re-run as "atoll runtime svm" under bubblewrap) unless
// --unsafe-no-sandbox.
func startHomeWorkers(home string, f workerFlags, log *slog.Logger) (*homeWorkers, error) {
	hw := &homeWorkers{}
	if f.noWorkers {
		return hw, nil
	}
	ids, err := node.LoadIdentities(home)
	if err != nil {
		return nil, err
	}
	var compute []node.Identity
	for _, id := range ids {
		if id.Compute() {
			compute = append(compute, id)
		}
	}
	if len(compute) == 0 {
		return hw, nil
	}
	g, ok, err := node.LoadSVMGenesis(home)
	if err != nil {
		return nil, err
	}
	if !ok {
		return nil, fmt.Errorf("%s has compute nodes but no %s (re-create it with atoll init or devnet --reset)", home, filepath.Base(node.SVMGenesisFile(home)))
	}
	wl, root, err := g.State()
	if err != nil {
		return nil, err
	}
	rt, err := checkSVMRoot(home, root)
	if err != nil {
		return nil, err
	}
	exe, err := os.Executable()
	if err != nil {
		return nil, fmt.Errorf("locating the atoll executable: %w", err)
	}
	if f.unsafeNoSandbox {
		log.Warn("--unsafe-no-sandbox: the SVM runtime runs unconfined, with the node's privileges")
	} else if err := sandbox.CheckBwrap(""); err != nil {
		return nil, err
	}
	for _, id := range compute {
		for _, a := range []string{id.P2PAddr, id.SubmitAddr} {
			if a == "" {
				continue
			}
			l, err := net.Listen("tcp", a)
			if err != nil {
				return nil, fmt.Errorf("worker %w: %s (is another node running?)", node.ErrPortInUse, a)
			}
			l.Close()
		}
	}
	for _, id := range compute {
		wcfg := worker.Config{
			Runtime: genesis.SVMRuntimeID, Identity: id.Node, P2PKey: id.P2P,
			DataDir: filepath.Join(home, "data", "workers", id.Name), P2PAddr: id.P2PAddr, SubmitAddr: id.SubmitAddr,
			Compute: true, Storage: true, GenesisLog: wl, GenesisRoot: root,
			RuntimeBinary: exe, RuntimeArgs: []string{"runtime", "svm"}, UnsafeNoSandbox: f.unsafeNoSandbox,
			RuntimeConfig: g.LocalConfig(), Logger: log.With("worker", id.Name),
			// Room for the round being executed and a few more full batches.
			Pool: txpool.Config{MaxTxs: max(10_000, 4*int(rt.Executor.MaxBatchSize))},
		}
		w, err := worker.Start(wcfg)
		if err != nil {
			hw.Close()
			return nil, fmt.Errorf("starting the workers of %s: %w", id.Name, err)
		}
		hw.all = append(hw.all, w)
		hw.cfgs = append(hw.cfgs, wcfg)
		hw.names = append(hw.names, id.Name)
	}
	return hw, nil
}

// checkSVMRoot returns the SVM runtime's genesis descriptor, refusing to
// serve a runtime whose genesis state is not the one the consensus layer
// registered.
func checkSVMRoot(home string, root [32]byte) (*registry.Runtime, error) {
	path := filepath.Join(home, "config", "genesis.json")
	gdoc, err := cmttypes.GenesisDocFromFile(path)
	if err != nil {
		return nil, fmt.Errorf("%w %s: %v", node.ErrBadGenesis, path, err)
	}
	doc, err := genesis.Parse(gdoc.AppState)
	if err != nil {
		return nil, fmt.Errorf("%w %s: %v", node.ErrBadGenesis, path, err)
	}
	for _, rt := range doc.Registry.Runtimes {
		if rt.ID == genesis.SVMRuntimeID {
			if rt.GenesisStateRoot != root {
				return nil, fmt.Errorf("%w: %s derives SVM state root %x, genesis registers %x", node.ErrBadGenesis, node.SVMGenesisFile(home), root, rt.GenesisStateRoot)
			}
			return rt, nil
		}
	}
	return nil, fmt.Errorf("%w %s: the SVM runtime is not registered", node.ErrBadGenesis, path)
}

// Components are every worker's node components.
func (hw *homeWorkers) Components() []node.Component {
	var out []node.Component
	for _, w := range hw.all {
		out = append(out, w.Components...)
	}
	return out
}

// SubmitURLs are the submission API endpoints of the SVM runtime.
func (hw *homeWorkers) SubmitURLs() []string {
	var out []string
	for _, w := range hw.all {
		if w.SubmitAddr != "" {
			out = append(out, "http://"+w.SubmitAddr+submit.Path(genesis.SVMRuntimeID))
		}
	}
	return out
}

// Close stops every worker; call it after the node stopped.
func (hw *homeWorkers) Close() error {
	var errs []error
	for _, w := range hw.all {
		errs = append(errs, w.Close())
	}
	hw.all = nil
	return errors.Join(errs...)
}

// runtimeEventLine renders a roothash event of a block as one line, or ""
// for events a devnet user need not see (commitments, messages).
func runtimeEventLine(height int64, e abci.Event) string {
	attr := func(k string) string {
		for _, a := range e.Attributes {
			if a.Key == k {
				return a.Value
			}
		}
		return ""
	}
	rt := attr("runtime")
	var id registry.RuntimeID
	if id.UnmarshalText([]byte(rt)) == nil {
		rt = runtimeName(id)
	}
	shortKey := func(s string) string {
		if len(s) > 8 {
			return s[:8]
		}
		return s
	}
	switch e.Type {
	case rhapi.EventFinalized:
		return fmt.Sprintf("runtime %s round %s finalized at height %d  state %s", rt, attr("round"), height, shortKey(attr("state_root")))
	case rhapi.EventRoundFailed:
		return fmt.Sprintf("runtime %s round %s FAILED at height %d: %s", rt, attr("round"), height, attr("reason"))
	case rhapi.EventDiscrepancy:
		return fmt.Sprintf("runtime %s round %s DISCREPANCY at height %d: %s (backups decide by height %s)", rt, attr("round"), height, attr("reason"), attr("deadline"))
	case rhapi.EventSuspended:
		return fmt.Sprintf("runtime %s SUSPENDED at height %d (epoch %s): %s", rt, height, attr("epoch"), attr("reason"))
	case rhapi.EventResumed:
		return fmt.Sprintf("runtime %s resumed at height %d (epoch %s)", rt, height, attr("epoch"))
	case rhapi.EventSlashed:
		return fmt.Sprintf("runtime %s round %s: node %s slashed at height %d (%s)", rt, attr("round"), shortKey(attr("node")), height, attr("reason"))
	case rhapi.EventLivenessFault:
		return fmt.Sprintf("runtime %s round %s: node %s missed the round (faults this epoch: %s)", rt, attr("round"), shortKey(attr("node")), attr("faults"))
	}
	return ""
}

// printRuntimeEvents returns a node.Options.OnEvents that writes one line
// per runtime event worth a user's attention.
func printRuntimeEvents(write func(string)) func(int64, []abci.Event) {
	return func(height int64, evs []abci.Event) {
		for _, e := range evs {
			if !strings.HasPrefix(e.Type, "roothash.") {
				continue
			}
			if line := runtimeEventLine(height, e); line != "" {
				write(line)
			}
		}
	}
}
