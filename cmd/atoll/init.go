package main

import (
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"time"

	"github.com/spf13/cobra"

	"github.com/atoll-dev/atoll/node"
)

func init() { subcommands = append(subcommands, newInitCommand) }

func newInitCommand() *cobra.Command {
	var (
		validators int
		compute    int
		out        string
		chainID    string
		epoch      uint64
		blockTime  time.Duration
		basePort   int
		listen     string
		hosts      string
		workers    int
		backups    int
	)
	c := &cobra.Command{
		Use:   "init",
		Short: "Write genesis, keys and node configurations for a multi-node network",
		Long: `Write genesis, keys and configurations for a network of --validators nodes
into OUT/node0 … OUT/nodeN-1; run each with atoll node --home OUT/nodeI.
Compute nodes are registered in genesis and hosted by the validators in turn.`,
		Args: cobra.NoArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			if validators < 1 {
				return fmt.Errorf("--validators must be at least 1")
			}
			if compute < 0 {
				return fmt.Errorf("--compute must not be negative")
			}
			var hostList []string
			if hosts != "" {
				hostList = strings.Split(hosts, ",")
				if len(hostList) != validators {
					return fmt.Errorf("--hosts lists %d addresses for %d validators", len(hostList), validators)
				}
			}
			if entries, err := os.ReadDir(out); err == nil && len(entries) > 0 {
				return fmt.Errorf("output directory %s is not empty", out)
			}
			homes := make([]string, validators)
			for i := range homes {
				homes[i] = filepath.Join(out, fmt.Sprintf("node%d", i))
			}
			o := node.NetworkOptions{Homes: homes, ChainID: chainID, Compute: compute, EpochInterval: epoch,
				BlockTime: blockTime, BasePort: basePort, ListenHost: listen, Hosts: hostList,
				Workers: workers, Backups: backups, FaucetFile: filepath.Join(out, "faucet.json")}
			if err := node.InitNetwork(o); err != nil {
				return err
			}
			w := cmd.OutOrStdout()
			fmt.Fprintf(w, "wrote %d validator homes and %d compute nodes for chain %s\n", validators, compute, chainID)
			for i, h := range homes {
				p2p, rpc := o.PortsOf(i)
				fmt.Fprintf(w, "  atoll node --home %s    (p2p %d, rpc %d)\n", h, p2p, rpc)
			}
			for j := 0; j < compute; j++ {
				p2p, sub := o.ComputePortsOf(j)
				fmt.Fprintf(w, "  compute-%d runs in node%d: worker p2p %d, submission API %d\n", j, j%validators, p2p, sub)
			}
			fmt.Fprintf(w, "faucet keypair (funded in the SVM runtime): %s\n", o.FaucetFile)
			return nil
		},
	}
	c.Flags().IntVar(&validators, "validators", 4, "number of validator nodes")
	c.Flags().IntVar(&compute, "compute", 4, "number of compute/storage nodes registered in genesis")
	c.Flags().StringVar(&out, "out", "atoll-testnet", "output directory")
	c.Flags().StringVar(&chainID, "chain-id", "atoll-testnet", "chain id")
	c.Flags().Uint64Var(&epoch, "epoch-blocks", 30, "blocks per epoch (more than 2x the runtime round timeout of 6 blocks)")
	c.Flags().DurationVar(&blockTime, "block-time", time.Second, "target block time (CometBFT timeout_commit)")
	c.Flags().IntVar(&basePort, "base-port", 26656, "node I listens for p2p on BASE+10*I and RPC on BASE+10*I+1")
	c.Flags().StringVar(&listen, "listen", "127.0.0.1", "interface the nodes bind")
	c.Flags().IntVar(&workers, "workers", 0, "executor committee size (default min(3, compute-1))")
	c.Flags().IntVar(&backups, "backups", 0, "backup workers (default 1 when a compute node is left over)")
	c.Flags().StringVar(&hosts, "hosts", "", "comma-separated addresses peers use to reach each node (default: --listen)")
	return c
}
