package main

import (
	"github.com/spf13/cobra"

	"github.com/atoll-dev/atoll/runtime/svm/sol"
)

func init() { subcommands = append(subcommands, newConfirmCommand) }

func newConfirmCommand() *cobra.Command {
	var f clientFlags
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
	return cmd
}
