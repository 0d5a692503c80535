package main

import (
	"crypto/ed25519"
	"fmt"
	"os"
	"path/filepath"
	"strings"

	"github.com/spf13/cobra"

	"github.com/atoll-dev/atoll/client"
	"github.com/atoll-dev/atoll/runtime/svm"
	"github.com/atoll-dev/atoll/runtime/svm/loader"
	"github.com/atoll-dev/atoll/runtime/svm/sol"
	"github.com/atoll-dev/atoll/vm/sbpf/elf"
)

func init() {
	programSubcommands = append(programSubcommands, newProgramDeployCommand, newProgramShowCommand)
}

// deployChunk is how many program bytes one Write transaction carries: a
// 1232-byte transaction less signatures, keys and instruction framing.
const deployChunk = 950

func newProgramDeployCommand() *cobra.Command {
	var f clientFlags
	var programKeypair string
	var maxLen uint64
	cmd := &cobra.Command{
		Use:   "deploy FILE.so",
		Short: "Deploy (or upgrade) a program with the upgradeable BPF loader, as `solana program deploy` does",
		Long: `Writes the program into a buffer account in chunks, then deploys it at the
address of --program-id (a keypair file; default: FILE-keypair.json beside the
program, created if missing). If the program already exists and the signer is
its upgrade authority, the buffer upgrades it instead.`,
		Args: cobra.ExactArgs(1),
		RunE: func(cmd *cobra.Command, args []string) error {
			so, err := os.ReadFile(args[0])
			if err != nil {
				return err
			}
			rt, err := loader.New()
			if err != nil {
				return err
			}
			if _, err := elf.Load(so, rt.Registry()); err != nil {
				return fmt.Errorf("%s does not load: %w", args[0], err)
			}
			c, err := f.client()
			if err != nil {
				return err
			}
			payer, err := f.signer()
			if err != nil {
				return err
			}
			if programKeypair == "" {
				programKeypair = strings.TrimSuffix(args[0], filepath.Ext(args[0])) + "-keypair.json"
			}
			progKey, err := client.ReadKeypair(programKeypair)
			if os.IsNotExist(err) {
				_, progKey, _ = ed25519.GenerateKey(nil)
				if err = client.WriteKeypair(programKeypair, progKey, false); err != nil {
					return err
				}
				printf(cmd.ErrOrStderr(), "wrote new program keypair %s\n", programKeypair)
			} else if err != nil {
				return fmt.Errorf("program keypair %s: %w", programKeypair, err)
			}
			ctx := cmd.Context()
			out := cmd.OutOrStdout()
			programID := client.PubkeyOf(progKey)
			authority := client.PubkeyOf(payer)
			send := func(signers []ed25519.PrivateKey, ins ...sol.Instruction) error {
				bh, err := c.GetLatestBlockhash(ctx, f.commitment)
				if err != nil {
					return err
				}
				raw, _, err := client.SignTransaction(bh.Blockhash, payer, signers, ins...)
				if err != nil {
					return err
				}
				_, err = sendAndConfirm(ctx, c, raw, bh.LastValidBlockHeight, f.commitment)
				return err
			}

			// The buffer.
			_, bufKey, _ := ed25519.GenerateKey(nil)
			buffer := client.PubkeyOf(bufKey)
			size := loader.BufferMetadataSize + len(so)
			rent, err := c.GetMinimumBalanceForRentExemption(ctx, size)
			if err != nil {
				return err
			}
			if err := send([]ed25519.PrivateKey{bufKey},
				svm.CreateAccount(authority, buffer, rent, uint64(size), svm.BPFLoaderUpgradeableID),
				loader.InitializeBuffer(buffer, authority)); err != nil {
				return fmt.Errorf("creating buffer %s: %w", buffer, err)
			}
			chunks := (len(so) + deployChunk - 1) / deployChunk
			for i := 0; i < chunks; i++ {
				lo, hi := i*deployChunk, min((i+1)*deployChunk, len(so))
				if err := send(nil, loader.WriteBuffer(buffer, authority, uint32(lo), so[lo:hi])); err != nil {
					return fmt.Errorf("writing chunk %d of %d: %w", i+1, chunks, err)
				}
				printf(out, "\rwriting %s: %d/%d chunks (%d bytes)", buffer, i+1, chunks, hi)
			}
			printf(out, "\n")

			existing, err := c.GetAccountInfo(ctx, programID, f.commitment)
			if err != nil {
				return err
			}
			if existing != nil && existing.Executable {
				if err := send(nil, loader.Upgrade(programID, buffer, authority, authority)); err != nil {
					return fmt.Errorf("upgrading %s: %w", programID, err)
				}
				printf(out, "Upgraded program Id: %s\n", programID)
				return nil
			}
			if maxLen == 0 {
				maxLen = uint64(2 * len(so))
			}
			progRent, err := c.GetMinimumBalanceForRentExemption(ctx, loader.ProgramAccountSize)
			if err != nil {
				return err
			}
			if err := send([]ed25519.PrivateKey{progKey},
				svm.CreateAccount(authority, programID, progRent, loader.ProgramAccountSize, svm.BPFLoaderUpgradeableID),
				loader.DeployWithMaxDataLen(authority, programID, buffer, authority, maxLen)); err != nil {
				return fmt.Errorf("deploying %s: %w", programID, err)
			}
			printf(out, "Program Id: %s\n", programID)
			return nil
		},
	}
	f.register(cmd)
	cmd.Flags().StringVar(&programKeypair, "program-id", "", "keypair file of the program address (default FILE-keypair.json)")
	cmd.Flags().Uint64Var(&maxLen, "max-len", 0, "bytes reserved for upgrades (default twice the program's size)")
	return cmd
}

func newProgramShowCommand() *cobra.Command {
	var f clientFlags
	cmd := &cobra.Command{
		Use:   "show PROGRAM_ID",
		Short: "Show a deployed program: loader, data account, authority, deploy slot and size",
		Args:  cobra.ExactArgs(1),
		RunE: func(cmd *cobra.Command, args []string) error {
			id, err := resolveAddress(args[0])
			if err != nil {
				return err
			}
			c, err := f.client()
			if err != nil {
				return err
			}
			ctx := cmd.Context()
			acct, err := c.GetAccountInfo(ctx, id, f.commitment)
			if err != nil {
				return err
			}
			if acct == nil {
				return fmt.Errorf("no account at %s", id)
			}
			out := cmd.OutOrStdout()
			printf(out, "Program Id: %s\nOwner: %s\nExecutable: %v\n", id, acct.Owner, acct.Executable)
			if acct.Owner != svm.BPFLoaderUpgradeableID {
				printf(out, "Data Length: %d (0x%x) bytes\nBalance: %s\n", len(acct.Data), len(acct.Data), formatSOL(acct.Lamports))
				return nil
			}
			st, err := loader.DecodeUpgradeableState(acct.Data)
			if err != nil {
				return fmt.Errorf("%s is owned by the upgradeable loader but is not a program: %w", id, err)
			}
			pd, err := c.GetAccountInfo(ctx, st.ProgramData, f.commitment)
			if err != nil {
				return err
			}
			if pd == nil {
				printf(out, "ProgramData Address: %s (closed)\n", st.ProgramData)
				return nil
			}
			pst, err := loader.DecodeUpgradeableState(pd.Data)
			if err != nil {
				return err
			}
			authority := "none"
			if pst.Authority != nil {
				authority = pst.Authority.String()
			}
			printf(out, "ProgramData Address: %s\nAuthority: %s\nLast Deployed In Slot: %d\nData Length: %d (0x%x) bytes\nBalance: %s\n",
				st.ProgramData, authority, pst.DeploySlot, len(pd.Data)-loader.ProgramDataMetadataSize,
				len(pd.Data)-loader.ProgramDataMetadataSize, formatSOL(pd.Lamports+acct.Lamports))
			return nil
		},
	}
	f.register(cmd)
	return cmd
}
