package main

import (
	"github.com/spf13/cobra"

	"github.com/atoll-dev/atoll/client"
	"github.com/atoll-dev/atoll/runtime/svm/sol"
)

func init() { subcommands = append(subcommands, newBalanceCommand) }

func newBalanceCommand() *cobra.Command {
	var f clientFlags
	var lamports bool
	cmd := &cobra.Command{
		Use:   "balance [ADDRESS]",
		Short: "Print an account's balance (default: the --keypair's)",
		Args:  cobra.MaximumNArgs(1),
		RunE: func(cmd *cobra.Command, args []string) error {
			c, err := f.client()
			if err != nil {
				return err
			}
			key, err := addressOrSigner(&f, args)
			if err != nil {
				return err
			}
			bal, err := c.GetBalance(cmd.Context(), key, f.commitment)
			if err != nil {
				return err
			}
			if lamports {
				printf(cmd.OutOrStdout(), "%d lamports\n", bal)
			} else {
				printf(cmd.OutOrStdout(), "%s\n", formatSOL(bal))
			}
			return nil
		},
	}
	f.register(cmd)
	cmd.Flags().BoolVar(&lamports, "lamports", false, "print lamports instead of SOL")
	return cmd
}

// addressOrSigner is args[0] resolved as an address, or the signer's address.
func addressOrSigner(f *clientFlags, args []string) (sol.Pubkey, error) {
	if len(args) == 1 {
		return resolveAddress(args[0])
	}
	signer, err := f.signer()
	if err != nil {
		return sol.Pubkey{}, err
	}
	return client.PubkeyOf(signer), nil
}
