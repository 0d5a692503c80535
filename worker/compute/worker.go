package compute

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"sync"
	"sync/atomic"
	"time"

	roothash "github.com/atoll-dev/atoll/consensus/roothash/api"
	"github.com/atoll-dev/atoll/consensus/signature"
	"github.com/atoll-dev/atoll/node"
	"github.com/atoll-dev/atoll/runtime/rhp"
	"github.com/atoll-dev/atoll/worker/p2p"
	"github.com/atoll-dev/atoll/worker/storage"
	"github.com/atoll-dev/atoll/worker/txpool"
)

// maxRecentBlockhashes is how many finalized header hashes, newest first,
// a batch's block context names (Solana's limit).
const maxRecentBlockhashes = 150

// Worker is the executor role of one runtime on a node. It is a
// node.Component; P2PHandler serves its peers.
type Worker struct {
	cfg   Config
	log   *slog.Logger
	fetch *storage.PeerFetcher

	mu        sync.Mutex
	view      *View
	round     uint64    // the round being worked on (Latest.Round+1)
	roundSeen time.Time // when this worker saw the round start (batch flush)
	proposals map[uint64][]*p2p.ProposalMsg
	proposed  map[uint64]bool
	done      map[uint64]bool // committed (or deliberately not) as worker/backup
	attempts  map[uint64]int  // failed commitment submissions per round
	execs     map[uint64]*execution
	recent    map[uint64]roothash.Hash // finalized header hashes by round
	latest    *roothash.Header
	waiters   map[txpool.Hash][]chan outcome
	runaways  uint64
	reported  map[equivocation]bool // equivocations whose evidence was submitted
	faultsNow Faults
	admitOnce sync.Once
	admitQ    chan admission
	kick      chan struct{}

	// The hand-off of pending transactions to the committee (handoff.go):
	// handedTo, handedAt, handedMark and resweepAt are the Run
	// goroutine's alone.
	handedTo   []signature.PublicKey
	handedAt   time.Time
	handedMark uint64
	resweepAt  time.Time
	handing    atomic.Bool
	handoffs   sync.WaitGroup
}

// execution is a worker's own results for a round, kept while it gathers
// receipts.
type execution struct {
	proposal *p2p.ProposalMsg
	failure  bool
	results  roothash.ComputeResults
	messages []roothash.Message
	apply    *p2p.ApplyRequest
	receipts map[signature.PublicKey]roothash.SignedReceipt
}

var _ node.Component = (*Worker)(nil)

// New returns a worker; start it with Run (as a node component) or Start.
func New(cfg Config) *Worker {
	if cfg.PollInterval == 0 {
		cfg.PollInterval = 100 * time.Millisecond
	}
	if cfg.HandoffInterval == 0 {
		cfg.HandoffInterval = defaultHandoffInterval
	}
	log := cfg.Logger
	if log == nil {
		log = slog.New(slog.DiscardHandler)
	}
	w := &Worker{
		cfg: cfg, log: log.With("runtime", cfg.Runtime.String()[:8], "node", cfg.Identity.Public().String()[:8]),
		proposals: map[uint64][]*p2p.ProposalMsg{}, proposed: map[uint64]bool{}, done: map[uint64]bool{}, attempts: map[uint64]int{},
		execs: map[uint64]*execution{}, reported: map[equivocation]bool{}, recent: map[uint64]roothash.Hash{}, waiters: map[txpool.Hash][]chan outcome{},
		kick: make(chan struct{}, 1),
	}
	w.faultsNow = cfg.Faults
	if cfg.Pool != nil {
		cfg.Pool.OnRecheckRefused(w.refusedOnRecheck)
	}
	w.fetch = &storage.PeerFetcher{Runtime: cfg.Runtime, Client: cfg.P2P, Peers: w.storagePeers, OnFailure: cfg.OnFetchFailure}
	return w
}

// Name implements node.Component.
func (w *Worker) Name() string { return "compute-" + w.cfg.Runtime.String()[:8] }

// Run implements node.Component: it works rounds until ctx ends.
func (w *Worker) Run(ctx context.Context, h node.Host) error {
	if w.cfg.Chain == nil {
		if h == nil {
			return errors.New("compute: no chain and no node host")
		}
		w.cfg.Chain = NewHostChain(h)
	}
	var lastErr string
	for {
		// A failing step is retried at every poll; its error is logged
		// when it changes, not every few milliseconds.
		if err := w.step(ctx); err != nil && ctx.Err() == nil {
			if err.Error() != lastErr {
				w.log.Warn("round step failed", "err", err)
			}
			lastErr = err.Error()
		} else {
			lastErr = ""
		}
		select {
		case <-ctx.Done():
			w.handoffs.Wait()
			return ctx.Err()
		case <-w.cfg.Chain.Changed():
		case <-w.cfg.Pool.Added():
		case <-w.kick:
		case <-time.After(w.cfg.PollInterval):
		}
	}
}

func (w *Worker) wake() {
	select {
	case w.kick <- struct{}{}:
	default:
	}
}

func (w *Worker) me() signature.PublicKey { return w.cfg.Identity.Public() }

// SetFaults replaces the worker's deliberate misbehaviours (tests switch
// a running worker between honest and Byzantine).
func (w *Worker) SetFaults(f Faults) {
	w.mu.Lock()
	defer w.mu.Unlock()
	w.faultsNow = f
}

func (w *Worker) faults() Faults {
	w.mu.Lock()
	defer w.mu.Unlock()
	return w.faultsNow
}

// step reads the view and does whatever the protocol asks of this worker
// now. It runs on Run's goroutine only.
func (w *Worker) step(ctx context.Context) error {
	v, err := w.cfg.Chain.View(ctx, w.cfg.Runtime)
	if err != nil {
		return err
	}
	// The round started when the view showed it, not once this node had
	// applied the previous one: the batch flush timeout runs meanwhile.
	seen := time.Now()
	if err := w.sync(ctx, v); err != nil {
		return err
	}
	w.mu.Lock()
	w.view = v
	round := v.Latest.Round + 1
	if round != w.round {
		w.round, w.roundSeen = round, seen
		for r := range w.proposals {
			if r < round {
				delete(w.proposals, r)
			}
		}
		for _, m := range []map[uint64]bool{w.proposed, w.done} {
			for r := range m {
				if r < round {
					delete(m, r)
				}
			}
		}
		for r := range w.execs {
			if r < round {
				delete(w.execs, r)
			}
		}
		for r := range w.attempts {
			if r < round {
				delete(w.attempts, r)
			}
		}
		for k := range w.reported {
			if k.round < round {
				delete(w.reported, k)
			}
		}
		w.noteEquivocationsLocked(round)
	}
	w.mu.Unlock()
	if v.Suspended {
		return nil
	}
	w.maybeHandOff(ctx, v)
	var errs []error
	if i := indexOf(v.Workers, w.me()); i >= 0 {
		errs = append(errs, w.maybePropose(ctx, v, round, rank(round, i, len(v.Workers))))
		if p := w.accepted(v, round); p != nil {
			errs = append(errs, w.executeAndCommit(ctx, v, round, p))
		}
	}
	if indexOf(v.Backups, w.me()) >= 0 && v.Discrepancy && v.Locked != nil {
		if p := w.locked(v, round); p != nil {
			errs = append(errs, w.executeAndCommit(ctx, v, round, p))
		}
	}
	return errors.Join(errs...)
}

// sync applies every round finalized since the replica's latest.
func (w *Worker) sync(ctx context.Context, v *View) error {
	cur, _, ok := w.cfg.Replica.Round()
	if ok && cur == v.Latest.Round && w.LatestHeader() == nil {
		w.noteHeader(&v.Latest)
	}
	if !ok {
		w.log.Info("no local state: restoring checkpoint", "round", v.Latest.Round)
		if err := storage.RestoreCheckpoint(ctx, w.cfg.Replica, &v.Latest, w.fetch); err != nil {
			return err
		}
		w.noteHeader(&v.Latest)
		return nil
	}
	for r := cur + 1; r <= v.Latest.Round; r++ {
		h := &v.Latest
		if r < v.Latest.Round {
			var err error
			if h, err = w.cfg.Chain.Header(ctx, w.cfg.Runtime, r); err != nil {
				return fmt.Errorf("compute: header of round %d: %w", r, err)
			}
		}
		t0 := time.Now()
		if err := w.cfg.Replica.Finalize(ctx, h, w.fetch); err != nil {
			return fmt.Errorf("compute: applying round %d: %w", r, err)
		}
		t1 := time.Now()
		w.noteHeader(h)
		if h.Type == roothash.Normal {
			if err := w.finalized(h.Round); err != nil {
				w.log.Warn("reading finalized results", "round", r, "err", err)
			}
		}
		w.log.Debug("applied finalized round", "round", r, "finalize", t1.Sub(t0), "results", time.Since(t1))
	}
	return nil
}

// LatestHeader returns the latest finalized header this worker applied
// (its hash is the newest blockhash transactions submitted here may name),
// or nil before the first.
func (w *Worker) LatestHeader() *roothash.Header {
	w.mu.Lock()
	defer w.mu.Unlock()
	if w.latest == nil {
		return nil
	}
	h := *w.latest
	return &h
}

func (w *Worker) noteHeader(h *roothash.Header) {
	w.mu.Lock()
	defer w.mu.Unlock()
	c := *h
	w.latest = &c
	w.recent[h.Round] = h.Hash()
	for r := range w.recent {
		if r+maxRecentBlockhashes*2 < h.Round {
			delete(w.recent, r)
		}
	}
}

// blockContext is the block a batch of round executes in: slot = round,
// the view's epoch, consensus time of the base header, and the hashes of
// the latest finalized headers, newest first. Every worker derives the same
// value from the same finalized headers.
func (w *Worker) blockContext(ctx context.Context, v *View) (rhp.BlockContext, error) {
	bc := rhp.BlockContext{Slot: v.Latest.Round + 1, Epoch: v.Epoch, UnixTimestamp: v.Latest.Timestamp, ActiveFeatures: []rhp.Hash{}}
	for i := uint64(0); i < maxRecentBlockhashes && i <= v.Latest.Round; i++ {
		r := v.Latest.Round - i
		w.mu.Lock()
		h, ok := w.recent[r]
		w.mu.Unlock()
		if !ok {
			hdr, err := w.cfg.Chain.Header(ctx, w.cfg.Runtime, r)
			if err != nil {
				return rhp.BlockContext{}, fmt.Errorf("compute: header of round %d: %w", r, err)
			}
			h = hdr.Hash()
			w.mu.Lock()
			w.recent[r] = h
			w.mu.Unlock()
		}
		bc.RecentBlockhashes = append(bc.RecentBlockhashes, rhp.Hash(h))
	}
	return bc, nil
}

// peer returns how to reach node id, if it registered a P2P endpoint.
func (v *View) peer(id signature.PublicKey) (p2p.Peer, bool) {
	n := v.Nodes[id]
	if n == nil || n.P2P.ID.IsZero() || len(n.P2P.Addresses) == 0 {
		return p2p.Peer{}, false
	}
	return p2p.Peer{Key: n.P2P.ID, Addr: n.P2P.Addresses[0]}, true
}

func (w *Worker) storagePeers() []p2p.Peer {
	w.mu.Lock()
	v := w.view
	w.mu.Unlock()
	if v == nil {
		if nv, err := w.cfg.Chain.View(context.Background(), w.cfg.Runtime); err == nil {
			v = nv
		}
	}
	if v == nil {
		return nil
	}
	var out []p2p.Peer
	for _, id := range v.Storage {
		if p, ok := v.peer(id); ok {
			out = append(out, p)
		}
	}
	return out
}
