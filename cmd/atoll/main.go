package main

import (
	"fmt"
	"os"

	"github.com/spf13/cobra"
)

// version is overridden at link time with -ldflags "-X main.version=...".
var version = "0.1.0-dev"

func main() {
	if err := newRootCommand().Execute(); err != nil {
		// One clear line for the user, never a stack trace.
		fmt.Fprintln(os.Stderr, "atoll:", err)
		os.Exit(1)
	}
}

// subcommands is filled by the init functions of this package's files, one
// file per command group, so that groups can be added without editing this one.
var subcommands []func() *cobra.Command

func newRootCommand() *cobra.Command {
	root := &cobra.Command{
		Use:           "atoll",
		Short:         "atoll: replicated runtimes on CometBFT, a Solana-compatible runtime and an optimistic bridge",
		Version:       version,
		SilenceUsage:  true,
		SilenceErrors: true,
	}
	for _, sub := range subcommands {
		root.AddCommand(sub())
	}
	return root
}
