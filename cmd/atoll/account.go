package main

import (
	"encoding/base64"
	"encoding/hex"
	"encoding/json"
	"fmt"

	"github.com/spf13/cobra"
)

func init() { subcommands = append(subcommands, newAccountCommand) }

func newAccountCommand() *cobra.Command {
	var f clientFlags
	var output string
	cmd := &cobra.Command{
		Use:   "account ADDRESS",
		Short: "Show an account's balance, owner and data",
		Args:  cobra.ExactArgs(1),
		RunE: func(cmd *cobra.Command, args []string) error {
			key, err := resolveAddress(args[0])
			if err != nil {
				return err
			}
			c, err := f.client()
			if err != nil {
				return err
			}
			a, err := c.GetAccountInfo(cmd.Context(), key, f.commitment)
			if err != nil {
				return err
			}
			if a == nil {
				return fmt.Errorf("account %s not found", key)
			}
			out := cmd.OutOrStdout()
			switch output {
			case "json":
				b, _ := json.MarshalIndent(map[string]any{
					"pubkey": key.String(),
					"account": map[string]any{"lamports": a.Lamports, "data": []string{base64.StdEncoding.EncodeToString(a.Data), "base64"},
						"owner": a.Owner.String(), "executable": a.Executable, "rentEpoch": a.RentEpoch, "space": len(a.Data)},
				}, "", "  ")
				printf(out, "%s\n", b)
			case "":
				printf(out, "\nPublic Key: %s\nBalance: %s\nOwner: %s\nExecutable: %v\nRent Epoch: %d\n",
					key, formatSOL(a.Lamports), a.Owner, a.Executable, a.RentEpoch)
				printf(out, "Length: %d (%#x) bytes\n", len(a.Data), len(a.Data))
				if len(a.Data) > 0 {
					printf(out, "%s", hex.Dump(a.Data))
				}
			default:
				return fmt.Errorf("unknown --output %q: use json, or omit it", output)
			}
			return nil
		},
	}
	f.register(cmd)
	cmd.Flags().StringVar(&output, "output", "", "output format: json")
	return cmd
}
