package agent

import (
	"context"
	"crypto/ed25519"
	"errors"
	"fmt"
	"log/slog"
	"net"
	"net/http"
	"time"

	"github.com/atoll-dev/atoll/bridge/keccak"
	"github.com/atoll-dev/atoll/client"
)

// Roles are the agents `atoll agent` runs.
var Roles = []string{"updater", "relayer", "processor", "watcher"}

// Running is a started agent.
type Running struct {
	Loop *Loop
	// Updater, Processor and Watcher are set for those roles, for callers
	// (tests, the demo) that inspect them.
	Updater   *Updater
	Processor *Processor
	Watcher   *Watcher
	Metrics   *Metrics
	// ExchangeAddr and MetricsAddr are the bound addresses, if served.
	ExchangeAddr, MetricsAddr string

	db      *DB
	servers []*http.Server
}

// Close releases the agent's database and servers; call it after the
// loop's Run has returned.
func (r *Running) Close() error {
	var errs []error
	for _, s := range r.servers {
		errs = append(errs, s.Close())
	}
	return errors.Join(append(errs, r.db.Close())...)
}

// Option adjusts Start.
type Option func(*options)

type options struct {
	exchange net.Listener
}

// WithExchangeListener makes an updater serve its signatures on ls, bound
// by the caller, instead of binding cfg.Updater.Listen; Start takes
// ownership of ls. In-process callers use it so that no other process can
// take the port between choosing it and binding it.
func WithExchangeListener(ls net.Listener) Option {
	return func(o *options) { o.exchange = ls }
}

// Start builds the agent of role from cfg: opens its database, reads its
// keys, serves its metrics (and, for an updater, its signature exchange).
// The caller runs r.Loop.Run.
func Start(role string, cfg *Config, log *slog.Logger, opts ...Option) (r *Running, err error) {
	var o options
	for _, f := range opts {
		f(&o)
	}
	defer func() {
		if o.exchange != nil { // not handed to a server: an error, or not an updater
			o.exchange.Close()
		}
	}()
	chains := make([]*Chain, len(cfg.Chains))
	payers := map[uint32]ed25519.PrivateKey{}
	var home *Chain
	wsOf := map[*Chain]string{}
	for i, cc := range cfg.Chains {
		chains[i] = NewChain(cc.Name, cc.Domain, cc.RPC)
		wsOf[chains[i]] = cc.WS
		if cc.Commitment != "" {
			chains[i].Commitment = cc.Commitment
		}
		if cc.Name == cfg.Home {
			home = chains[i]
		}
		if cc.Payer != "" {
			k, err := client.ReadKeypair(cfg.Path(cc.Payer))
			if err != nil {
				return nil, fmt.Errorf("%w: payer of %s: %v", ErrConfig, cc.Name, err)
			}
			payers[cc.Domain] = k
		}
	}
	var others []*Chain
	for _, c := range chains {
		if c != home {
			others = append(others, c)
		}
	}
	needPayers := func(cs ...*Chain) error {
		for _, c := range cs {
			if payers[c.Domain] == nil {
				return fmt.Errorf("%w: the %s needs a payer keypair for chain %s", ErrConfig, role, c.Name)
			}
		}
		return nil
	}
	if role != "watcher" && home == nil {
		return nil, fmt.Errorf("%w: the %s needs \"home\"", ErrConfig, role)
	}
	db, err := OpenDB(cfg.Path(cfg.DB))
	if err != nil {
		return nil, err
	}
	r = &Running{db: db, Metrics: NewMetrics()}
	defer func() {
		if err != nil {
			r.Close()
			r = nil
		}
	}()
	loop := &Loop{Name: role, Log: log, Metrics: r.Metrics}
	switch role {
	case "updater":
		if err := needPayers(home); err != nil {
			return r, err
		}
		key, err := ReadSecpKey(cfg.Path(cfg.Updater.Key))
		if err != nil {
			return r, err
		}
		u := &Updater{Home: home, Key: key, Payer: payers[home.Domain], DB: db, Peers: cfg.Updater.Peers,
			Proposer: cfg.Updater.Proposer, Log: log, Metrics: r.Metrics}
		if o.exchange != nil {
			r.servers = append(r.servers, u.ServeExchangeOn(o.exchange))
			r.ExchangeAddr = o.exchange.Addr().String()
			o.exchange = nil
		} else if cfg.Updater.Listen != "" {
			srv, addr, err := u.ServeExchange(cfg.Updater.Listen)
			if err != nil {
				return r, fmt.Errorf("agent: serving signatures on %s: %w", cfg.Updater.Listen, err)
			}
			r.servers = append(r.servers, srv)
			r.ExchangeAddr = addr.String()
		}
		loop.Poller, loop.Interval, r.Updater = u, time.Duration(cfg.Updater.Interval), u
	case "relayer":
		if err := needPayers(others...); err != nil {
			return r, err
		}
		loop.Poller = &Relayer{Home: home, Replicas: others, Payers: payers, DB: db, Log: log, Metrics: r.Metrics}
		loop.Interval = time.Duration(cfg.Relayer.Interval)
	case "processor":
		if err := needPayers(others...); err != nil {
			return r, err
		}
		p := &Processor{Home: home, Replicas: others, Payers: payers, DB: db, Log: log, Metrics: r.Metrics,
			Allow: map[keccak.Hash]bool{}, Deny: map[keccak.Hash]bool{}}
		for _, l := range []struct {
			in  []string
			out map[keccak.Hash]bool
		}{{cfg.Processor.Allow, p.Allow}, {cfg.Processor.Deny, p.Deny}} {
			for _, s := range l.in {
				h, err := ParseRecipient(s)
				if err != nil {
					return r, fmt.Errorf("%w: recipient %q in allow/deny list", ErrConfig, s)
				}
				l.out[h] = true
			}
		}
		loop.Poller, loop.Interval, r.Processor = p, time.Duration(cfg.Processor.Interval), p
	case "watcher":
		if err := needPayers(chains...); err != nil {
			return r, err
		}
		key, err := ReadSecpKey(cfg.Path(cfg.Watcher.Key))
		if err != nil {
			return r, err
		}
		w := &Watcher{Chains: chains, Key: key, Payers: payers, DB: db, Log: log, Metrics: r.Metrics, Updaters: cfg.Watcher.Updaters}
		loop.Poller, loop.Interval, r.Watcher = w, time.Duration(cfg.Watcher.Interval), w
	default:
		return r, fmt.Errorf("%w: unknown agent %q (want updater, relayer, processor or watcher)", ErrConfig, role)
	}
	if cfg.Metrics != "" {
		srv, addr, err := r.Metrics.Serve(cfg.Metrics)
		if err != nil {
			return r, fmt.Errorf("agent: serving metrics on %s: %w", cfg.Metrics, err)
		}
		r.servers = append(r.servers, srv)
		r.MetricsAddr = addr.String()
	}
	if cfg.PollOnSlot {
		// The chains whose new slots can bring this agent work: an updater's
		// and a relayer's come from the Home; a processor also waits on the
		// destinations' clocks, and a watcher watches every chain.
		follow := chains
		if role == "updater" || role == "relayer" {
			follow = []*Chain{home}
		}
		for _, c := range follow {
			loop.Slots = append(loop.Slots, &SlotFeed{Chain: c, WS: wsOf[c]})
		}
	}
	r.Loop = loop
	return r, nil
}

// Run starts the agent of role and runs it until ctx ends.
func Run(ctx context.Context, role string, cfg *Config, log *slog.Logger) error {
	r, err := Start(role, cfg, log)
	if err != nil {
		return err
	}
	defer r.Close()
	return r.Loop.Run(ctx)
}
