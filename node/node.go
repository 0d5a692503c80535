package node

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"log/slog"
	"net"
	"net/url"
	"os"
	"sync"
	"sync/atomic"

	abci "github.com/cometbft/cometbft/abci/types"
	cmtcfg "github.com/cometbft/cometbft/config"
	cmtjson "github.com/cometbft/cometbft/libs/json"
	cmtnode "github.com/cometbft/cometbft/node"
	"github.com/cometbft/cometbft/p2p"
	"github.com/cometbft/cometbft/privval"
	"github.com/cometbft/cometbft/proxy"
	rpclocal "github.com/cometbft/cometbft/rpc/client/local"
	cmttypes "github.com/cometbft/cometbft/types"
	"github.com/prometheus/client_golang/prometheus"

	"github.com/atoll-dev/atoll/consensus/app"
	"github.com/atoll-dev/atoll/consensus/genesis"
	"github.com/atoll-dev/atoll/consensus/roothash"
	"github.com/atoll-dev/atoll/consensus/service"
	"github.com/atoll-dev/atoll/consensus/staking"
	"github.com/atoll-dev/atoll/consensus/state"
)

// Sentinel errors, each reported to the user as one line.
var (
	ErrPortInUse   = errors.New("port already in use")
	ErrBadGenesis  = errors.New("bad genesis")
	ErrCorruptData = errors.New("data directory is corrupt")
)

// Options configure a node.
type Options struct {
	// Home is the node home (config/, data/).
	Home string
	// Logger receives atoll's and CometBFT's records.
	Logger *slog.Logger
	// CometLevel is the least severe CometBFT record passed to Logger.
	CometLevel slog.Level
	// MetricsAddr, if set, serves Prometheus metrics (CometBFT's and atoll's).
	MetricsAddr string
	// Components run alongside consensus (the agent is added automatically
	// when the home has hosted identities).
	Components []Component
	// OnEpoch is called after each committed epoch transition.
	OnEpoch func(app.EpochSummary)
	// OnEvents, if set, is called once per committed block, in height
	// order, with the block's events: those of its transactions in block
	// order (successful ones only), then the block's own. It runs on its
	// own goroutine and must not block for long.
	OnEvents func(height int64, events []abci.Event)
}

// Node is a running node. Stop it with Stop; it is safe to call once.
type Node struct {
	cfg    *cmtcfg.Config
	comet  *cmtnode.Node
	rpc    *rpclocal.Local
	store  *state.Store
	app    *app.App
	log    *slog.Logger
	cancel context.CancelFunc
	wg     sync.WaitGroup

	stopping *atomic.Bool
	dbs      *dbTracker
}

// Config returns the node's CometBFT configuration.
func (n *Node) Config() *cmtcfg.Config { return n.cfg }

// App returns the consensus application.
func (n *Node) App() *app.App { return n.app }

// Start loads the home, checks that its ports are free, opens the state,
// and starts CometBFT and the components.
func Start(opts Options) (*Node, error) {
	if opts.Logger == nil {
		opts.Logger = slog.New(slog.DiscardHandler)
	}
	cfg, err := LoadConfig(opts.Home)
	if err != nil {
		return nil, err
	}
	if opts.MetricsAddr != "" {
		cfg.Instrumentation.Prometheus = true
		cfg.Instrumentation.PrometheusListenAddr = opts.MetricsAddr
	}
	if err := checkPorts(cfg); err != nil {
		return nil, err
	}
	gdoc, err := cmttypes.GenesisDocFromFile(cfg.GenesisFile())
	if err != nil {
		return nil, fmt.Errorf("%w %s: %v", ErrBadGenesis, cfg.GenesisFile(), err)
	}
	if _, err := genesis.Parse(gdoc.AppState); err != nil {
		return nil, fmt.Errorf("%w %s: %v", ErrBadGenesis, cfg.GenesisFile(), err)
	}
	if err := checkValidatorFiles(cfg); err != nil {
		return nil, err
	}
	store, err := state.Open(StateDir(cfg))
	if err != nil {
		return nil, err // state.ErrCorrupt, already naming the directory
	}
	ids, err := LoadIdentities(opts.Home)
	if err != nil {
		store.Close()
		return nil, err
	}
	sig := newEpochSignal()
	// The roothash runs after the built-in services; the order is consensus.
	appOpts := app.Options{Logger: opts.Logger.With("module", "app"), Extra: []service.Service{roothash.New()}, OnEpoch: func(s app.EpochSummary) {
		sig.fire()
		if opts.OnEpoch != nil {
			opts.OnEpoch(s)
		}
	}}
	if opts.MetricsAddr != "" {
		m, err := app.NewMetrics(prometheus.DefaultRegisterer)
		if err != nil {
			store.Close()
			return nil, err
		}
		appOpts.Metrics = m
	}
	a := app.New(store, appOpts)
	if err := checkResume(a, store, gdoc); err != nil {
		store.Close()
		return nil, err
	}
	pv := privval.LoadFilePV(cfg.PrivValidatorKeyFile(), cfg.PrivValidatorStateFile())
	nodeKey, err := p2p.LoadOrGenNodeKey(cfg.NodeKeyFile())
	if err != nil {
		store.Close()
		return nil, fmt.Errorf("%w: node key: %v", ErrCorruptData, err)
	}
	clog := NewCometLogger(opts.Logger, opts.CometLevel).(cometLogger)
	dbs := &dbTracker{}
	comet, err := newComet(cfg, pv, nodeKey, a, gdoc, clog, dbs)
	if err != nil {
		dbs.closeAll()
		store.Close()
		return nil, err
	}
	if err := comet.Start(); err != nil {
		store.Close()
		return nil, fmt.Errorf("node: starting CometBFT: %w", err)
	}
	ctx, cancel := context.WithCancel(context.Background())
	n := &Node{cfg: cfg, comet: comet, rpc: rpclocal.New(comet), store: store, app: a, log: opts.Logger, cancel: cancel, stopping: clog.stopping, dbs: dbs}
	host := &rpcHost{n: n, sig: sig, cc: genesisContext(gdoc), nonce: map[staking.Address]uint64{}}
	if opts.OnEvents != nil {
		if err := n.followEvents(ctx, opts.OnEvents); err != nil {
			n.Stop()
			return nil, err
		}
	}
	comps := append([]Component(nil), opts.Components...)
	if len(ids) > 0 {
		comps = append(comps, &Agent{Identities: ids, Log: opts.Logger.With("module", "agent")})
	}
	for _, c := range comps {
		n.wg.Add(1)
		go func(c Component) {
			defer n.wg.Done()
			if err := c.Run(ctx, host); err != nil && !errors.Is(err, context.Canceled) {
				opts.Logger.Error("component stopped", "component", c.Name(), "err", err)
			}
		}(c)
	}
	return n, nil
}

// newComet builds the CometBFT node. CometBFT panics on some corrupt
// stores (a damaged block store, for one); that becomes ErrCorruptData.
func newComet(cfg *cmtcfg.Config, pv *privval.FilePV, nodeKey *p2p.NodeKey, a *app.App, gdoc *cmttypes.GenesisDoc, clog cometLogger, dbs *dbTracker) (n *cmtnode.Node, err error) {
	defer func() {
		if r := recover(); r != nil {
			n, err = nil, fmt.Errorf("%w: CometBFT data in %s: %v", ErrCorruptData, cfg.DBDir(), r)
		}
	}()
	n, err = cmtnode.NewNode(cfg, pv, nodeKey, proxy.NewLocalClientCreator(a),
		func() (*cmttypes.GenesisDoc, error) { return gdoc, nil },
		dbs.provide, cmtnode.DefaultMetricsProvider(cfg.Instrumentation), clog)
	if err != nil {
		return nil, fmt.Errorf("starting CometBFT: %w", err)
	}
	return n, nil
}

// checkValidatorFiles parses the validator key and sign state first:
// CometBFT's loader exits the process on a bad file instead of erroring.
func checkValidatorFiles(cfg *cmtcfg.Config) error {
	var key privval.FilePVKey
	raw, err := os.ReadFile(cfg.PrivValidatorKeyFile())
	if err == nil {
		err = cmtjson.Unmarshal(raw, &key)
	}
	if err != nil || key.PrivKey == nil {
		return fmt.Errorf("%w: validator key %s: %v", ErrCorruptData, cfg.PrivValidatorKeyFile(), err)
	}
	var st privval.FilePVLastSignState
	raw, err = os.ReadFile(cfg.PrivValidatorStateFile())
	if err == nil {
		err = cmtjson.Unmarshal(raw, &st)
	}
	if err != nil {
		return fmt.Errorf("%w: validator sign state %s: %v", ErrCorruptData, cfg.PrivValidatorStateFile(), err)
	}
	return nil
}

func genesisContext(g *cmttypes.GenesisDoc) []byte {
	d, err := genesis.Parse(g.AppState)
	if err != nil {
		return nil
	}
	return d.ChainContext()
}

// checkResume refuses a state directory that belongs to another chain or
// (a chain with the same id but a different genesis included).
func checkResume(a *app.App, store *state.Store, g *cmttypes.GenesisDoc) error {
	if !store.Initialized() {
		return nil
	}
	d, err := genesis.Parse(g.AppState)
	if err != nil {
		return err
	}
	res, err := a.Query(context.Background(), &abci.RequestQuery{Path: "app/status"})
	if err != nil || res.Code != 0 {
		return fmt.Errorf("%w: reading application status", ErrCorruptData)
	}
	var st app.Status
	if err := json.Unmarshal(res.Value, &st); err != nil {
		return fmt.Errorf("%w: application status: %v", ErrCorruptData, err)
	}
	if st.ChainID != d.ChainID || !bytes.Equal(st.ChainContext, d.ChainContext()) {
		return fmt.Errorf("%w: data directory holds chain %q, genesis is for %q (use --reset or another --dir)", ErrBadGenesis, st.ChainID, d.ChainID)
	}
	return nil
}

// checkPorts binds each configured listen address briefly so that an
// occupied port is reported before CometBFT starts half-way.
func checkPorts(cfg *cmtcfg.Config) error {
	addrs := map[string]string{"p2p": cfg.P2P.ListenAddress, "rpc": cfg.RPC.ListenAddress}
	if cfg.Instrumentation.Prometheus {
		addrs["metrics"] = cfg.Instrumentation.PrometheusListenAddr
	}
	for _, name := range []string{"p2p", "rpc", "metrics"} {
		raw, ok := addrs[name]
		if !ok || raw == "" {
			continue
		}
		hostport := raw
		if u, err := url.Parse(raw); err == nil && u.Host != "" {
			hostport = u.Host
		}
		l, err := net.Listen("tcp", hostport)
		if err != nil {
			return fmt.Errorf("%s %w: %s (is another node running?)", name, ErrPortInUse, hostport)
		}
		l.Close()
	}
	return nil
}

// Stop stops the components and CometBFT and closes the state. It waits
// for everything to finish.
func (n *Node) Stop() error {
	n.StopComponents()
	var err error
	n.stopping.Store(true)
	if n.comet.IsRunning() {
		if e := n.comet.Stop(); e != nil {
			err = e
		}
		n.comet.Wait()
	}
	n.dbs.closeAll()
	if e := n.store.Close(); e != nil && err == nil {
		err = e
	}
	return err
}

// StopComponents cancels the components and waits for them to return, so
// that what they use can be closed before Stop; Stop calls it too.
func (n *Node) StopComponents() {
	n.cancel()
	n.wg.Wait()
}

// Status returns the application's chain id, height, epoch and app hash.
func (n *Node) Status() (app.Status, error) {
	var st app.Status
	res, err := n.app.Query(context.Background(), &abci.RequestQuery{Path: "app/status"})
	if err != nil {
		return st, err
	}
	return st, json.Unmarshal(res.Value, &st)
}

// Height is the last committed height.
func (n *Node) Height() int64 { return n.comet.BlockStore().Height() }
