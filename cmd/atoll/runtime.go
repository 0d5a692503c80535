package main

import (
	"context"
	"fmt"
	"log/slog"
	"os"
	"os/signal"
	"syscall"

	"github.com/spf13/cobra"

	"github.com/atoll-dev/atoll/runtime/rhp/guest"
	"github.com/atoll-dev/atoll/runtime/svm/hosted"
)

func init() { subcommands = append(subcommands, newRuntimeCommand) }

func newRuntimeCommand() *cobra.Command {
	cmd := &cobra.Command{
		Use:   "runtime",
		Short: "Runtime entry points a node starts inside its sandbox",
	}
	cmd.AddCommand(&cobra.Command{
		Use:   "svm",
		Short: "Serve the Solana-compatible runtime over the Runtime Host Protocol (on the inherited descriptor)",
		Long: `Serves the Solana-compatible runtime to the node that started it, over the
Runtime Host Protocol on the descriptor named by ATOLL_RHP_FD (default 3).
Nodes start it themselves, inside a bubblewrap sandbox; it is not meant to be
run by hand.`,
		Args: cobra.NoArgs,
		RunE: func(cmd *cobra.Command, _ []string) error { return serveSVM(cmd.Context()) },
	})
	return cmd
}

func serveSVM(ctx context.Context) error {
	if ctx == nil {
		ctx = context.Background()
	}
	ctx, stop := signal.NotifyContext(ctx, syscall.SIGTERM, os.Interrupt)
	defer stop()
	conn, err := guest.OpenInherited()
	if err != nil {
		return fmt.Errorf("runtime svm: %w", err)
	}
	logger := slog.New(slog.NewTextHandler(os.Stderr, &slog.HandlerOptions{Level: slog.LevelInfo}))
	srv := guest.NewServer(conn, guest.Options{Logger: logger})
	rt, err := hosted.New(srv.Host().StorageGet)
	if err != nil {
		return err
	}
	return srv.Serve(ctx, rt)
}
