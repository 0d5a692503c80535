package main

import (
	"fmt"
	"os"
	"path/filepath"
	"sort"
	"strings"
	"sync"
	"time"

	"github.com/spf13/cobra"

	"github.com/atoll-dev/atoll/consensus/app"
	"github.com/atoll-dev/atoll/consensus/genesis"
	"github.com/atoll-dev/atoll/consensus/registry"
	"github.com/atoll-dev/atoll/consensus/scheduler"
	"github.com/atoll-dev/atoll/node"
)

func init() { subcommands = append(subcommands, newDevnetCommand) }

func newDevnetCommand() *cobra.Command {
	var (
		dir       string
		reset     bool
		compute   int
		epoch     uint64
		blockTime time.Duration
		basePort  int
		workers   int
		backups   int
		maxBatch  uint64
		flags     nodeFlags
		wf        workerFlags
		gf        genesisFlags
		faucetSOL uint64
		slots     uint64
		bridge    bridgeFlags
	)
	c := &cobra.Command{
		Use:   "devnet [--bpf-program ADDRESS_OR_KEYPAIR FILE.so]... [--account ADDRESS FILE.json]...",
		Short: "Run a one-process development network: a CometBFT validator, the consensus application and compute nodes",
		Long: `Run a one-process development network.

The first start creates a chain in --dir (default ./.atoll/devnet); later
starts resume it from disk. --reset wipes the directory and starts a new chain.

Every compute node runs the SVM runtime's compute and storage roles, the
runtime sandboxed under bubblewrap. The devnet prints one line per finalized
runtime round and per discrepancy, failed round or suspension, and the
submission API URLs (POST /v1/runtime/ID/submit, answered once finalized).
DIR/faucet.json is a keypair funded inside the runtime (--faucet-sol).

The runtime's epochs (Clock.epoch, getEpochInfo, feature activation) follow
its slots: warmup epochs of 32, 64, 128, ... slots, then --slots-per-epoch.
They are not the consensus layer's epochs (--epoch-blocks), which elect
committees.

As with solana-test-validator, --bpf-program, --account, --faucet-sol,
--slots-per-epoch and the bridge flags shape a new chain's genesis: when the devnet resumes, values
that differ from its genesis are reported and ignored (add --reset to start
a new chain with them).`,
		Args: cobra.ArbitraryArgs,
		RunE: func(cmd *cobra.Command, args []string) error {
			log, comet, err := flags.logger()
			if err != nil {
				return err
			}
			out := cmd.OutOrStdout()
			gen, err := devnetGenesis(cmd, &gf, args, faucetSOL, &bridge)
			if err != nil {
				return err
			}
			if err := gen.setSlotsPerEpoch(cmd, slots); err != nil {
				return err
			}
			if reset {
				if err := os.RemoveAll(dir); err != nil {
					return fmt.Errorf("resetting %s: %w", dir, err)
				}
				fmt.Fprintf(out, "reset %s\n", dir)
			}
			if node.HomeExists(dir) {
				fmt.Fprintf(out, "resuming devnet in %s\n", dir)
				if err := reportIgnoredGenesis(out, dir, gen); err != nil {
					return err
				}
			} else {
				if compute < 0 {
					return fmt.Errorf("--compute must not be negative")
				}
				if compute > 0 && (workers < 1 || backups < 0 || workers+backups > compute) {
					return fmt.Errorf("--workers %d and --backups %d need at least as many --compute nodes (have %d)", workers, backups, compute)
				}
				fmt.Fprintf(out, "creating devnet in %s: 1 validator, %d compute nodes (committee of %d workers, %d backups), %d blocks per epoch\n",
					dir, compute, workers, backups, epoch)
				for _, l := range gen.describe() {
					fmt.Fprintf(out, "genesis: %s\n", l)
				}
				err := node.InitNetwork(node.NetworkOptions{Homes: []string{dir}, ChainID: "atoll-devnet", Compute: compute,
					EpochInterval: epoch, BlockTime: blockTime, BasePort: basePort, ListenHost: "127.0.0.1",
					Workers: workers, Backups: backups, FaucetFile: filepath.Join(dir, "faucet.json"), MaxBatchSize: maxBatch,
					SlotsPerEpoch: gen.slotsPerEpoch, FaucetLamports: gen.faucetLamports, BridgeDomain: gen.bridgeDomain, BridgeAdmin: gen.bridgeAdmin, Accounts: gen.accounts})
				if err != nil {
					return err
				}
			}
			stopPprof, err := servePprof(flags.pprof)
			if err != nil {
				return err
			}
			defer stopPprof()
			fmt.Fprintln(out, "starting CometBFT and the consensus application")
			var mu sync.Mutex
			say := func(line string) {
				mu.Lock()
				defer mu.Unlock()
				fmt.Fprintln(out, line)
			}
			return runNode(cmd, node.Options{Home: dir, Logger: log, CometLevel: comet, MetricsAddr: flags.metrics,
				OnEpoch:  func(s app.EpochSummary) { say(epochLine(s)) },
				OnEvents: printRuntimeEvents(say)}, wf, func(*node.Node) {
				say("faucet keypair: " + filepath.Join(dir, "faucet.json"))
			})
		},
	}
	c.Flags().StringVar(&dir, "dir", filepath.Join(".atoll", "devnet"), "data directory")
	c.Flags().StringVar(&dir, "ledger", filepath.Join(".atoll", "devnet"), "alias of --dir, as in solana-test-validator")
	c.Flags().BoolVar(&reset, "reset", false, "wipe the data directory and start a new chain")
	c.Flags().IntVar(&compute, "compute", 3, "compute/storage nodes in a new devnet")
	c.Flags().IntVar(&workers, "workers", 2, "executor committee size of a new devnet")
	c.Flags().IntVar(&backups, "backups", 1, "backup workers of a new devnet")
	c.Flags().Uint64Var(&maxBatch, "max-batch", 5000, "most transactions in one runtime round of a new devnet")
	c.Flags().Uint64Var(&epoch, "epoch-blocks", 100, "blocks per consensus epoch (committee elections) in a new devnet: more than 2x the runtime round timeout of 6 blocks, so a round with a dead worker reaches the backups, and long enough that the round each epoch transition closes is rare")
	c.Flags().DurationVar(&blockTime, "block-time", 300*time.Millisecond, "target block time (CometBFT timeout_commit) of a new devnet")
	c.Flags().IntVar(&basePort, "base-port", 26656, "p2p port of a new devnet; RPC listens on the next port")
	c.Flags().Uint64Var(&slots, "slots-per-epoch", 432_000, "runtime slots (rounds) per epoch of a new devnet, after warmup epochs of 32, 64, 128, ... slots, as in solana-test-validator; features activate at the first slot of an epoch")
	c.Flags().Uint64Var(&faucetSOL, "faucet-sol", 500_000_000, "SOL in the faucet account (DIR/faucet.json) of a new devnet")
	gf.register(c)
	bridge.register(c)
	flags.register(c)
	wf.register(c)
	c.Flags().StringVar(&wf.rpcAddr, "rpc-port", "127.0.0.1:8899", "serve the Solana JSON-RPC on this address (websocket on port+1); empty to serve none")
	return c
}

func runtimeName(id registry.RuntimeID) string {
	if id == genesis.SVMRuntimeID {
		return "svm"
	}
	return id.String()[:8]
}

func short(s string) string { return s[:8] }

// committeeText renders committees as "svm executor[w:…,b:…] storage[…]".
func committeeText(s app.EpochSummary) string {
	var parts []string
	for _, c := range s.Committees {
		var members []string
		for _, m := range c.Members {
			role := map[scheduler.Role]string{scheduler.RoleWorker: "w:", scheduler.RoleBackupWorker: "b:", scheduler.RoleStorage: ""}[m.Role]
			members = append(members, role+short(m.Node.String()))
		}
		if len(members) == 0 {
			members = []string{"none"}
		}
		parts = append(parts, fmt.Sprintf("%s %s[%s]", runtimeName(c.Runtime), c.Kind, strings.Join(members, " ")))
	}
	if len(parts) == 0 {
		return "none"
	}
	return strings.Join(parts, " ")
}

func suspendedText(s app.EpochSummary) string {
	if len(s.Suspended) == 0 {
		return "none"
	}
	var parts []string
	for id, reason := range s.Suspended {
		parts = append(parts, fmt.Sprintf("%s (%s)", runtimeName(id), reason))
	}
	sort.Strings(parts)
	return strings.Join(parts, ", ")
}

func epochLine(s app.EpochSummary) string {
	beacon := "vrf"
	if s.Insecure {
		beacon = "fallback"
	}
	return fmt.Sprintf("epoch %d at height %d  beacon %s  committees: %s  suspended: %s",
		s.Epoch, s.Height, beacon, committeeText(s), suspendedText(s))
}
