package worker

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"net"
	"net/http"
	"path/filepath"
	"sync"
	"time"

	"github.com/atoll-dev/atoll/consensus/registry"
	"github.com/atoll-dev/atoll/consensus/signature"
	"github.com/atoll-dev/atoll/node"
	"github.com/atoll-dev/atoll/runtime/host"
	"github.com/atoll-dev/atoll/runtime/host/sandbox"
	"github.com/atoll-dev/atoll/runtime/rhp"
	"github.com/atoll-dev/atoll/storage/mkvs"
	"github.com/atoll-dev/atoll/worker/compute"
	"github.com/atoll-dev/atoll/worker/p2p"
	wrt "github.com/atoll-dev/atoll/worker/runtime"
	"github.com/atoll-dev/atoll/worker/storage"
	"github.com/atoll-dev/atoll/worker/submit"
	"github.com/atoll-dev/atoll/worker/txpool"
)

// Config configures the roles of one runtime on one node.
type Config struct {
	// Runtime is the runtime served.
	Runtime registry.RuntimeID
	// Identity is the node's registered key (node descriptor ID): it signs
	// proposals, commitments, receipts and the node's transactions.
	Identity *signature.Signer
	// P2PKey is the node's registered P2P key (descriptor P2P.ID).
	P2PKey *signature.Signer
	// DataDir holds the runtime's MKVS and stashed results.
	DataDir string
	// P2PAddr is the P2P listen address (the descriptor's P2P address
	// must reach it), e.g. "127.0.0.1:9200"; ":0" picks a port.
	P2PAddr string
	// SubmitAddr, if set, serves the submission API over HTTP there.
	SubmitAddr string
	// Compute and Storage select the roles.
	Compute, Storage bool
	// GenesisLog and GenesisRoot seed an empty MKVS with the runtime's
	// genesis state (worker/runtime.Genesis); without them an empty node
	// restores a checkpoint from storage peers.
	GenesisLog  mkvs.WriteLog
	GenesisRoot mkvs.Hash
	// RuntimeBinary, when set, runs the runtime as a supervised process
	// (RuntimeArgs after argv[0]) under bubblewrap, or unsandboxed with
	// UnsafeNoSandbox. Empty runs the SVM engine in the node's process.
	RuntimeBinary   string
	RuntimeArgs     []string
	UnsafeNoSandbox bool
	// Trampoline is the executable re-run inside the sandbox to start the
	// runtime (sandbox.Config.Trampoline; empty: this process's own).
	Trampoline string
	// RuntimeConfig is the runtime's network configuration
	// (InfoRequest.LocalConfig; for the SVM runtime the canonical CBOR of
	// hosted.Config). Every node of a network must use the same.
	RuntimeConfig []byte
	// NoSync skips fsync on commits (tests, benchmarks; never for a
	// storage node whose receipts must mean what they say).
	NoSync bool
	// Pool bounds the transaction pool.
	Pool txpool.Config
	// Faults are deliberate misbehaviours for tests.
	Faults        compute.Faults
	StorageFaults storage.Faults
	Logger        *slog.Logger
}

// Workers are the started roles. Pass Components to node.Options; Close
// after the node stopped.
type Workers struct {
	// Components run the roles inside the node process.
	Components []node.Component
	// P2PAddr and SubmitAddr are the bound addresses.
	P2PAddr, SubmitAddr string
	// Compute is the executor (nil without the compute role); it is also
	// the submission API's Submitter.
	Compute *compute.Worker
	// StorageNode is the storage role (nil without it).
	StorageNode *storage.Node
	Replica     *storage.Replica

	peers   *peerSet
	srv     *p2p.Server
	client  *p2p.Client
	httpSrv *http.Server
	rt      wrt.Runtime
}

// Start opens the stores, starts the runtime and the listeners.
func Start(cfg Config) (*Workers, error) {
	if cfg.Identity == nil || cfg.P2PKey == nil {
		return nil, errors.New("worker: node identity and P2P key are required")
	}
	if !cfg.Compute && !cfg.Storage {
		return nil, errors.New("worker: neither compute nor storage role selected")
	}
	log := cfg.Logger
	if log == nil {
		log = slog.New(slog.DiscardHandler)
	}
	rep, err := storage.OpenReplica(filepath.Join(cfg.DataDir, cfg.Runtime.String()), mkvs.Namespace(cfg.Runtime), cfg.NoSync)
	if err != nil {
		return nil, err
	}
	w := &Workers{Replica: rep, peers: &peerSet{}}
	fail := func(err error) (*Workers, error) {
		w.Close()
		return nil, err
	}
	if cfg.GenesisLog != nil || cfg.GenesisRoot != (mkvs.Hash{}) {
		if err := wrt.SeedGenesis(rep.KV, cfg.GenesisLog, cfg.GenesisRoot); err != nil {
			return fail(err)
		}
	}
	if w.srv, err = p2p.NewServer(cfg.P2PKey, w.peers.allowed); err != nil {
		return fail(err)
	}
	w.client = p2p.NewClient(cfg.P2PKey)
	l, err := net.Listen("tcp", cfg.P2PAddr)
	if err != nil {
		return fail(fmt.Errorf("worker: p2p listen %s: %w", cfg.P2PAddr, err))
	}
	w.P2PAddr = l.Addr().String()
	go w.srv.Serve(l)
	w.Components = append(w.Components, &peerRefresher{set: w.peers, log: log})
	if cfg.Storage {
		w.StorageNode = &storage.Node{Runtime: cfg.Runtime, Signer: cfg.Identity, Replica: rep, Faults: cfg.StorageFaults}
		w.srv.HandleStorage(cfg.Runtime, w.StorageNode)
		w.Components = append(w.Components, &chainContextSetter{n: w.StorageNode}, &storage.Answerer{Node: w.StorageNode, Logger: log})
	}
	if cfg.Compute {
		if cfg.RuntimeBinary == "" {
			if w.rt, err = wrt.NewInProcess(rep.KV, cfg.RuntimeConfig); err != nil {
				return fail(err)
			}
		} else {
			if w.rt, err = wrt.NewHosted(host.Config{
				Sandbox: sandbox.Config{Binary: cfg.RuntimeBinary, Args: cfg.RuntimeArgs, Unsafe: cfg.UnsafeNoSandbox, Trampoline: cfg.Trampoline, Logger: log},
				Info:    rhp.InfoRequest{RuntimeID: rhp.Hash(cfg.Runtime), LocalConfig: cfg.RuntimeConfig},
				Logger:  log,
			}, rep.KV); err != nil {
				return fail(err)
			}
		}
		// Failed catch-up fetches from storage nodes that receipted the
		// round are challenged in the roothash (the node's account bonds).
		challenger := &storage.Challenger{Runtime: cfg.Runtime, Signer: cfg.Identity, Logger: log}
		w.Compute = compute.New(compute.Config{Runtime: cfg.Runtime, Identity: cfg.Identity, Replica: rep, Exec: w.rt,
			Pool: txpool.New(cfg.Pool, w.rt), P2P: w.client, Faults: cfg.Faults, Logger: log, OnFetchFailure: challenger.Report})
		w.srv.HandleCompute(cfg.Runtime, w.Compute.P2PHandler())
		w.Components = append(w.Components, w.Compute, challenger)
		if cfg.SubmitAddr != "" {
			h := submit.NewHandler()
			h.Register(cfg.Runtime, w.Compute)
			sl, err := net.Listen("tcp", cfg.SubmitAddr)
			if err != nil {
				return fail(fmt.Errorf("worker: submission listen %s: %w", cfg.SubmitAddr, err))
			}
			w.SubmitAddr = sl.Addr().String()
			w.httpSrv = &http.Server{Handler: h, ReadHeaderTimeout: 10 * time.Second}
			go w.httpSrv.Serve(sl)
		}
	}
	return w, nil
}

// Close stops the listeners and the runtime and closes the stores.
func (w *Workers) Close() error {
	var errs []error
	if w.httpSrv != nil {
		errs = append(errs, w.httpSrv.Close())
	}
	if w.srv != nil {
		w.srv.Stop()
	}
	if w.client != nil {
		w.client.Close()
	}
	if w.rt != nil {
		errs = append(errs, w.rt.Close())
	}
	if w.Replica != nil {
		errs = append(errs, w.Replica.Close())
	}
	return errors.Join(errs...)
}

// peerSet is the set of registered P2P keys the server admits.
type peerSet struct {
	mu   sync.RWMutex
	keys map[signature.PublicKey]bool
}

func (s *peerSet) allowed(k signature.PublicKey) bool {
	s.mu.RLock()
	defer s.mu.RUnlock()
	return s.keys[k]
}

// peerRefresher reloads the registered P2P keys at start, every epoch, and
// every few seconds (nodes register between epochs).
type peerRefresher struct {
	set *peerSet
	log *slog.Logger
}

func (r *peerRefresher) Name() string { return "worker-p2p-peers" }

func (r *peerRefresher) Run(ctx context.Context, h node.Host) error {
	for {
		var views []registry.NodeView
		if err := h.Query(ctx, "registry/nodes", nil, &views); err != nil {
			if ctx.Err() == nil {
				r.log.Warn("reading registered nodes", "err", err)
			}
		} else {
			keys := map[signature.PublicKey]bool{}
			for _, v := range views {
				if v.Node != nil && !v.Expired && !v.Node.P2P.ID.IsZero() {
					keys[v.Node.P2P.ID] = true
				}
			}
			r.set.mu.Lock()
			r.set.keys = keys
			r.set.mu.Unlock()
		}
		select {
		case <-ctx.Done():
			return ctx.Err()
		case <-h.EpochChanged():
		case <-time.After(5 * time.Second):
		}
	}
}

// chainContextSetter gives the storage role the chain's signature domain,
// which is known once the node runs.
type chainContextSetter struct{ n *storage.Node }

func (c *chainContextSetter) Name() string { return "worker-chain-context" }

func (c *chainContextSetter) Run(ctx context.Context, h node.Host) error {
	c.n.SetChainContext(h.ChainContext())
	<-ctx.Done()
	return ctx.Err()
}
