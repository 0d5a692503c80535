package main

import (
	"fmt"
	"log/slog"
	"net"
	"net/http"
	"net/http/pprof"
	"os"
	"os/signal"
	"strings"
	"syscall"
	"time"

	"github.com/spf13/cobra"

	"github.com/atoll-dev/atoll/consensus/app"
	"github.com/atoll-dev/atoll/node"
)

func init() { subcommands = append(subcommands, newNodeCommand) }

// nodeFlags are shared by atoll node and atoll devnet.
type nodeFlags struct {
	metrics    string
	logLevel   string
	cometLevel string
	logJSON    bool
	pprof      string
}

func (f *nodeFlags) register(c *cobra.Command) {
	c.Flags().StringVar(&f.metrics, "metrics", "", "serve Prometheus metrics (CometBFT's and atoll's) on ADDR, e.g. 127.0.0.1:26660")
	c.Flags().StringVar(&f.logLevel, "log-level", "info", "atoll log level: debug, info, warn, error")
	c.Flags().StringVar(&f.cometLevel, "comet-log-level", "error", "least severe CometBFT log record shown: debug, info, error")
	c.Flags().BoolVar(&f.logJSON, "log-json", false, "write logs as JSON")
	c.Flags().StringVar(&f.pprof, "pprof", "", "serve Go profiles (net/http/pprof) on ADDR, e.g. 127.0.0.1:6060")
}

// servePprof serves the Go runtime's profiles on addr, for profiling a
// running node (go tool pprof http://ADDR/debug/pprof/profile).
func servePprof(addr string) (func(), error) {
	if addr == "" {
		return func() {}, nil
	}
	l, err := net.Listen("tcp", addr)
	if err != nil {
		return nil, fmt.Errorf("pprof %w: %s", node.ErrPortInUse, addr)
	}
	mux := http.NewServeMux()
	mux.HandleFunc("/debug/pprof/", pprof.Index)
	mux.HandleFunc("/debug/pprof/profile", pprof.Profile)
	mux.HandleFunc("/debug/pprof/trace", pprof.Trace)
	mux.HandleFunc("/debug/pprof/symbol", pprof.Symbol)
	srv := &http.Server{Handler: mux, ReadHeaderTimeout: 10 * time.Second}
	go srv.Serve(l)
	return func() { srv.Close() }, nil
}

func parseLevel(s string) (slog.Level, error) {
	var l slog.Level
	if err := l.UnmarshalText([]byte(strings.ToUpper(s))); err != nil {
		return 0, fmt.Errorf("unknown log level %q", s)
	}
	return l, nil
}

func (f *nodeFlags) logger() (*slog.Logger, slog.Level, error) {
	level, err := parseLevel(f.logLevel)
	if err != nil {
		return nil, 0, err
	}
	comet, err := parseLevel(f.cometLevel)
	if err != nil {
		return nil, 0, err
	}
	// CometBFT's records are filtered by its own level in node.NewCometLogger.
	opts := &slog.HandlerOptions{Level: min(level, comet)}
	var h slog.Handler = slog.NewTextHandler(os.Stderr, opts)
	if f.logJSON {
		h = slog.NewJSONHandler(os.Stderr, opts)
	}
	return slog.New(h), comet, nil
}

func newNodeCommand() *cobra.Command {
	var home string
	var flags nodeFlags
	var wf workerFlags
	c := &cobra.Command{
		Use:   "node",
		Short: "Run one node of a network written by atoll init",
		Args:  cobra.NoArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			log, comet, err := flags.logger()
			if err != nil {
				return err
			}
			stopPprof, err := servePprof(flags.pprof)
			if err != nil {
				return err
			}
			defer stopPprof()
			return runNode(cmd, node.Options{Home: home, Logger: log, CometLevel: comet, MetricsAddr: flags.metrics,
				OnEpoch:  func(s app.EpochSummary) { log.Info("epoch", epochAttrs(s)...) },
				OnEvents: printRuntimeEvents(func(line string) { log.Info(line) })}, wf, nil)
		},
	}
	c.Flags().StringVar(&home, "home", "", "node home directory (from atoll init)")
	c.MarkFlagRequired("home")
	flags.register(c)
	wf.register(c)
	c.Flags().StringVar(&wf.rpcAddr, "rpc-port", "", "serve the Solana JSON-RPC on this address (websocket on port+1), e.g. 127.0.0.1:8899")
	return c
}

// runNode starts the workers of the home's compute nodes and the node,
// reports their addresses, and stops both cleanly on SIGINT or SIGTERM.
func runNode(cmd *cobra.Command, opts node.Options, wf workerFlags, started func(*node.Node)) error {
	if !node.HomeExists(opts.Home) {
		return fmt.Errorf("%w: %s", node.ErrNoHome, opts.Home)
	}
	workers, err := startHomeWorkers(opts.Home, wf, opts.Logger)
	if err != nil {
		return err
	}
	defer workers.Close()
	opts.Components = append(opts.Components, workers.Components()...)
	solRPC, err := startNodeRPC(opts.Home, wf.rpcAddr, workers, opts.Logger)
	if err != nil {
		return err
	}
	defer solRPC.Close()
	opts.Components = append(opts.Components, solRPC.components()...)
	n, err := node.Start(opts)
	if err != nil {
		return err
	}
	cfg := n.Config()
	out := cmd.OutOrStdout()
	fmt.Fprintf(out, "node %s running: p2p %s, rpc %s", cfg.Moniker, cfg.P2P.ListenAddress, cfg.RPC.ListenAddress)
	if opts.MetricsAddr != "" {
		fmt.Fprintf(out, ", metrics http://%s/metrics", opts.MetricsAddr)
	}
	fmt.Fprintln(out)
	if st, err := n.Status(); err == nil {
		fmt.Fprintf(out, "chain %s at height %d, epoch %d\n", st.ChainID, st.Height, st.Epoch)
	}
	if len(workers.all) > 0 {
		mode := "sandboxed (bubblewrap)"
		if wf.unsafeNoSandbox {
			mode = "in-process (UNSAFE: no sandbox)"
		}
		fmt.Fprintf(out, "workers: %s, SVM runtime %s\n", strings.Join(workers.names, ", "), mode)
		for _, u := range workers.SubmitURLs() {
			fmt.Fprintf(out, "submission API: %s\n", u)
		}
	}
	if solRPC != nil {
		httpURL, wsURL := solRPC.urls()
		fmt.Fprintf(out, "JSON RPC URL: %s\nWebSocket URL: %s\n", httpURL, wsURL)
	}
	if started != nil {
		started(n)
	}
	sigs := make(chan os.Signal, 1)
	signal.Notify(sigs, os.Interrupt, syscall.SIGTERM)
	<-sigs
	signal.Stop(sigs)
	fmt.Fprintln(out, "stopping")
	// Components, then the workers they drive, then CometBFT, and then exit
	// at once: CometBFT closes its block store in Stop while per-peer
	// consensus routines it does not join may still wake up and read it (a
	// panic on a closed database), so the process must not linger after it.
	n.StopComponents()
	werr := workers.Close()
	height := n.Height()
	if err := n.Stop(); err != nil {
		return fmt.Errorf("stopping node: %w", err)
	}
	if werr != nil {
		return fmt.Errorf("stopping workers: %w", werr)
	}
	fmt.Fprintln(out, "stopped at height", height)
	return nil
}

func epochAttrs(s app.EpochSummary) []any {
	return []any{"epoch", s.Epoch, "height", s.Height, "committees", committeeText(s), "suspended", suspendedText(s), "beacon_insecure", s.Insecure}
}
