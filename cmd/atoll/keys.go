package main

import (
	"crypto/ed25519"
	"crypto/rand"

	"github.com/spf13/cobra"

	"github.com/atoll-dev/atoll/client"
)

func init() { subcommands = append(subcommands, newKeysCommand) }

func newKeysCommand() *cobra.Command {
	cmd := &cobra.Command{Use: "keys", Short: "Create and inspect keypair files (solana-keygen format)"}
	cmd.AddCommand(newKeysNewCommand(), newKeysPubkeyCommand("pubkey", "Print a keypair file's address"),
		newKeysPubkeyCommand("show", "Print a keypair file's address and path"))
	return cmd
}

func newKeysNewCommand() *cobra.Command {
	var out string
	var force, silent bool
	cmd := &cobra.Command{
		Use:   "new",
		Short: "Generate a keypair and write it to a file",
		Args:  cobra.NoArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			_, key, err := ed25519.GenerateKey(rand.Reader)
			if err != nil {
				return err
			}
			if err := client.WriteKeypair(out, key, force); err != nil {
				return err
			}
			if !silent {
				printf(cmd.OutOrStdout(), "Wrote new keypair to %s\npubkey: %s\n", out, client.PubkeyOf(key))
			}
			return nil
		},
	}
	cmd.Flags().StringVarP(&out, "outfile", "o", defaultKeypairPath(), "where to write the keypair")
	cmd.Flags().BoolVarP(&force, "force", "f", false, "overwrite an existing file")
	cmd.Flags().BoolVarP(&silent, "silent", "s", false, "print nothing")
	cmd.Flags().Bool("no-bip39-passphrase", true, "accepted for solana-keygen compatibility; atoll writes no mnemonic")
	return cmd
}

func newKeysPubkeyCommand(use, short string) *cobra.Command {
	return &cobra.Command{
		Use:   use + " [KEYPAIR_FILE]",
		Short: short,
		Args:  cobra.MaximumNArgs(1),
		RunE: func(cmd *cobra.Command, args []string) error {
			path := defaultKeypairPath()
			if len(args) == 1 {
				path = args[0]
			}
			key, err := readKeypairFile(path)
			if err != nil {
				return err
			}
			if use == "show" {
				printf(cmd.OutOrStdout(), "pubkey: %s\nfile: %s\n", client.PubkeyOf(key), path)
				return nil
			}
			printf(cmd.OutOrStdout(), "%s\n", client.PubkeyOf(key))
			return nil
		},
	}
}
