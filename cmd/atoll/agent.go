package main

import (
	"fmt"
	"log/slog"
	"os"
	"os/signal"
	"syscall"

	"github.com/decred/dcrd/dcrec/secp256k1/v4"
	"github.com/spf13/cobra"

	"github.com/atoll-dev/atoll/bridge/agent"
	"github.com/atoll-dev/atoll/bridge/update"
)

func init() { subcommands = append(subcommands, newAgentCommand) }

// newAgentCommand runs the bridge's off-chain agents.
func newAgentCommand() *cobra.Command {
	cmd := &cobra.Command{
		Use:   "agent",
		Short: "Run a bridge agent: updater, relayer, processor or watcher",
	}
	for _, role := range agent.Roles {
		cmd.AddCommand(newAgentRoleCommand(role))
	}
	cmd.AddCommand(newAgentKeygenCommand())
	return cmd
}

var agentRoleHelp = map[string]string{
	"updater":   "Sign the Home's new roots (never two for one old root) and submit quorum updates",
	"relayer":   "Carry the Home's accepted updates to the Replica on every other chain",
	"processor": "Prove and process the Home's messages on their destinations after confirmAt",
	"watcher":   "Check every Replica update against its Home; prove fraud and unenroll Replicas",
}

func newAgentRoleCommand(role string) *cobra.Command {
	var (
		config, metrics, logFormat, logLevel string
	)
	cmd := &cobra.Command{
		Use:   role,
		Short: agentRoleHelp[role],
		Args:  cobra.NoArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			if config == "" {
				return fmt.Errorf("--config is required")
			}
			cfg, err := agent.LoadConfig(config, nil)
			if err != nil {
				return err
			}
			if metrics != "" {
				cfg.Metrics = metrics
			}
			var level slog.Level
			if err := level.UnmarshalText([]byte(logLevel)); err != nil {
				return fmt.Errorf("--log-level %q: use debug, info, warn or error", logLevel)
			}
			opts := &slog.HandlerOptions{Level: level}
			var h slog.Handler = slog.NewTextHandler(os.Stderr, opts)
			switch logFormat {
			case "json":
				h = slog.NewJSONHandler(os.Stderr, opts)
			case "text":
			default:
				return fmt.Errorf("--log-format %q: use text or json", logFormat)
			}
			ctx, stop := signal.NotifyContext(cmd.Context(), os.Interrupt, syscall.SIGTERM)
			defer stop()
			return agent.Run(ctx, role, cfg, slog.New(h))
		},
	}
	f := cmd.Flags()
	f.StringVar(&config, "config", "", "agent configuration file (JSON, Nomad's shape; see `go doc bridge/agent Config`)")
	f.StringVar(&metrics, "metrics", "", "serve Prometheus metrics at ADDR/metrics (overrides the file)")
	f.StringVar(&logFormat, "log-format", "text", "log format: text or json")
	f.StringVar(&logLevel, "log-level", "info", "log level: debug, info, warn or error")
	return cmd
}

// newAgentKeygenCommand writes a secp256k1 key for an updater or watcher.
func newAgentKeygenCommand() *cobra.Command {
	var force bool
	cmd := &cobra.Command{
		Use:   "keygen FILE",
		Short: "Write a new secp256k1 updater or watcher key (hex) to FILE and print its address",
		Args:  cobra.ExactArgs(1),
		RunE: func(cmd *cobra.Command, args []string) error {
			if _, err := os.Stat(args[0]); err == nil && !force {
				return fmt.Errorf("%s exists; pass --force to overwrite", args[0])
			}
			k, err := secp256k1.GeneratePrivateKey()
			if err != nil {
				return err
			}
			if err := agent.WriteSecpKey(args[0], k); err != nil {
				return err
			}
			fmt.Fprintln(cmd.OutOrStdout(), update.AddressOf(k.PubKey()))
			return nil
		},
	}
	cmd.Flags().BoolVar(&force, "force", false, "overwrite an existing file")
	return cmd
}
