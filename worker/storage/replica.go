package storage

import (
	"context"
	"errors"
	"fmt"
	"path/filepath"
	"sync"
	"time"

	roothash "github.com/atoll-dev/atoll/consensus/roothash/api"
	"github.com/atoll-dev/atoll/storage/mkvs"
)

// Errors of a Replica.
var (
	ErrGap          = errors.New("storage: header does not follow the latest applied round")
	ErrDiverged     = errors.New("storage: local state differs from the finalized header")
	ErrNoCandidate  = errors.New("storage: no verified results for the round")
	ErrBadResults   = errors.New("storage: write logs do not lead to the claimed roots")
	ErrNotAvailable = errors.New("storage: round not available")
	ErrLogsNeeded   = errors.New("storage: results not held here; send their write logs")
)

// Fetcher obtains a finalized round's write logs from peers. Results are
// untrusted: the Replica verifies them against the header.
type Fetcher interface {
	FetchDiff(ctx context.Context, h *roothash.Header) (stateLog, ioLog mkvs.WriteLog, err error)
}

// A CheckingFetcher is a Fetcher that lets its caller judge each peer's
// answer, so that one peer serving write logs that decode but do not lead
// to the header's roots cannot stall the caller: FetchDiffUntil hands
// each peer's logs to use, in turn, until use returns nil (then it returns
// nil). An error of use wrapping ErrBadResults is that peer's failure (it
// is reported like a failed fetch and the next peer is asked); any other
// error of use is the caller's own and is returned at once. Replica.Finalize
// uses it when its Fetcher has it, applying each answer as its check.
type CheckingFetcher interface {
	Fetcher
	FetchDiffUntil(ctx context.Context, h *roothash.Header, use func(stateLog, ioLog mkvs.WriteLog) error) error
}

// Replica is a node's MKVS for one runtime, advanced one finalized round at a
// time. MKVS version r holds the state (and IO) roots of round r. It is safe
// for concurrent use.
type Replica struct {
	KV       *mkvs.Store
	pending  *pending
	verified verifications

	mu sync.Mutex // serialises Finalize

	appliedMu sync.Mutex
	applied   chan struct{} // closed and replaced when Finalize applies a round

	ioMu      sync.Mutex
	lastIO    mkvs.WriteLog // IO write log of the latest finalized round, if held
	lastIOFor uint64
}

// OpenReplica opens the replica's MKVS in dir/mkvs and its candidates in
// dir/candidates. noSync trades durability for speed (tests, benchmarks);
// a storage node that signs receipts must sync.
func OpenReplica(dir string, ns mkvs.Namespace, noSync bool) (*Replica, error) {
	kv, err := mkvs.Open(filepath.Join(dir, "mkvs"), mkvs.Options{Namespace: ns, NoSync: noSync, KeepVersions: 1000, Logger: quietLogger{}})
	if err != nil {
		return nil, fmt.Errorf("storage: %w", err)
	}
	p, err := openPending(filepath.Join(dir, "candidates"), !noSync)
	if err != nil {
		kv.Close()
		return nil, err
	}
	return &Replica{KV: kv, pending: p}, nil
}

// Close closes the stores.
func (r *Replica) Close() error {
	return errors.Join(r.pending.close(), r.KV.Close())
}

// WaitRound waits until the replica has applied round (or holds no state
// at all), at most max or until ctx ends, and reports whether it has.
func (r *Replica) WaitRound(ctx context.Context, round uint64, max time.Duration) bool {
	timer := time.NewTimer(max)
	defer timer.Stop()
	for {
		r.appliedMu.Lock()
		if r.applied == nil {
			r.applied = make(chan struct{})
		}
		ch := r.applied
		r.appliedMu.Unlock()
		if cur, _, ok := r.Round(); !ok || cur >= round {
			return ok
		}
		select {
		case <-ch:
		case <-timer.C:
			return false
		case <-ctx.Done():
			return false
		}
	}
}

func (r *Replica) noteApplied() {
	r.appliedMu.Lock()
	defer r.appliedMu.Unlock()
	if r.applied != nil {
		close(r.applied)
		r.applied = nil
	}
}

// Round is the latest applied round and its state root; ok is false when the
// replica holds no state yet.
func (r *Replica) Round() (round uint64, state mkvs.Root, ok bool) {
	root, ok := r.KV.LatestRoot(mkvs.RootState)
	return root.Version, root, ok
}

func (r *Replica) stateRoot(round uint64, h roothash.Hash) mkvs.Root {
	return mkvs.Root{Namespace: r.KV.Namespace(), Version: round, Type: mkvs.RootState, Hash: mkvs.Hash(h)}
}

func (r *Replica) ioRoot(round uint64, h roothash.Hash) mkvs.Root {
	return mkvs.Root{Namespace: r.KV.Namespace(), Version: round, Type: mkvs.RootIO, Hash: mkvs.Hash(h)}
}

// Verify checks that stateLog turns the state root of round-1 (prevState,
// which the replica must hold) into stateRoot and that ioLog builds ioRoot
// from the empty tree.
func (r *Replica) Verify(round uint64, prevState, stateRoot, ioRoot roothash.Hash, stateLog, ioLog mkvs.WriteLog) error {
	_, _, err := r.verify(round, prevState, stateRoot, ioRoot, stateLog, ioLog)
	return err
}

// verify is Verify returning the verified, hashed working trees, which
// commit as round's state and IO versions.
func (r *Replica) verify(round uint64, prevState, stateRoot, ioRoot roothash.Hash, stateLog, ioLog mkvs.WriteLog) (state, io *mkvs.Tree, err error) {
	if round == 0 {
		return nil, nil, fmt.Errorf("%w: round 0 is genesis", ErrBadResults)
	}
	t, err := r.KV.Tree(r.stateRoot(round-1, prevState))
	if err != nil {
		return nil, nil, fmt.Errorf("storage: previous state root of round %d: %w", round, err)
	}
	if err := t.ApplyWriteLog(stateLog); err != nil {
		return nil, nil, logError("state", err)
	}
	if got := t.Hash(); got != mkvs.Hash(stateRoot) {
		return nil, nil, fmt.Errorf("%w: state log leads to %s, claimed %s", ErrBadResults, got, mkvs.Hash(stateRoot))
	}
	it, err := r.KV.Tree(r.KV.EmptyRoot(mkvs.RootIO, round))
	if err != nil {
		return nil, nil, fmt.Errorf("storage: empty io tree: %w", err)
	}
	if err := it.ApplyWriteLog(ioLog); err != nil {
		return nil, nil, logError("io", err)
	}
	if got := it.Hash(); got != mkvs.Hash(ioRoot) {
		return nil, nil, fmt.Errorf("%w: io log leads to %s, claimed %s", ErrBadResults, got, mkvs.Hash(ioRoot))
	}
	return t, it, nil
}

// logError classifies an error of applying a write log: the log's own
// faults are ErrBadResults (whoever sent it is to blame), anything else
// (reading the local tree) is this node's.
func logError(part string, err error) error {
	if errors.Is(err, mkvs.ErrMalformedLog) || errors.Is(err, mkvs.ErrKeyTooLarge) || errors.Is(err, mkvs.ErrValueTooLarge) {
		return fmt.Errorf("%w: %s: %w", ErrBadResults, part, err)
	}
	return fmt.Errorf("storage: applying the %s log: %w", part, err)
}

// Stash verifies a round's results and keeps them (synced to disk unless
// the replica is noSync) until a header finalizes or supersedes them.
// Results already stashed under the same previous state and roots (this
// node's own execution and every worker's copy of the same round) are
// verified and written once: later callers wait for the first one's
// outcome. The verified trees stay in memory for Finalize.
func (r *Replica) Stash(round uint64, prevState, stateRoot, ioRoot roothash.Hash, stateLog, ioLog mkvs.WriteLog) error {
	return r.StashEncoded(round, prevState, stateRoot, ioRoot, stateLog, ioLog, nil, nil)
}

// StashEncoded is Stash for a caller that also holds the logs' write-log
// encodings (stateBytes, ioBytes: what MarshalBinary returns, or what
// UnmarshalBinary accepted), which are stored as they are. Nil encodings
// are computed.
func (r *Replica) StashEncoded(round uint64, prevState, stateRoot, ioRoot roothash.Hash, stateLog, ioLog mkvs.WriteLog, stateBytes, ioBytes []byte) error {
	k := candidateKey{round: round, prev: prevState, state: stateRoot, io: ioRoot}
	for {
		v, mine := r.verified.claim(k)
		if mine {
			state, io, err := r.stash(round, prevState, stateRoot, ioRoot, stateLog, ioLog, stateBytes, ioBytes)
			r.verified.finish(k, v, err, state, io, ioLog)
			return err
		}
		<-v.done
		if v.err == nil {
			return nil
		}
		// Those logs failed; these may not (the roots are the claim).
	}
}

// Stashed reports whether results with these roots, on prevState, were
// verified and stashed durably since the replica opened (a receipt for
// them needs no second look at the write logs).
func (r *Replica) Stashed(round uint64, prevState, stateRoot, ioRoot roothash.Hash) bool {
	return r.verified.stashed(candidateKey{round: round, prev: prevState, state: stateRoot, io: ioRoot})
}

func (r *Replica) stash(round uint64, prevState, stateRoot, ioRoot roothash.Hash, stateLog, ioLog mkvs.WriteLog, sl, il []byte) (state, io *mkvs.Tree, err error) {
	state, io, err = r.verify(round, prevState, stateRoot, ioRoot, stateLog, ioLog)
	if err != nil {
		return nil, nil, err
	}
	if sl == nil {
		if sl, err = stateLog.MarshalBinary(); err != nil {
			return nil, nil, fmt.Errorf("%w: %w", ErrBadResults, err)
		}
	}
	if il == nil {
		if il, err = ioLog.MarshalBinary(); err != nil {
			return nil, nil, fmt.Errorf("%w: %w", ErrBadResults, err)
		}
	}
	if err := r.pending.put(round, stateRoot, ioRoot, &candidate{PrevStateRoot: prevState, StateLog: sl, IOLog: il}); err != nil {
		return nil, nil, err
	}
	return state, io, nil
}

// Finalize applies finalized header h, which must be the round after the
// latest applied one (ErrGap otherwise; a header already applied is checked
// and ignored). A Normal round's write logs come from the stashed candidate
// or, when there is none, from fetch (which may be nil: then ErrNoCandidate).
func (r *Replica) Finalize(ctx context.Context, h *roothash.Header, fetch Fetcher) error {
	defer r.noteApplied()
	r.mu.Lock()
	defer r.mu.Unlock()
	cur, root, ok := r.Round()
	if !ok {
		return fmt.Errorf("%w: replica holds no state (seed genesis or restore a checkpoint)", ErrGap)
	}
	if h.Round <= cur {
		got, found, err := r.KV.RootAt(mkvs.RootState, h.Round)
		if err == nil && found && got.Hash != mkvs.Hash(h.StateRoot) {
			return fmt.Errorf("%w: round %d: local %s, header %x", ErrDiverged, h.Round, got.Hash, h.StateRoot[:8])
		}
		return nil
	}
	if h.Round != cur+1 {
		return fmt.Errorf("%w: header of round %d, latest applied %d", ErrGap, h.Round, cur)
	}
	defer r.verified.forgetThrough(h.Round)
	if h.Type == roothash.Normal {
		// The results this node verified when it stashed them commit as
		// they are: state and IO in one durable write.
		k := candidateKey{round: h.Round, prev: roothash.Hash(root.Hash), state: h.StateRoot, io: h.IORoot}
		if st, io, ioLog, ok := r.verified.take(k); ok {
			if _, err := r.KV.CommitRoots(h.Round, st, io); err == nil {
				r.noteIO(h.Round, ioLog)
				return r.pending.pruneBelow(h.Round + 1)
			}
			// Committing is atomic: on error nothing was written, and the
			// stashed write logs below take another path to the same roots.
		}
	}
	var stateLog, ioLog mkvs.WriteLog
	if h.Type == roothash.Normal {
		c, found, err := r.pending.get(h.Round, h.StateRoot, h.IORoot)
		if err != nil {
			return err
		}
		switch {
		case found && c.PrevStateRoot == roothash.Hash(root.Hash):
			if err := stateLog.UnmarshalBinary(c.StateLog); err != nil {
				return fmt.Errorf("storage: candidate of round %d: %w", h.Round, err)
			}
			if err := ioLog.UnmarshalBinary(c.IOLog); err != nil {
				return fmt.Errorf("storage: candidate of round %d: %w", h.Round, err)
			}
		case fetch == nil:
			return fmt.Errorf("%w: round %d", ErrNoCandidate, h.Round)
		default:
			if err := r.finalizeFetched(ctx, h, root, fetch); err != nil {
				return err
			}
			return r.pending.pruneBelow(h.Round + 1)
		}
	}
	if err := r.KV.ApplyWriteLog(root, stateLog, r.stateRoot(h.Round, h.StateRoot)); err != nil {
		if errors.Is(err, mkvs.ErrRootMismatch) {
			return fmt.Errorf("%w: round %d: %w", ErrBadResults, h.Round, err)
		}
		return fmt.Errorf("storage: applying round %d: %w", h.Round, err)
	}
	if r.applyIO(h, ioLog) && h.Type == roothash.Normal {
		r.noteIO(h.Round, ioLog)
	}
	return r.pending.pruneBelow(h.Round + 1)
}

// finalizeFetched applies Normal header h, on the latest state root, with
// write logs from peers. Applying is the check: a peer's logs that do not
// lead to both of h's roots fail with ErrBadResults, so a CheckingFetcher
// reports that peer and asks the next one. State and IO commit together.
func (r *Replica) finalizeFetched(ctx context.Context, h *roothash.Header, root mkvs.Root, fetch Fetcher) error {
	apply := func(stateLog, ioLog mkvs.WriteLog) error {
		st, io, err := r.verify(h.Round, roothash.Hash(root.Hash), h.StateRoot, h.IORoot, stateLog, ioLog)
		if err != nil {
			return err
		}
		if _, err := r.KV.CommitRoots(h.Round, st, io); err != nil {
			return fmt.Errorf("storage: applying round %d: %w", h.Round, err)
		}
		r.noteIO(h.Round, ioLog)
		return nil
	}
	if cf, ok := fetch.(CheckingFetcher); ok {
		return cf.FetchDiffUntil(ctx, h, apply)
	}
	stateLog, ioLog, err := fetch.FetchDiff(ctx, h)
	if err != nil {
		return err
	}
	return apply(stateLog, ioLog)
}

func (r *Replica) noteIO(round uint64, ioLog mkvs.WriteLog) {
	r.ioMu.Lock()
	defer r.ioMu.Unlock()
	r.lastIO, r.lastIOFor = ioLog, round
}

// FinalizedIOLog returns the write log that built the IO tree of round
// from the empty tree, sorted by key, when round is the latest Normal round
// this replica finalized and it still holds the log (it always does when
// Finalize applied it; not after a restart). The caller must not modify it.
func (r *Replica) FinalizedIOLog(round uint64) (mkvs.WriteLog, bool) {
	r.ioMu.Lock()
	defer r.ioMu.Unlock()
	if r.lastIO == nil || r.lastIOFor != round {
		return nil, false
	}
	return r.lastIO, true
}

// applyIO commits the round's IO tree. It is best effort: the state is what
// later rounds build on, and a node restored from a checkpoint lacks the IO
// tree an empty block carries over. It reports whether the IO tree was committed.
func (r *Replica) applyIO(h *roothash.Header, ioLog mkvs.WriteLog) bool {
	base := r.KV.EmptyRoot(mkvs.RootIO, h.Round)
	if h.Type != roothash.Normal {
		if latest, ok := r.KV.LatestRoot(mkvs.RootIO); ok && latest.Hash == mkvs.Hash(h.IORoot) {
			base = latest
		} else if mkvs.Hash(h.IORoot) != mkvs.EmptyRoot {
			return false
		}
	}
	return r.KV.ApplyWriteLog(base, ioLog, r.ioRoot(h.Round, h.IORoot)) == nil
}

// Diff returns the write logs of round that lead to state (from round-1)
// and io (from the empty tree): from the finalized trees when the replica
// applied exactly those roots, else from a stashed candidate.
func (r *Replica) Diff(round uint64, state, io roothash.Hash) (stateLog, ioLog mkvs.WriteLog, err error) {
	if round == 0 {
		return nil, nil, fmt.Errorf("%w: round 0", ErrNotAvailable)
	}
	cur, ok, err := r.KV.RootAt(mkvs.RootState, round)
	if err == nil && ok && cur.Hash == mkvs.Hash(state) {
		if sl, il, err := r.finalizedDiff(round, cur, io); err == nil {
			return sl, il, nil
		}
	}
	c, found, err := r.pending.get(round, state, io)
	if err != nil {
		return nil, nil, err
	}
	if !found {
		return nil, nil, fmt.Errorf("%w: round %d with state %x", ErrNotAvailable, round, state[:8])
	}
	if err := stateLog.UnmarshalBinary(c.StateLog); err != nil {
		return nil, nil, fmt.Errorf("storage: candidate of round %d: %w", round, err)
	}
	if err := ioLog.UnmarshalBinary(c.IOLog); err != nil {
		return nil, nil, fmt.Errorf("storage: candidate of round %d: %w", round, err)
	}
	return stateLog, ioLog, nil
}

func (r *Replica) finalizedDiff(round uint64, cur mkvs.Root, io roothash.Hash) (mkvs.WriteLog, mkvs.WriteLog, error) {
	prev, ok, err := r.KV.RootAt(mkvs.RootState, round-1)
	if err != nil || !ok {
		return nil, nil, fmt.Errorf("%w: state of round %d: %v", ErrNotAvailable, round-1, err)
	}
	stateLog, err := r.KV.Diff(prev, cur)
	if err != nil {
		return nil, nil, fmt.Errorf("storage: diff of round %d: %w", round, err)
	}
	ioRoot, ok, err := r.KV.RootAt(mkvs.RootIO, round)
	if err != nil || !ok || ioRoot.Hash != mkvs.Hash(io) {
		return nil, nil, fmt.Errorf("%w: io of round %d: %v", ErrNotAvailable, round, err)
	}
	ioLog, err := r.KV.Diff(r.KV.EmptyRoot(mkvs.RootIO, round), ioRoot)
	if err != nil {
		return nil, nil, fmt.Errorf("storage: io of round %d: %w", round, err)
	}
	return stateLog, ioLog, nil
}
