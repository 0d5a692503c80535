package main

import (
	"crypto/ed25519"
	"encoding/json"
	"fmt"
	"text/tabwriter"

	"github.com/spf13/cobra"

	"github.com/atoll-dev/atoll/client"
	"github.com/atoll-dev/atoll/runtime/svm"
	"github.com/atoll-dev/atoll/runtime/svm/sol"
)

func init() { subcommands = append(subcommands, newFeatureCommand) }

func newFeatureCommand() *cobra.Command {
	cmd := &cobra.Command{Use: "feature", Short: "Inspect and activate runtime feature gates"}
	cmd.AddCommand(newFeatureStatusCommand(), newFeatureActivateCommand(), newFeatureKeypairCommand())
	return cmd
}

// featureRow is one feature's status as `feature status` reports it.
type featureRow struct {
	ID             string  `json:"id"`
	Name           string  `json:"name"`
	Status         string  `json:"status"`
	ActivationSlot *uint64 `json:"sinceSlot,omitempty"`
	Description    string  `json:"description"`
}

// featureStatuses reads every known feature account in one getMultipleAccounts.
func featureStatuses(cmd *cobra.Command, c *client.Client, commitment string) ([]featureRow, error) {
	known := svm.KnownFeatures()
	keys := make([]sol.Pubkey, len(known))
	for i, f := range known {
		keys[i] = f.ID
	}
	accts, _, err := c.GetMultipleAccounts(cmd.Context(), keys, commitment)
	if err != nil {
		return nil, err
	}
	rows := make([]featureRow, len(known))
	for i, f := range known {
		var a sol.Account
		if accts[i] != nil {
			a = *accts[i]
		}
		st, slot := svm.DecodeFeatureAccount(&a, accts[i] != nil)
		rows[i] = featureRow{ID: f.ID.String(), Name: f.Name, Status: st.String(), Description: f.Description}
		if st == svm.FeatureActive {
			rows[i].ActivationSlot = &slot
		}
	}
	return rows, nil
}

func newFeatureStatusCommand() *cobra.Command {
	var f clientFlags
	var output string
	cmd := &cobra.Command{
		Use:   "status",
		Short: "List the runtime's feature gates and whether each is inactive, pending or active",
		Args:  cobra.NoArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			c, err := f.client()
			if err != nil {
				return err
			}
			rows, err := featureStatuses(cmd, c, f.commitment)
			if err != nil {
				return err
			}
			out := cmd.OutOrStdout()
			switch output {
			case "json":
				b, _ := json.MarshalIndent(rows, "", "  ")
				printf(out, "%s\n", b)
				return nil
			case "":
			default:
				return fmt.Errorf("unknown --output %q: use json, or omit it", output)
			}
			tw := tabwriter.NewWriter(out, 0, 4, 2, ' ', 0)
			fmt.Fprintln(tw, "Feature\tName\tStatus\tActivation Slot\tDescription")
			for _, r := range rows {
				slot := "NA"
				status := r.Status
				if r.ActivationSlot != nil {
					slot = fmt.Sprint(*r.ActivationSlot)
				}
				if status == "pending" {
					status = "pending until the next epoch"
				}
				fmt.Fprintf(tw, "%s\t%s\t%s\t%s\t%s\n", r.ID, r.Name, status, slot, r.Description)
			}
			return tw.Flush()
		},
	}
	f.register(cmd)
	cmd.Flags().StringVar(&output, "output", "", "output format: json")
	return cmd
}

// featureActivationInstructions fund, size and assign a feature account to
// the feature program with activated_at = None: pending. Creating it takes
// three instructions rather than CreateAccount so that lamports sent to the
// address beforehand cannot block the activation.
func featureActivationInstructions(payer, feature sol.Pubkey, rentExempt uint64, current *sol.Account) []sol.Instruction {
	var ins []sol.Instruction
	have := uint64(0)
	if current != nil {
		have = current.Lamports
	}
	if have < rentExempt {
		ins = append(ins, svm.Transfer(payer, feature, rentExempt-have))
	}
	return append(ins, svm.Allocate(feature, 9), svm.Assign(feature, svm.FeatureProgramID))
}

func newFeatureActivateCommand() *cobra.Command {
	var f clientFlags
	cmd := &cobra.Command{
		Use:   "activate FEATURE_KEYPAIR",
		Short: "Request a feature's activation: it becomes pending and activates at the next epoch boundary",
		Args:  cobra.ExactArgs(1),
		RunE: func(cmd *cobra.Command, args []string) error {
			featureKey, err := readKeypairFile(args[0])
			if err != nil {
				return err
			}
			id := client.PubkeyOf(featureKey)
			var known *svm.Feature
			for _, k := range svm.KnownFeatures() {
				if k.ID == id {
					known = &k
				}
			}
			if known == nil {
				return fmt.Errorf("%s is not a feature this runtime knows (see `atoll feature status`)", id)
			}
			c, err := f.client()
			if err != nil {
				return err
			}
			payer, err := f.signer()
			if err != nil {
				return err
			}
			ctx := cmd.Context()
			current, err := c.GetAccountInfo(ctx, id, f.commitment)
			if err != nil {
				return err
			}
			if current != nil {
				if st, _ := svm.DecodeFeatureAccount(current, true); st != svm.FeatureInactive {
					return fmt.Errorf("feature %s is already %s", known.Name, st)
				}
				if current.Owner != svm.SystemProgramID || len(current.Data) != 0 {
					return fmt.Errorf("feature account %s exists with owner %s and %d bytes of data: it cannot become a feature account", id, current.Owner, len(current.Data))
				}
			}
			rent, err := c.GetMinimumBalanceForRentExemption(ctx, 9)
			if err != nil {
				return err
			}
			bh, err := c.GetLatestBlockhash(ctx, f.commitment)
			if err != nil {
				return err
			}
			raw, _, err := client.SignTransaction(bh.Blockhash, payer, []ed25519.PrivateKey{featureKey},
				featureActivationInstructions(client.PubkeyOf(payer), id, rent, current)...)
			if err != nil {
				return err
			}
			sig, err := sendAndConfirm(ctx, c, raw, bh.LastValidBlockHeight, f.commitment)
			if err != nil {
				return err
			}
			printf(cmd.OutOrStdout(), "Feature %s (%s) is pending: it activates at the next epoch boundary.\nSignature: %s\n", known.Name, id, sig)
			return nil
		},
	}
	f.register(cmd)
	return cmd
}

func newFeatureKeypairCommand() *cobra.Command {
	var out string
	var force bool
	cmd := &cobra.Command{
		Use:   "keypair NAME",
		Short: "Write a known feature's keypair (its seed is public on development networks)",
		Args:  cobra.ExactArgs(1),
		RunE: func(cmd *cobra.Command, args []string) error {
			var found bool
			for _, k := range svm.KnownFeatures() {
				found = found || k.Name == args[0]
			}
			if !found {
				names := []string{}
				for _, k := range svm.KnownFeatures() {
					names = append(names, k.Name)
				}
				return fmt.Errorf("unknown feature %q; known: %v", args[0], names)
			}
			key := ed25519.NewKeyFromSeed(svm.FeatureKeySeed(args[0]))
			if out == "" {
				return fmt.Errorf("--outfile is required")
			}
			if err := client.WriteKeypair(out, key, force); err != nil {
				return err
			}
			printf(cmd.OutOrStdout(), "Wrote the keypair of feature %s (%s) to %s\n", args[0], client.PubkeyOf(key), out)
			return nil
		},
	}
	cmd.Flags().StringVarP(&out, "outfile", "o", "", "where to write the keypair")
	cmd.Flags().BoolVarP(&force, "force", "f", false, "overwrite an existing file")
	return cmd
}
