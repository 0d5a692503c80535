package main

import (
	"crypto/ed25519"
	"fmt"

	"github.com/spf13/cobra"

	"github.com/atoll-dev/atoll/client"
	"github.com/atoll-dev/atoll/runtime/svm"
)

func init() { subcommands = append(subcommands, newTransferCommand) }

func newTransferCommand() *cobra.Command {
	var f clientFlags
	var from string
	var allowUnfunded bool
	cmd := &cobra.Command{
		Use:   "transfer RECIPIENT AMOUNT",
		Short: "Send SOL (the --keypair pays the fee; --from names the source, default the same keypair)",
		Args:  cobra.ExactArgs(2),
		RunE: func(cmd *cobra.Command, args []string) error {
			to, err := resolveAddress(args[0])
			if err != nil {
				return err
			}
			lamports, err := parseSOL(args[1])
			if err != nil {
				return err
			}
			c, err := f.client()
			if err != nil {
				return err
			}
			payer, err := f.signer()
			if err != nil {
				return err
			}
			source := payer
			if from != "" {
				if source, err = readKeypairFile(from); err != nil {
					return err
				}
			}
			ctx := cmd.Context()
			if !allowUnfunded {
				acct, err := c.GetAccountInfo(ctx, to, f.commitment)
				if err != nil {
					return err
				}
				if acct == nil {
					return fmt.Errorf("the recipient address (%s) is not funded; add --allow-unfunded-recipient to complete the transfer", to)
				}
			}
			bh, err := c.GetLatestBlockhash(ctx, f.commitment)
			if err != nil {
				return err
			}
			raw, _, err := client.SignTransaction(bh.Blockhash, payer, []ed25519.PrivateKey{source},
				svm.Transfer(client.PubkeyOf(source), to, lamports))
			if err != nil {
				return err
			}
			sig, err := sendAndConfirm(ctx, c, raw, bh.LastValidBlockHeight, f.commitment)
			if err != nil {
				return err
			}
			printf(cmd.OutOrStdout(), "\nSignature: %s\n\n", sig)
			return nil
		},
	}
	f.register(cmd)
	cmd.Flags().StringVar(&from, "from", "", "keypair file of the source account (default: --keypair)")
	cmd.Flags().BoolVar(&allowUnfunded, "allow-unfunded-recipient", false, "complete the transfer even if the recipient has no account yet")
	return cmd
}

func errorf(format string, args ...any) error { return fmt.Errorf(format, args...) }
