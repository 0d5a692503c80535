package main

import (
	"fmt"
	"log/slog"
	"net"
	"net/http"
	"os"
	"os/signal"
	"syscall"
	"time"

	"github.com/prometheus/client_golang/prometheus"
	"github.com/prometheus/client_golang/prometheus/promhttp"
	"github.com/spf13/cobra"

	"github.com/atoll-dev/atoll/rpc"
	"github.com/atoll-dev/atoll/rpc/devbank"
	"github.com/atoll-dev/atoll/runtime/svm/loader"
)

func init() { subcommands = append(subcommands, newRPCDevbankCommand) }

// newRPCDevbankCommand serves the single-process devbank engine. It is a
// stopgap until `atoll devnet` serves the same rpc package over the
// replicated pipeline; it keeps no state on disk.
func newRPCDevbankCommand() *cobra.Command {
	var (
		addr          string
		slotTime      time.Duration
		slotsPerEpoch uint64
		faucetSOL     uint64
		airdropSOL    uint64
		metricsAddr   string
		gf            genesisFlags
	)
	cmd := &cobra.Command{
		Use:   "rpc-devbank [--bpf-program ADDRESS FILE]... [--account ADDRESS FILE]...",
		Short: "Serve Solana JSON-RPC from a single-process in-memory bank (temporary; atoll devnet replaces it)",
		Args:  cobra.ArbitraryArgs,
		RunE: func(cmd *cobra.Command, args []string) error {
			rt, err := loader.New()
			if err != nil {
				return err
			}
			genesis, err := gf.load(rt, args)
			if err != nil {
				return err
			}
			bank, err := devbank.New(devbank.Config{
				SlotDuration: slotTime, SlotsPerEpoch: slotsPerEpoch, ConfirmedDepth: 1, FinalizedDepth: 2,
				FaucetLamports: faucetSOL * devbank.LamportsPerSOL, AirdropLimit: airdropSOL * devbank.LamportsPerSOL,
				GenesisAccounts: genesis, ExecutorOptions: rt.Options(),
			})
			if err != nil {
				return err
			}
			ls, err := rpc.Listen(addr)
			if err != nil {
				return err
			}
			log := slog.New(slog.NewTextHandler(os.Stderr, nil))
			srv := rpc.NewServer(bank, log)
			if metricsAddr != "" {
				reg := prometheus.NewRegistry()
				if err := srv.RegisterMetrics(reg); err != nil {
					return err
				}
				ml, err := net.Listen("tcp", metricsAddr)
				if err != nil {
					return err
				}
				defer ml.Close()
				go http.Serve(ml, promhttp.HandlerFor(reg, promhttp.HandlerOpts{}))
				fmt.Fprintf(cmd.OutOrStdout(), "Metrics: http://%s/metrics\n", ml.Addr())
			}
			srv.Serve(ls)
			defer srv.Close()
			fmt.Fprintf(cmd.OutOrStdout(), "JSON RPC URL: http://%s\nWebSocket URL: ws://%s\nGenesis hash: %s\nFaucet: %s\n",
				ls.HTTP.Addr(), ls.WS.Addr(), bank.GenesisHash(), bank.FaucetKey())
			ctx, stop := signal.NotifyContext(cmd.Context(), os.Interrupt, syscall.SIGTERM)
			defer stop()
			return bank.Run(ctx)
		},
	}
	f := cmd.Flags()
	f.StringVar(&addr, "rpc-addr", "127.0.0.1:8899", "HTTP JSON-RPC address; websocket listens on port+1")
	f.DurationVar(&slotTime, "slot-time", 400*time.Millisecond, "time between slots")
	f.Uint64Var(&slotsPerEpoch, "slots-per-epoch", 432_000, "slots per epoch (features activate at epoch boundaries)")
	f.Uint64Var(&faucetSOL, "faucet-sol", 500_000_000, "SOL in the faucet at genesis")
	f.Uint64Var(&airdropSOL, "airdrop-limit-sol", 1_000, "largest airdrop one request may ask for, in SOL")
	f.StringVar(&metricsAddr, "metrics-addr", "", "serve Prometheus metrics at this address (e.g. 127.0.0.1:9100)")
	gf.register(cmd)
	return cmd
}
