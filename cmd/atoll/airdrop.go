package main

import (
	"github.com/spf13/cobra"
)

func init() { subcommands = append(subcommands, newAirdropCommand) }

func newAirdropCommand() *cobra.Command {
	var f clientFlags
	cmd := &cobra.Command{
		Use:   "airdrop AMOUNT [RECIPIENT]",
		Short: "Request SOL from the network's faucet (default recipient: the --keypair's address)",
		Args:  cobra.RangeArgs(1, 2),
		RunE: func(cmd *cobra.Command, args []string) error {
			lamports, err := parseSOL(args[0])
			if err != nil {
				return err
			}
			c, err := f.client()
			if err != nil {
				return err
			}
			to, err := addressOrSigner(&f, args[1:])
			if err != nil {
				return err
			}
			out := cmd.OutOrStdout()
			printf(out, "Requesting airdrop of %s\n\n", formatSOL(lamports))
			ctx := cmd.Context()
			sig, err := c.RequestAirdrop(ctx, to, lamports)
			if err != nil {
				return err
			}
			printf(out, "Signature: %s\n\n", sig)
			st, err := c.ConfirmTransaction(ctx, sig, f.commitment, 0)
			if err != nil {
				return err
			}
			if st.Failed() {
				return errorf("airdrop transaction %s failed: %s", sig, st.Err)
			}
			bal, err := c.GetBalance(ctx, to, f.commitment)
			if err != nil {
				return err
			}
			printf(out, "%s\n", formatSOL(bal))
			return nil
		},
	}
	f.register(cmd)
	return cmd
}
