package main

import (
	"encoding/json"
	"time"

	"github.com/spf13/cobra"

	"github.com/atoll-dev/atoll/client"
	"github.com/atoll-dev/atoll/runtime/svm/sol"
)

func init() { subcommands = append(subcommands, newConfirmCommand) }

func newConfirmCommand() *cobra.Command {
	var f clientFlags
	var verbose bool
	cmd := &cobra.Command{
		Use:   "confirm SIGNATURE",
		Short: "Print a transaction's confirmation status",
		Args:  cobra.ExactArgs(1),
		RunE: func(cmd *cobra.Command, args []string) error {
			sig, err := sol.SignatureFromString(args[0])
			if err != nil {
				return err
			}
			c, err := f.client()
			if err != nil {
				return err
			}
			st, err := c.GetSignatureStatus(cmd.Context(), sig)
			if err != nil {
				return err
			}
			out := cmd.OutOrStdout()
			if verbose && st != nil {
				if err := printTransaction(cmd, c, sig, f.commitment); err != nil {
					return err
				}
			}
			switch {
			case st == nil:
				printf(out, "Not found\n")
			case st.Failed():
				printf(out, "Transaction failed: %s\n", st.Err)
			default:
				printf(out, "%s\n", map[string]string{"processed": "Processed", "confirmed": "Confirmed", "finalized": "Finalized"}[st.ConfirmationStatus])
			}
			return nil
		},
	}
	f.register(cmd)
	cmd.Flags().BoolVarP(&verbose, "verbose", "v", false, "also print the transaction's slot, fee, units and logs")
	return cmd
}

// printTransaction prints what `solana confirm -v` shows of a transaction.
func printTransaction(cmd *cobra.Command, c *client.Client, sig sol.Signature, commitment string) error {
	if commitment == client.Processed {
		commitment = client.Confirmed // getTransaction refuses processed
	}
	var tx *struct {
		Slot      uint64 `json:"slot"`
		BlockTime int64  `json:"blockTime"`
		Meta      struct {
			Err                  json.RawMessage `json:"err"`
			Fee                  uint64          `json:"fee"`
			ComputeUnitsConsumed uint64          `json:"computeUnitsConsumed"`
			LogMessages          []string        `json:"logMessages"`
		} `json:"meta"`
	}
	err := c.Call(cmd.Context(), "getTransaction", []any{sig.String(),
		map[string]any{"commitment": commitment, "maxSupportedTransactionVersion": 0, "encoding": "json"}}, &tx)
	if err != nil {
		return err
	}
	out := cmd.OutOrStdout()
	if tx == nil {
		printf(out, "Transaction not yet %s\n", commitment)
		return nil
	}
	printf(out, "Slot: %d\nBlock Time: %s\nFee: %s\nCompute Units Consumed: %d\nLog Messages:\n",
		tx.Slot, time.Unix(tx.BlockTime, 0).UTC().Format(time.RFC3339), formatSOL(tx.Meta.Fee), tx.Meta.ComputeUnitsConsumed)
	for _, l := range tx.Meta.LogMessages {
		printf(out, "  %s\n", l)
	}
	return nil
}
