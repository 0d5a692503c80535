package main

import (
	"errors"
	"fmt"
	"os"

	"github.com/spf13/cobra"

	"github.com/atoll-dev/atoll/storage/mkvs"
)

func init() { subcommands = append(subcommands, newMKVSCommand) }

// newMKVSCommand groups the operator tools for a node's state store.
func newMKVSCommand() *cobra.Command {
	c := &cobra.Command{
		Use:   "mkvs",
		Short: "Inspect and verify a runtime's Merklized state store (the node must be stopped)",
	}
	c.AddCommand(newMKVSRootsCommand(), newMKVSCheckCommand())
	return c
}

func openMKVSForInspection(dir string) (*mkvs.Store, error) {
	if _, err := os.Stat(dir); err != nil {
		return nil, fmt.Errorf("store directory: %w", err)
	}
	return mkvs.Open(dir, mkvs.Options{AdoptNamespace: true})
}

func newMKVSRootsCommand() *cobra.Command {
	var dir string
	c := &cobra.Command{
		Use:   "roots",
		Short: "Print the namespace and the retained version range and latest root of each tree type",
		Args:  cobra.NoArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			s, err := openMKVSForInspection(dir)
			if err != nil {
				return err
			}
			defer s.Close()
			ns := s.Namespace()
			out := cmd.OutOrStdout()
			fmt.Fprintf(out, "namespace %x\n", ns[:])
			for _, t := range []mkvs.RootType{mkvs.RootState, mkvs.RootIO} {
				l, ok := s.LatestRoot(t)
				if !ok {
					fmt.Fprintf(out, "%-5s no roots\n", t)
					continue
				}
				fmt.Fprintf(out, "%-5s versions %d..%d latest %s\n", t, s.EarliestVersion(t), l.Version, l.Hash)
			}
			return nil
		},
	}
	c.Flags().StringVar(&dir, "dir", "", "store directory")
	_ = c.MarkFlagRequired("dir")
	return c
}

func newMKVSCheckCommand() *cobra.Command {
	var dir, typ string
	var version uint64
	c := &cobra.Command{
		Use:   "check",
		Short: "Read every node of a root from disk and verify its hash (the latest root unless --version)",
		Args:  cobra.NoArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			var t mkvs.RootType
			switch typ {
			case "state":
				t = mkvs.RootState
			case "io":
				t = mkvs.RootIO
			default:
				return fmt.Errorf("--type must be state or io, not %q", typ)
			}
			s, err := openMKVSForInspection(dir)
			if err != nil {
				return err
			}
			defer s.Close()
			root, ok := s.LatestRoot(t)
			if !ok {
				return fmt.Errorf("the store has no %s roots", t)
			}
			if cmd.Flags().Changed("version") && version != root.Version {
				r, found, err := s.RootAt(t, version)
				if err != nil {
					return err
				}
				if !found {
					return fmt.Errorf("no %s root at version %d", t, version)
				}
				root = r
			}
			if err := s.Check(root); err != nil {
				if errors.Is(err, mkvs.ErrCorrupt) {
					return fmt.Errorf("%s root at version %d is damaged: %w", t, root.Version, err)
				}
				return err
			}
			fmt.Fprintf(cmd.OutOrStdout(), "%s root at version %d (%s) verified\n", t, root.Version, root.Hash)
			return nil
		},
	}
	c.Flags().StringVar(&dir, "dir", "", "store directory")
	c.Flags().StringVar(&typ, "type", "state", "tree type: state or io")
	c.Flags().Uint64Var(&version, "version", 0, "version (round) to check")
	_ = c.MarkFlagRequired("dir")
	return c
}
