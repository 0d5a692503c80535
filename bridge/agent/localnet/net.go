package localnet

import (
	"context"
	"crypto/ed25519"
	"crypto/rand"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"time"

	"github.com/decred/dcrd/dcrec/secp256k1/v4"

	"github.com/atoll-dev/atoll/bridge/agent"
	"github.com/atoll-dev/atoll/bridge/merkle"
	"github.com/atoll-dev/atoll/bridge/programs"
	"github.com/atoll-dev/atoll/bridge/programs/address"
	"github.com/atoll-dev/atoll/bridge/programs/connmgr"
	"github.com/atoll-dev/atoll/bridge/programs/home"
	"github.com/atoll-dev/atoll/bridge/programs/replica"
	"github.com/atoll-dev/atoll/bridge/update"
	"github.com/atoll-dev/atoll/client"
	"github.com/atoll-dev/atoll/rpc"
	"github.com/atoll-dev/atoll/rpc/devbank"
	"github.com/atoll-dev/atoll/runtime/svm"
	"github.com/atoll-dev/atoll/runtime/svm/loader"
	"github.com/atoll-dev/atoll/runtime/svm/sol"
)

// Config describes one local network.
type Config struct {
	Domain uint32
	// Remotes are the domains this network keeps a Replica of.
	Remotes []uint32
	// Updaters is the updater set of this network's Home and of its
	// Replicas (every network of a localnet shares one set).
	Updaters update.UpdaterSet
	// BondKeys are updaters to bond at setup (each signs its bond consent).
	BondKeys     []*secp256k1.PrivateKey
	BondLamports uint64
	// Watchers may unenroll Replicas of every remote domain.
	Watchers          []update.Address
	OptimisticSeconds uint64
	// Funded accounts receive FundLamports at genesis.
	Funded       []sol.Pubkey
	FundLamports uint64
	SlotDuration time.Duration
	// Addr is the JSON-RPC listen address (default 127.0.0.1:0); the
	// websocket server takes the next port.
	Addr string
	Log  *slog.Logger
	// Devnet, if set, runs the network as a real atoll network (an `atoll
	// devnet` process) instead of a devbank in this process; SlotDuration,
	// Addr and Log are then unused.
	Devnet *Devnet
	// BPFInbox gives a devbank the Inbox as the sBPF program a Devnet runs
	// (built with clang) instead of its native twin.
	BPFInbox bool
}

// Net is a running local network.
type Net struct {
	Domain uint32
	URL    string
	// Bank is the devbank behind URL; nil for a Devnet.
	Bank *devbank.Bank
	// Owner is the bridge admin and the owner of every bridge program's state.
	Owner ed25519.PrivateKey
	Chain *agent.Chain

	srv    *rpc.Server
	cancel context.CancelFunc
	done   chan error
	devnet *devnetProc
}

// Start creates the network, serves its RPC and sets the bridge up.
func Start(ctx context.Context, name string, cfg Config) (*Net, error) {
	_, owner, err := ed25519.GenerateKey(rand.Reader)
	if err != nil {
		return nil, err
	}
	if cfg.Devnet != nil {
		n, err := startDevnet(ctx, name, cfg.Devnet, &cfg, owner)
		if err != nil {
			return nil, err
		}
		if err := n.setup(ctx, &cfg); err != nil {
			n.Close()
			return nil, fmt.Errorf("localnet: setting up the bridge on %s: %w", name, err)
		}
		return n, nil
	}
	ownerKey := agent.PubkeyOf(owner)
	if cfg.SlotDuration == 0 {
		cfg.SlotDuration = 100 * time.Millisecond
	}
	if cfg.Addr == "" {
		cfg.Addr = "127.0.0.1:0"
	}
	if cfg.Log == nil {
		cfg.Log = slog.New(slog.NewTextHandler(io.Discard, nil))
	}
	genesis := []svm.AccountWrite{{Key: ownerKey, Account: sol.Account{Lamports: 1_000_000 * devbank.LamportsPerSOL}}}
	for _, k := range cfg.Funded {
		genesis = append(genesis, svm.AccountWrite{Key: k, Account: sol.Account{Lamports: cfg.FundLamports}})
	}
	opts := programs.Options(programs.Config{LocalDomain: cfg.Domain, Admin: ownerKey})
	if cfg.BPFInbox {
		rt, err := loader.New()
		if err != nil {
			return nil, err
		}
		so, err := InboxProgram("")
		if err != nil {
			return nil, err
		}
		genesis = append(genesis, InboxAccount(so))
		opts = append(rt.Options(), opts...)
	} else {
		opts = append(opts, svm.WithProgram(Inbox, svm.NativeProgramFunc(processInbox)))
	}
	bank, err := devbank.New(devbank.Config{SlotDuration: cfg.SlotDuration, GenesisAccounts: genesis, ExecutorOptions: opts})
	if err != nil {
		return nil, err
	}
	ls, err := rpc.Listen(cfg.Addr)
	if err != nil {
		return nil, err
	}
	srv := rpc.NewServer(bank, cfg.Log)
	srv.Serve(ls)
	runCtx, cancel := context.WithCancel(context.Background())
	n := &Net{Domain: cfg.Domain, URL: "http://" + ls.HTTP.Addr().String(), Bank: bank, Owner: owner,
		srv: srv, cancel: cancel, done: make(chan error, 1)}
	n.Chain = agent.NewChain(name, cfg.Domain, n.URL)
	go func() { n.done <- bank.Run(runCtx) }()
	if err := n.setup(ctx, &cfg); err != nil {
		n.Close()
		return nil, fmt.Errorf("localnet: setting up the bridge on %s: %w", name, err)
	}
	return n, nil
}

func (n *Net) setup(ctx context.Context, cfg *Config) error {
	owner := agent.PubkeyOf(n.Owner)
	var ixs []sol.Instruction
	add := func(ix sol.Instruction, err error) error {
		ixs = append(ixs, ix)
		return err
	}
	errs := []error{
		add(home.Initialize(owner, owner, 3600, 64<<10, owner, cfg.Updaters)),
		add(connmgr.Initialize(owner, owner, 4096, owner)),
	}
	if err := errors.Join(errs...); err != nil {
		return err
	}
	if _, err := n.Chain.Send(ctx, n.Owner, nil, ixs...); err != nil {
		return err
	}
	for _, r := range cfg.Remotes {
		ixs = nil
		errs = []error{
			add(replica.Initialize(owner, owner, r, cfg.OptimisticSeconds, merkle.EmptyRoot(), owner, cfg.Updaters)),
			add(connmgr.EnrollReplica(owner, r, address.ReplicaState(r))),
		}
		for _, w := range cfg.Watchers {
			errs = append(errs, add(connmgr.SetWatcherPermission(owner, w, r, true)))
		}
		if err := errors.Join(errs...); err != nil {
			return err
		}
		if _, err := n.Chain.Send(ctx, n.Owner, nil, ixs...); err != nil {
			return err
		}
	}
	for _, k := range cfg.BondKeys {
		consent := update.SignDigest(k, home.BondDigest(cfg.Domain, owner))
		ix, err := home.Bond(owner, update.AddressOf(k.PubKey()), cfg.BondLamports, consent)
		if err != nil {
			return err
		}
		if _, err := n.Chain.Send(ctx, n.Owner, nil, ix); err != nil {
			return err
		}
	}
	return nil
}

// Close stops the chain and its RPC server, or the devnet.
func (n *Net) Close() error {
	if n.devnet != nil {
		return n.devnet.stop()
	}
	n.cancel()
	err := <-n.done
	n.srv.Close()
	if errors.Is(err, context.Canceled) {
		return nil
	}
	return err
}

// Lamports is key's balance.
func (n *Net) Lamports(ctx context.Context, key sol.Pubkey) (uint64, error) {
	return n.Chain.RPC.GetBalance(ctx, key, client.Finalized)
}
