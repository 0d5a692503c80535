package main

import (
	"context"
	"encoding/hex"
	"fmt"
	"io"
	"strconv"
	"time"

	rpchttp "github.com/cometbft/cometbft/rpc/client/http"
	"github.com/spf13/cobra"

	"github.com/atoll-dev/atoll/consensus/genesis"
	"github.com/atoll-dev/atoll/consensus/registry"
	"github.com/atoll-dev/atoll/consensus/roothash/api"
)

func init() { subcommands = append(subcommands, newRoothashCommand) }

// newRoothashCommand is "atoll roothash latest|round|block|incoming": a
// runtime's chain of blocks and its pending round, as the consensus layer
// holds them.
func newRoothashCommand() *cobra.Command {
	var rpc, runtime string
	var asJSON bool
	c := &cobra.Command{Use: "roothash", Short: "Query a runtime's finalized blocks and pending round"}
	c.PersistentFlags().StringVar(&rpc, "rpc", "http://127.0.0.1:26657", "CometBFT RPC address of the node")
	c.PersistentFlags().StringVar(&runtime, "runtime", genesis.SVMRuntimeID.String(), "runtime id (hex)")
	c.PersistentFlags().BoolVar(&asJSON, "json", false, "print the query answer as JSON")
	run := func(path string, data func(registry.RuntimeID, []string) ([]byte, error), show func(io.Writer, []byte) error) func(*cobra.Command, []string) error {
		return func(cmd *cobra.Command, args []string) error {
			var id registry.RuntimeID
			if err := id.UnmarshalText([]byte(runtime)); err != nil {
				return fmt.Errorf("--runtime: %w", err)
			}
			d, err := data(id, args)
			if err != nil {
				return err
			}
			raw, err := abciQuery(cmd.Context(), rpc, path, d)
			if err != nil {
				return err
			}
			if asJSON {
				_, err := fmt.Fprintln(cmd.OutOrStdout(), string(raw))
				return err
			}
			return show(cmd.OutOrStdout(), raw)
		}
	}
	byID := func(id registry.RuntimeID, _ []string) ([]byte, error) { return api.RuntimeQueryData(id), nil }
	showBlock := func(w io.Writer, raw []byte) error {
		b, err := api.DecodeBlock(raw)
		if err != nil {
			return err
		}
		writeBlock(w, b)
		return nil
	}
	c.AddCommand(
		&cobra.Command{Use: "latest", Short: "The latest finalized block", Args: cobra.NoArgs, RunE: run(api.QueryLatest, byID, showBlock)},
		&cobra.Command{Use: "block ROUND", Short: "The block of a recent round", Args: cobra.ExactArgs(1), RunE: run(api.QueryBlock,
			func(id registry.RuntimeID, args []string) ([]byte, error) {
				r, err := strconv.ParseUint(args[0], 10, 64)
				if err != nil {
					return nil, fmt.Errorf("round %q is not a number", args[0])
				}
				return api.BlockQueryData(id, r), nil
			}, showBlock)},
		&cobra.Command{Use: "round", Short: "The pending round: committee, proposal lock, votes", Args: cobra.NoArgs, RunE: run(api.QueryRound, byID,
			func(w io.Writer, raw []byte) error {
				v, err := api.DecodeRound(raw)
				if err != nil {
					return err
				}
				writeRound(w, v)
				return nil
			})},
		&cobra.Command{Use: "incoming", Short: "Queued deposits the runtime has not processed yet", Args: cobra.NoArgs, RunE: run(api.QueryIncoming, byID,
			func(w io.Writer, raw []byte) error {
				q, err := api.DecodeIncoming(raw)
				if err != nil {
					return err
				}
				for _, m := range q {
					fmt.Fprintf(w, "#%d  %d from %s to %s\n", m.ID, m.Amount, m.From, hex.EncodeToString(m.Recipient[:]))
				}
				fmt.Fprintf(w, "%d queued\n", len(q))
				return nil
			})},
	)
	return c
}

func abciQuery(ctx context.Context, rpc, path string, data []byte) ([]byte, error) {
	if ctx == nil {
		ctx = context.Background()
	}
	ctx, cancel := context.WithTimeout(ctx, 10*time.Second)
	defer cancel()
	client, err := rpchttp.New(rpc, "/websocket")
	if err != nil {
		return nil, fmt.Errorf("node RPC %s: %w", rpc, err)
	}
	res, err := client.ABCIQuery(ctx, path, data)
	if err != nil {
		return nil, fmt.Errorf("node RPC %s: query %s: %w", rpc, path, err)
	}
	if res.Response.Code != 0 {
		return nil, fmt.Errorf("query %s: %s", path, res.Response.Log)
	}
	return res.Response.Value, nil
}

var headerTypes = map[api.HeaderType]string{api.Normal: "normal", api.RoundFailed: "round-failed", api.EpochTransition: "epoch-transition", api.Suspended: "suspended"}

func writeBlock(w io.Writer, b *api.BlockView) {
	h := &b.Header
	fmt.Fprintf(w, "%s round %d (%s) at height %d\n  hash  %x\n  prev  %x\n  state %x\n  io    %x\n",
		runtimeName(h.Namespace), h.Round, headerTypes[h.Type], b.Height, b.Hash, h.PreviousHash, h.StateRoot, h.IORoot)
}

func writeRound(w io.Writer, v *api.RoundView) {
	writeBlock(w, &v.Latest)
	if v.Suspended {
		fmt.Fprintln(w, "suspended: no round runs")
		return
	}
	r := v.Round
	if r == nil {
		fmt.Fprintln(w, "no pending round")
		return
	}
	phase := "workers"
	if r.Discrepancy {
		phase = "discrepancy: backups decide"
	}
	fmt.Fprintf(w, "round %d (epoch %d) started at height %d, deadline %d, %s\n", r.Round, r.Committee.Epoch, r.StartHeight, r.Deadline, phase)
	if s, ok := r.Committee.Scheduler(r.Round, 0); ok {
		fmt.Fprintf(w, "  scheduler %s\n", s)
	}
	if r.Proposal != nil {
		fmt.Fprintf(w, "  locked to batch %x by %s\n", r.Proposal.BatchHash, r.Proposal.Scheduler)
	}
	for _, vote := range r.Votes {
		role, what := "worker", fmt.Sprintf("state %x", vote.Results.StateRoot[:8])
		if vote.Backup {
			role = "backup"
		}
		if vote.Failure != api.NoFailure {
			what = "failure"
		}
		fmt.Fprintf(w, "  %-6s %s  %s\n", role, vote.Node, what)
	}
	fmt.Fprintf(w, "  %d of %d workers, %d backups committed; incoming up to #%d\n",
		countVotes(r, false), len(r.Committee.Workers), countVotes(r, true), r.IncomingUpTo)
}

func countVotes(r *api.RoundState, backup bool) int {
	n := 0
	for _, v := range r.Votes {
		if v.Backup == backup {
			n++
		}
	}
	return n
}
