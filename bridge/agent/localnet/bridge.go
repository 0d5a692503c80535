package localnet

import (
	"context"
	"crypto/ed25519"
	"crypto/rand"
	"encoding/json"
	"errors"
	"fmt"
	"log/slog"
	"net"
	"os"
	"path/filepath"
	"sync"
	"time"

	"github.com/decred/dcrd/dcrec/secp256k1/v4"

	"github.com/atoll-dev/atoll/bridge/agent"
	"github.com/atoll-dev/atoll/bridge/update"
	"github.com/atoll-dev/atoll/client"
	"github.com/atoll-dev/atoll/runtime/svm/sol"
)

// Domains of the two networks of a Bridge.
const (
	DomainA = 1000
	DomainB = 2000
)

// BridgeConfig describes two local networks joined by a bridge and its
// agents.
type BridgeConfig struct {
	// Dir receives the agents' configuration files, keys and databases.
	Dir string
	// Updaters is the size of the updater set, Threshold its quorum
	// (defaults 3 and 2).
	Updaters, Threshold int
	OptimisticSeconds   uint64
	SlotDuration        time.Duration
	// Interval is every agent's poll interval (default: Nomad's defaults).
	Interval time.Duration
	// PollOnSlot makes every agent also poll on each new slot of the
	// chains it acts on (agent.Config.PollOnSlot).
	PollOnSlot bool
	// Funded accounts get FundLamports on both networks at genesis.
	Funded       []sol.Pubkey
	FundLamports uint64
	Log          *slog.Logger
	// AddrA and AddrB are the networks' JSON-RPC listen addresses
	// (default: any free loopback port).
	AddrA, AddrB string
	// NoAgents writes the agents' configuration files without starting the
	// agents, for an operator who runs them as processes.
	NoAgents bool
	// DevnetA and DevnetB, if set, run alpha and beta as real atoll
	// networks (see Devnet); AddrA, AddrB and SlotDuration are then unused.
	DevnetA, DevnetB *Devnet
}

// Bridge is two running networks, alpha (DomainA) and beta (DomainB), with
// updaters, a relayer and a processor for each Home and one watcher, all
// running in this process from configuration files in Dir.
type Bridge struct {
	A, B   *Net
	Agents map[string]*agent.Running // by configuration file name
	// Configs are the agents' configuration files, by name; the role is
	// the name's first word (updater-alpha-0, relayer-beta, watcher).
	Configs map[string]string

	cancel context.CancelFunc
	wg     sync.WaitGroup
}

// StartBridge starts both networks and every agent.
func StartBridge(ctx context.Context, cfg BridgeConfig) (br *Bridge, err error) {
	if cfg.Updaters == 0 {
		cfg.Updaters, cfg.Threshold = 3, 2
	}
	if cfg.Log == nil {
		cfg.Log = slog.Default()
	}
	if err := os.MkdirAll(cfg.Dir, 0o700); err != nil {
		return nil, err
	}
	var keys []*secp256k1.PrivateKey
	var members []update.Address
	for i := 0; i < cfg.Updaters; i++ {
		k, err := secp256k1.GeneratePrivateKey()
		if err != nil {
			return nil, err
		}
		keys = append(keys, k)
		members = append(members, update.AddressOf(k.PubKey()))
		if err := agent.WriteSecpKey(filepath.Join(cfg.Dir, fmt.Sprintf("updater-%d.hex", i)), k); err != nil {
			return nil, err
		}
	}
	set, err := update.NewUpdaterSet(members, cfg.Threshold)
	if err != nil {
		return nil, err
	}
	wkey, err := secp256k1.GeneratePrivateKey()
	if err != nil {
		return nil, err
	}
	if err := agent.WriteSecpKey(filepath.Join(cfg.Dir, "watcher.hex"), wkey); err != nil {
		return nil, err
	}
	funded := append([]sol.Pubkey(nil), cfg.Funded...)
	for _, role := range agent.Roles {
		_, k, err := ed25519.GenerateKey(rand.Reader)
		if err != nil {
			return nil, err
		}
		if err := client.WriteKeypair(filepath.Join(cfg.Dir, role+"-payer.json"), k, true); err != nil {
			return nil, err
		}
		funded = append(funded, agent.PubkeyOf(k))
	}
	fund := cfg.FundLamports
	if fund == 0 {
		fund = 1_000_000_000_000
	}
	netCfg := func(domain, remote uint32) Config {
		return Config{Domain: domain, Remotes: []uint32{remote}, Updaters: set, BondKeys: keys, BondLamports: 10_000_000_000,
			Watchers: []update.Address{update.AddressOf(wkey.PubKey())}, OptimisticSeconds: cfg.OptimisticSeconds,
			Funded: funded, FundLamports: fund, SlotDuration: cfg.SlotDuration}
	}
	br = &Bridge{Agents: map[string]*agent.Running{}, Configs: map[string]string{}}
	defer func() {
		if err != nil {
			br.Close()
			br = nil
		}
	}()
	ca, cb := netCfg(DomainA, DomainB), netCfg(DomainB, DomainA)
	ca.Addr, cb.Addr = cfg.AddrA, cfg.AddrB
	ca.Devnet, cb.Devnet = cfg.DevnetA, cfg.DevnetB
	if br.A, err = Start(ctx, "alpha", ca); err != nil {
		return br, err
	}
	if br.B, err = Start(ctx, "beta", cb); err != nil {
		return br, err
	}
	runCtx, cancel := context.WithCancel(context.Background())
	br.cancel = cancel
	start := func(name, role string, c agent.Config, opts ...agent.Option) error {
		c.DB = filepath.Join(cfg.Dir, "db", name)
		c.Chains = []agent.ChainConfig{
			{Name: "alpha", Domain: DomainA, RPC: br.A.URL, Payer: role + "-payer.json"},
			{Name: "beta", Domain: DomainB, RPC: br.B.URL, Payer: role + "-payer.json"},
		}
		c.PollOnSlot = cfg.PollOnSlot
		if cfg.Interval > 0 {
			d := agent.Duration(cfg.Interval)
			c.Updater.Interval, c.Relayer.Interval, c.Processor.Interval, c.Watcher.Interval = d, d, d, d
		}
		b, err := json.MarshalIndent(&c, "", "  ")
		if err != nil {
			return err
		}
		path := filepath.Join(cfg.Dir, name+".json")
		if err := os.WriteFile(path, b, 0o600); err != nil {
			return err
		}
		br.Configs[name] = path
		if cfg.NoAgents {
			return nil
		}
		loaded, err := agent.LoadConfig(path, nil)
		if err != nil {
			return err
		}
		r, err := agent.Start(role, loaded, cfg.Log.With("agent_config", name), opts...)
		if err != nil {
			return err
		}
		br.Agents[name] = r
		br.wg.Add(1)
		go func() { defer br.wg.Done(); r.Loop.Run(runCtx) }()
		return nil
	}
	var exchanges []string
	for _, home := range []string{"alpha", "beta"} {
		// Bound now and handed to the in-process updaters, so no other
		// process can take a port between choosing and binding it.
		ls := make([]net.Listener, cfg.Updaters)
		for i := range ls {
			if ls[i], err = net.Listen("tcp", "127.0.0.1:0"); err != nil {
				return br, err
			}
			exchanges = append(exchanges, "http://"+ls[i].Addr().String())
		}
		for i := range ls {
			var peers []string
			for j, l := range ls {
				if j != i {
					peers = append(peers, "http://"+l.Addr().String())
				}
			}
			c := agent.Config{Home: home, Updater: agent.UpdaterConfig{Key: fmt.Sprintf("updater-%d.hex", i),
				Listen: ls[i].Addr().String(), Peers: peers, Proposer: i == 0}}
			var opts []agent.Option
			if cfg.NoAgents {
				ls[i].Close() // the operator's updater process binds it
			} else {
				opts = append(opts, agent.WithExchangeListener(ls[i]))
			}
			if err := start(fmt.Sprintf("updater-%s-%d", home, i), "updater", c, opts...); err != nil {
				for _, l := range ls[i+1:] {
					l.Close()
				}
				return br, err
			}
		}
		for _, role := range []string{"relayer", "processor"} {
			if err := start(role+"-"+home, role, agent.Config{Home: home}); err != nil {
				return br, err
			}
		}
	}
	return br, start("watcher", "watcher", agent.Config{Watcher: agent.WatcherConfig{Key: "watcher.hex", Updaters: exchanges}})
}

// Close stops the agents and both networks.
func (br *Bridge) Close() error {
	if br.cancel != nil {
		br.cancel()
	}
	br.wg.Wait()
	var errs []error
	for _, r := range br.Agents {
		errs = append(errs, r.Close())
	}
	for _, n := range []*Net{br.A, br.B} {
		if n != nil {
			errs = append(errs, n.Close())
		}
	}
	return errors.Join(errs...)
}
