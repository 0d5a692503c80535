package agent_test

import (
	"context"
	"crypto/ed25519"
	"crypto/sha256"
	"encoding/json"
	"fmt"
	"io"
	"log/slog"
	"net"
	"os"
	"path/filepath"
	"sync"
	"testing"
	"time"

	"github.com/atoll-dev/atoll/bridge/agent"
	"github.com/atoll-dev/atoll/bridge/agent/localnet"
	"github.com/atoll-dev/atoll/bridge/internal/testkeys"
	"github.com/atoll-dev/atoll/bridge/keccak"
	"github.com/atoll-dev/atoll/bridge/message"
	"github.com/atoll-dev/atoll/bridge/programs/home"
	breplica "github.com/atoll-dev/atoll/bridge/replica"
	"github.com/atoll-dev/atoll/bridge/update"
	"github.com/atoll-dev/atoll/client"
	"github.com/atoll-dev/atoll/runtime/svm/sol"
)

const (
	domainA    = 1000
	domainB    = 2000
	watcherKey = 7
	bond       = 10_000_000_000
	interval   = "150ms"
)

func key(name string) ed25519.PrivateKey {
	s := sha256.Sum256([]byte("atoll agent test " + name))
	return ed25519.NewKeyFromSeed(s[:])
}

// testBridge is two local networks with every agent's configuration
// written to disk, as an operator would write them.
type testBridge struct {
	t        *testing.T
	dir      string
	a, b     *localnet.Net
	user     ed25519.PrivateKey
	updaters []int // testkeys indexes of the updater set
	log      *slog.Logger

	mu        sync.Mutex
	exchanges []string // updaters' exchange URLs, for the watcher
	running   []*agent.Running
	cancels   []func()
	stops     map[*agent.Running]func()
	// onSlot makes every agent poll on new slots too (real networks).
	onSlot bool
}

type bridgeOpts struct {
	threshold  int
	updaters   []int
	optimistic uint64
	// atoll, if set, is the atoll executable that runs both networks as
	// real atoll networks (localnet.Devnet) instead of devbanks.
	atoll string
}

func newTestBridge(t *testing.T, o bridgeOpts) *testBridge {
	t.Helper()
	if o.threshold == 0 {
		o.threshold, o.updaters = 2, []int{1, 2, 3}
	}
	if o.optimistic == 0 {
		o.optimistic = 2
	}
	tb := &testBridge{t: t, dir: t.TempDir(), user: key("user"), updaters: o.updaters,
		log: slog.New(slog.NewTextHandler(io.Discard, nil)), stops: map[*agent.Running]func(){}}
	if testing.Verbose() {
		tb.log = slog.New(slog.NewTextHandler(os.Stderr, &slog.HandlerOptions{Level: slog.LevelInfo}))
	}
	set := testkeys.Set(t, o.threshold, o.updaters...)
	funded := []sol.Pubkey{agent.PubkeyOf(tb.user), agent.PubkeyOf(key("recipient"))}
	for _, role := range []string{"updater", "relayer", "processor", "watcher", "attacker"} {
		funded = append(funded, agent.PubkeyOf(key(role)))
	}
	var base int
	tb.onSlot = o.atoll != ""
	if o.atoll != "" {
		var err error
		if base, err = localnet.FreePortRange(2 * localnet.DevnetPorts); err != nil {
			t.Fatal(err)
		}
	}
	cfg := func(domain, remote uint32) localnet.Config {
		c := localnet.Config{Domain: domain, Remotes: []uint32{remote}, Updaters: set, BondLamports: bond,
			Watchers: []update.Address{testkeys.Addr(watcherKey)}, OptimisticSeconds: o.optimistic,
			Funded: funded, FundLamports: 1_000_000_000_000, SlotDuration: 50 * time.Millisecond}
		for _, u := range o.updaters {
			c.BondKeys = append(c.BondKeys, testkeys.Key(u))
		}
		if o.atoll != "" {
			// As `atoll devnet` makes them: a validator and three compute
			// nodes (two workers and a backup, each with a sandboxed
			// runtime), with 100 ms blocks.
			c.Devnet = &localnet.Devnet{Binary: o.atoll, Dir: filepath.Join(tb.dir, fmt.Sprintf("net-%d", domain)),
				BasePort: base, BlockTime: 100 * time.Millisecond}
			base += localnet.DevnetPorts
		}
		return c
	}
	ctx := context.Background()
	var err error
	if tb.a, err = localnet.Start(ctx, "alpha", cfg(domainA, domainB)); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { tb.a.Close() })
	if tb.b, err = localnet.Start(ctx, "beta", cfg(domainB, domainA)); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { tb.b.Close() })
	for _, role := range []string{"updater", "relayer", "processor", "watcher"} {
		if err := client.WriteKeypair(filepath.Join(tb.dir, role+"-payer.json"), key(role), true); err != nil {
			t.Fatal(err)
		}
	}
	for _, i := range append([]int{watcherKey}, o.updaters...) {
		if err := agent.WriteSecpKey(filepath.Join(tb.dir, fmt.Sprintf("secp-%d.hex", i)), testkeys.Key(i)); err != nil {
			t.Fatal(err)
		}
	}
	t.Cleanup(tb.stopAll)
	return tb
}

// config writes the configuration of one agent and returns its path.
// Updater u of home serves its signatures on a fixed loopback port per
// (home, u) picked by the test, passed as listen and peers.
func (tb *testBridge) config(name, home string, mod func(*agent.Config)) string {
	tb.t.Helper()
	c := agent.Config{
		DB:   filepath.Join(tb.dir, "db-"+name),
		Home: home,
		Chains: []agent.ChainConfig{
			{Name: "alpha", Domain: domainA, RPC: tb.a.URL, Payer: ""},
			{Name: "beta", Domain: domainB, RPC: tb.b.URL, Payer: ""},
		},
	}
	d := agent.Duration(150 * time.Millisecond)
	c.Updater.Interval, c.Relayer.Interval, c.Processor.Interval, c.Watcher.Interval = d, d, d, d
	c.PollOnSlot = tb.onSlot
	if mod != nil {
		mod(&c)
	}
	b, err := json.MarshalIndent(&c, "", "  ")
	if err != nil {
		tb.t.Fatal(err)
	}
	p := filepath.Join(tb.dir, name+".json")
	if err := os.WriteFile(p, b, 0o600); err != nil {
		tb.t.Fatal(err)
	}
	return p
}

func payers(role string) func(*agent.Config) {
	return func(c *agent.Config) {
		for i := range c.Chains {
			c.Chains[i].Payer = role + "-payer.json"
		}
	}
}

// start runs the agent of role from the config at path in this process.
func (tb *testBridge) start(role, path string, opts ...agent.Option) *agent.Running {
	tb.t.Helper()
	cfg, err := agent.LoadConfig(path, func(string) string { return "" })
	if err != nil {
		tb.t.Fatal(err)
	}
	r, err := agent.Start(role, cfg, tb.log.With("config", filepath.Base(path)), opts...)
	if err != nil {
		tb.t.Fatal(err)
	}
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan struct{})
	go func() { r.Loop.Run(ctx); close(done) }()
	var once sync.Once
	tb.mu.Lock()
	tb.running = append(tb.running, r)
	tb.cancels = append(tb.cancels, func() { once.Do(func() { cancel(); <-done; r.Close() }) })
	tb.stops[r] = tb.cancels[len(tb.cancels)-1]
	tb.mu.Unlock()
	return r
}

// stop stops one agent that start started.
func (tb *testBridge) stop(r *agent.Running) {
	tb.mu.Lock()
	stop := tb.stops[r]
	tb.mu.Unlock()
	stop()
}

func (tb *testBridge) stopAll() {
	tb.mu.Lock()
	defer tb.mu.Unlock()
	for i := len(tb.cancels) - 1; i >= 0; i-- {
		tb.cancels[i]()
	}
	tb.cancels, tb.running, tb.stops = nil, nil, map[*agent.Running]func(){}
}

// updaterConfigs writes the configs of every updater of home, wired to
// one another, and returns their paths and their exchange listeners (bound
// here; pass them to in-process updaters, close them for child processes);
// the first is the proposer.
func (tb *testBridge) updaterConfigs(home string) ([]string, []net.Listener) {
	tb.t.Helper()
	ls := make([]net.Listener, len(tb.updaters))
	for i := range ls {
		var err error
		if ls[i], err = net.Listen("tcp", "127.0.0.1:0"); err != nil {
			tb.t.Fatal(err)
		}
	}
	for _, l := range ls {
		tb.exchanges = append(tb.exchanges, "http://"+l.Addr().String())
	}
	var paths []string
	for i, u := range tb.updaters {
		var peers []string
		for j := range ls {
			if j != i {
				peers = append(peers, "http://"+ls[j].Addr().String())
			}
		}
		paths = append(paths, tb.config(fmt.Sprintf("updater-%s-%d", home, u), home, func(c *agent.Config) {
			payers("updater")(c)
			c.Updater.Key = fmt.Sprintf("secp-%d.hex", u)
			c.Updater.Listen = ls[i].Addr().String()
			c.Updater.Peers = peers
			c.Updater.Proposer = i == 0
		}))
	}
	return paths, ls
}

// startAgents starts every agent serving home in this process.
func (tb *testBridge) startAgents(home string, roles ...string) {
	tb.t.Helper()
	for _, role := range roles {
		switch role {
		case "updater":
			paths, ls := tb.updaterConfigs(home)
			for i, p := range paths {
				tb.start("updater", p, agent.WithExchangeListener(ls[i]))
			}
		case "watcher":
			tb.start("watcher", tb.config("watcher", "", func(c *agent.Config) {
				payers("watcher")(c)
				c.Watcher.Key = fmt.Sprintf("secp-%d.hex", watcherKey)
				c.Watcher.Updaters = tb.exchanges
			}))
		default:
			tb.start(role, tb.config(role+"-"+home, home, payers(role)))
		}
	}
}

// dispatch sends body from the user on a to recipient on b and returns the
// dispatched message.
func (tb *testBridge) dispatch(recipient sol.Pubkey, body string) agent.Dispatched {
	tb.t.Helper()
	ix, err := home.Dispatch(agent.PubkeyOf(tb.user), domainB, keccak.Hash(recipient), []byte(body))
	if err != nil {
		tb.t.Fatal(err)
	}
	return tb.sendDispatch(ix)
}

func (tb *testBridge) sendDispatch(ix sol.Instruction) agent.Dispatched {
	tb.t.Helper()
	return tb.sendDispatchOn(tb.a, tb.user, ix)
}

// sendDispatchOn submits ix on n, signed by signer, and returns the one
// message it dispatched.
func (tb *testBridge) sendDispatchOn(n *localnet.Net, signer ed25519.PrivateKey, ix sol.Instruction) agent.Dispatched {
	tb.t.Helper()
	ctx := context.Background()
	sig, err := n.Chain.Send(ctx, signer, nil, ix)
	if err != nil {
		tb.t.Fatal(err)
	}
	tx, err := n.Chain.Transaction(ctx, sig)
	if err != nil || tx == nil {
		tb.t.Fatalf("reading dispatch transaction: %v", err)
	}
	ds := agent.DispatchedIn(tx)
	if len(ds) != 1 {
		tb.t.Fatalf("transaction dispatched %d messages", len(ds))
	}
	return ds[0]
}

// status is the status of a's message d on b's Replica.
func (tb *testBridge) status(d agent.Dispatched) breplica.Status {
	tb.t.Helper()
	r, err := agent.MessageStatus(context.Background(), tb.b.Chain, domainA, message.Leaf(d.Raw))
	if err != nil {
		tb.t.Fatal(err)
	}
	return r.Status
}

// eventually polls cond every 50 ms until it holds or a minute passes.
func (tb *testBridge) eventually(what string, cond func() bool) {
	tb.t.Helper()
	deadline := time.Now().Add(time.Minute)
	for !cond() {
		if time.Now().After(deadline) {
			tb.t.Fatalf("timed out waiting for %s", what)
		}
		time.Sleep(50 * time.Millisecond)
	}
}
