package main

import (
	"context"
	"encoding/json"
	"fmt"
	"sort"
	"time"

	rpchttp "github.com/cometbft/cometbft/rpc/client/http"
	"github.com/spf13/cobra"

	"github.com/atoll-dev/atoll/consensus/app"
	"github.com/atoll-dev/atoll/consensus/beacon"
	"github.com/atoll-dev/atoll/consensus/registry"
	"github.com/atoll-dev/atoll/consensus/scheduler"
)

func init() { subcommands = append(subcommands, newStatusCommand) }

// nodeStatus is what atoll status prints with --json.
type nodeStatus struct {
	Moniker     string                 `json:"moniker"`
	Height      int64                  `json:"height"`
	CatchingUp  bool                   `json:"catching_up"`
	Peers       int                    `json:"peers"`
	App         app.Status             `json:"app"`
	Committees  []*scheduler.Committee `json:"committees"`
	Runtimes    []registry.RuntimeView `json:"runtimes"`
	Validators  []scheduler.Validator  `json:"validators"`
	Beacon      beacon.State           `json:"beacon"`
	LatestBlock time.Time              `json:"latest_block_time"`
}

func newStatusCommand() *cobra.Command {
	var rpc string
	var asJSON bool
	c := &cobra.Command{
		Use:   "status",
		Short: "Query a running node: height, epoch, committees, runtime states",
		Args:  cobra.NoArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			st, err := queryStatus(cmd.Context(), rpc)
			if err != nil {
				return err
			}
			out := cmd.OutOrStdout()
			if asJSON {
				b, _ := json.MarshalIndent(st, "", "  ")
				fmt.Fprintln(out, string(b))
				return nil
			}
			fmt.Fprintf(out, "chain %s  node %s  height %d  epoch %d  peers %d  catching up %v\n",
				st.App.ChainID, st.Moniker, st.Height, st.App.Epoch, st.Peers, st.CatchingUp)
			fmt.Fprintf(out, "app hash %X\n", st.App.AppHash)
			var power int64
			for _, v := range st.Validators {
				power += v.Power
			}
			source := "vrf"
			if st.Beacon.Insecure {
				source = "fallback (too few VRF proofs)"
			}
			fmt.Fprintf(out, "validators %d (total power %d)  beacon for epoch %d: %s from %d proofs\n",
				len(st.Validators), power, st.Beacon.Epoch, source, st.Beacon.Proofs)
			for _, r := range st.Runtimes {
				state := "active"
				if r.Status.Suspended {
					state = "suspended (" + r.Status.Reason + ")"
				}
				fmt.Fprintf(out, "runtime %s (%s): %s\n", r.Runtime.Name, r.Runtime.ID, state)
			}
			for _, c := range st.Committees {
				fmt.Fprintf(out, "  %s committee of %s for epoch %d:\n", c.Kind, runtimeName(c.Runtime), c.Epoch)
				for _, m := range c.Members {
					fmt.Fprintf(out, "    %-13s %s\n", m.Role, m.Node)
				}
			}
			return nil
		},
	}
	c.Flags().StringVar(&rpc, "rpc", "http://127.0.0.1:26657", "CometBFT RPC address of the node")
	c.Flags().BoolVar(&asJSON, "json", false, "print JSON")
	return c
}

func queryStatus(ctx context.Context, rpc string) (*nodeStatus, error) {
	if ctx == nil {
		ctx = context.Background()
	}
	ctx, cancel := context.WithTimeout(ctx, 10*time.Second)
	defer cancel()
	client, err := rpchttp.New(rpc, "/websocket")
	if err != nil {
		return nil, fmt.Errorf("node RPC %s: %w", rpc, err)
	}
	cs, err := client.Status(ctx)
	if err != nil {
		return nil, fmt.Errorf("node RPC %s is not answering: %w", rpc, err)
	}
	st := &nodeStatus{Moniker: cs.NodeInfo.Moniker, Height: cs.SyncInfo.LatestBlockHeight, CatchingUp: cs.SyncInfo.CatchingUp, LatestBlock: cs.SyncInfo.LatestBlockTime}
	if ni, err := client.NetInfo(ctx); err == nil {
		st.Peers = ni.NPeers
	}
	query := func(path string, out any) error {
		res, err := client.ABCIQuery(ctx, path, nil)
		if err != nil {
			return fmt.Errorf("query %s: %w", path, err)
		}
		if res.Response.Code != 0 {
			return fmt.Errorf("query %s: %s", path, res.Response.Log)
		}
		return json.Unmarshal(res.Response.Value, out)
	}
	if err := query("app/status", &st.App); err != nil {
		return nil, err
	}
	if err := query("scheduler/committees", &st.Committees); err != nil {
		return nil, err
	}
	if err := query("registry/runtimes", &st.Runtimes); err != nil {
		return nil, err
	}
	if err := query("scheduler/validators", &st.Validators); err != nil {
		return nil, err
	}
	if err := query("beacon/state", &st.Beacon); err != nil {
		return nil, err
	}
	sort.Slice(st.Runtimes, func(i, j int) bool { return st.Runtimes[i].Runtime.Name < st.Runtimes[j].Runtime.Name })
	return st, nil
}
