package storage

import (
	"context"
	"encoding/binary"
	"errors"
	"fmt"
	"sync"
	"time"

	"github.com/atoll-dev/atoll/consensus/registry"
	roothash "github.com/atoll-dev/atoll/consensus/roothash/api"
	"github.com/atoll-dev/atoll/consensus/signature"
	"github.com/atoll-dev/atoll/storage/mkvs"
	"github.com/atoll-dev/atoll/worker/p2p"
)

// Faults make a storage node misbehave on purpose, for the Byzantine
// scenario tests. The zero value is an honest node.
type Faults struct {
	// ReceiptWithoutStoring signs receipts without verifying or keeping
	// the results, so a later fetch of the round from this node fails.
	ReceiptWithoutStoring bool
	// ForgeDiffs serves well-formed write logs that do not lead to the
	// requested roots: a peer a follower must not believe.
	ForgeDiffs bool
	// ForgeCheckpoints serves checkpoint chunks altered so they do not
	// verify against the requested root.
	ForgeCheckpoints bool
}

// Node is the storage-committee role of one runtime on a node: it signs
// receipts for verified, durably stashed results and serves finalized
// rounds to peers. It implements p2p.StorageHandler.
type Node struct {
	Runtime      registry.RuntimeID
	Signer       *signature.Signer // the node's identity key: receipts name it
	ChainContext []byte
	Replica      *Replica
	// Faults are the initial deliberate misbehaviours (see SetFaults).
	Faults Faults
	// ChunkBytes is the target checkpoint chunk size (mkvs default when 0).
	ChunkBytes int

	mu        sync.Mutex
	chunks    map[uint64][][]byte // exported checkpoints by round, newest kept
	faultsSet bool
	faults    Faults
}

// SetChainContext sets the chain's signature domain (receipts are signed
// under it) once the node knows it.
func (n *Node) SetChainContext(cc []byte) {
	n.mu.Lock()
	defer n.mu.Unlock()
	n.ChainContext = append([]byte(nil), cc...)
}

func (n *Node) chainContext() []byte {
	n.mu.Lock()
	defer n.mu.Unlock()
	return n.ChainContext
}

// SetFaults replaces the node's deliberate misbehaviours while it runs.
func (n *Node) SetFaults(f Faults) {
	n.mu.Lock()
	defer n.mu.Unlock()
	n.faults, n.faultsSet = f, true
}

func (n *Node) currentFaults() Faults {
	n.mu.Lock()
	defer n.mu.Unlock()
	return n.currentFaultsLocked()
}

func (n *Node) currentFaultsLocked() Faults {
	if n.faultsSet {
		return n.faults
	}
	return n.Faults
}

var _ p2p.StorageHandler = (*Node)(nil)

// applyWait bounds how long StorageApply waits for the replica to apply
// the round a request builds on.
const applyWait = 2 * time.Second

// StorageApply implements p2p.StorageHandler.
func (n *Node) StorageApply(ctx context.Context, _ signature.PublicKey, m *p2p.ApplyRequest) (*roothash.SignedReceipt, error) {
	if m.Runtime != n.Runtime {
		return nil, fmt.Errorf("storage: runtime %s is not %s", m.Runtime, n.Runtime)
	}
	if cur, _, ok := n.Replica.Round(); ok && m.Round == cur+2 {
		// An executor may ask as soon as it has results, while this node
		// is still applying the round they build on: wait for it a little
		// rather than send the executor back to retry.
		n.Replica.WaitRound(ctx, m.Round-1, applyWait)
	}
	if !n.currentFaults().ReceiptWithoutStoring && !n.Replica.Stashed(m.Round, m.PrevStateRoot, m.StateRoot, m.IORoot) {
		if len(m.StateLog) == 0 && len(m.IOLog) == 0 {
			return nil, fmt.Errorf("%w: round %d with state %x", ErrLogsNeeded, m.Round, m.StateRoot[:8])
		}
		var stateLog, ioLog mkvs.WriteLog
		if err := stateLog.UnmarshalBinary(m.StateLog); err != nil {
			return nil, fmt.Errorf("storage: state log: %w", err)
		}
		if err := ioLog.UnmarshalBinary(m.IOLog); err != nil {
			return nil, fmt.Errorf("storage: io log: %w", err)
		}
		if err := n.Replica.StashEncoded(m.Round, m.PrevStateRoot, m.StateRoot, m.IORoot, stateLog, ioLog, m.StateLog, m.IOLog); err != nil {
			return nil, err
		}
	}
	r := roothash.SignReceipt(n.Signer, n.chainContext(), roothash.Receipt{Namespace: n.Runtime, Round: m.Round, IORoot: m.IORoot, StateRoot: m.StateRoot})
	return &r, nil
}

// GetDiff implements p2p.StorageHandler.
func (n *Node) GetDiff(_ context.Context, _ signature.PublicKey, m *p2p.DiffRequest) (*p2p.DiffResponse, error) {
	faults := n.currentFaults()
	var sl, il mkvs.WriteLog
	switch {
	case faults.ForgeDiffs:
		sl = forgedLog(m.Round)
	case faults.ReceiptWithoutStoring:
		return nil, fmt.Errorf("%w: round %d", ErrNotAvailable, m.Round)
	default:
		var err error
		if sl, il, err = n.Replica.Diff(m.Round, m.StateRoot, m.IORoot); err != nil {
			return nil, err
		}
	}
	sb, err := sl.MarshalBinary()
	if err != nil {
		return nil, err
	}
	ib, err := il.MarshalBinary()
	if err != nil {
		return nil, err
	}
	return &p2p.DiffResponse{StateRoot: m.StateRoot, IORoot: m.IORoot, StateLog: sb, IOLog: ib}, nil
}

// forgedLog is the state write log a ForgeDiffs node serves for round: it
// decodes, applies to any tree, and leads to no root an executor computed.
func forgedLog(round uint64) mkvs.WriteLog {
	return mkvs.WriteLog{{Key: []byte("storage: forged"), Value: binary.BigEndian.AppendUint64(nil, round)}}
}

// GetCheckpoint implements p2p.StorageHandler: chunk m.Index of the
// checkpoint of round m.Round's state root. The latest exported
// checkpoint is kept so a peer's sequence of requests exports once.
func (n *Node) GetCheckpoint(_ context.Context, _ signature.PublicKey, m *p2p.CheckpointRequest) (*p2p.CheckpointResponse, error) {
	n.mu.Lock()
	defer n.mu.Unlock()
	chunks, ok := n.chunks[m.Round]
	if !ok {
		root, found, err := n.Replica.KV.RootAt(mkvs.RootState, m.Round)
		if err != nil || !found {
			return nil, fmt.Errorf("%w: state of round %d: %v", ErrNotAvailable, m.Round, err)
		}
		chunks = [][]byte{}
		if err := n.Replica.KV.ExportCheckpoint(root, n.ChunkBytes, func(c []byte) error {
			chunks = append(chunks, append([]byte(nil), c...))
			return nil
		}); err != nil {
			return nil, fmt.Errorf("storage: checkpoint of round %d: %w", m.Round, err)
		}
		n.chunks = map[uint64][][]byte{m.Round: chunks}
	}
	if int(m.Index) >= len(chunks) {
		return nil, fmt.Errorf("%w: checkpoint of round %d has %d chunks, asked for %d", ErrNotAvailable, m.Round, len(chunks), m.Index)
	}
	chunk := chunks[m.Index]
	if n.currentFaultsLocked().ForgeCheckpoints {
		// The last byte is a leaf value's: the chunk still decodes.
		chunk = append([]byte(nil), chunk...)
		chunk[len(chunk)-1] ^= 1
	}
	return &p2p.CheckpointResponse{Chunk: chunk, Total: uint32(len(chunks))}, nil
}

// PeerFetcher fetches rounds from storage peers over P2P, trying each in
// turn until one's answer verifies. A peer that fails, or whose answer
// does not verify, is reported to OnFailure: a storage node that signed a
// receipt for a round it cannot (or will not truthfully) serve is the
// evidence a storage challenge needs. Nobody is reported when ctx ends.
type PeerFetcher struct {
	Runtime   registry.RuntimeID
	Client    *p2p.Client
	Peers     func() []p2p.Peer
	OnFailure func(peer p2p.Peer, round uint64, err error)
}

var _ CheckingFetcher = (*PeerFetcher)(nil)

// FetchDiff implements Fetcher: the first peer's decodable answer,
// unverified (FetchDiffUntil lets the caller verify each answer).
func (f *PeerFetcher) FetchDiff(ctx context.Context, h *roothash.Header) (stateLog, ioLog mkvs.WriteLog, err error) {
	err = f.FetchDiffUntil(ctx, h, func(sl, il mkvs.WriteLog) error {
		stateLog, ioLog = sl, il
		return nil
	})
	return stateLog, ioLog, err
}

// FetchDiffUntil implements CheckingFetcher.
func (f *PeerFetcher) FetchDiffUntil(ctx context.Context, h *roothash.Header, use func(stateLog, ioLog mkvs.WriteLog) error) error {
	var errs []error
	round := h.Round
	for _, p := range f.Peers() {
		d, err := f.Client.GetDiff(ctx, p, &p2p.DiffRequest{Runtime: f.Runtime, Round: round, StateRoot: h.StateRoot, IORoot: h.IORoot})
		if err == nil {
			var sl, il mkvs.WriteLog
			if err = errors.Join(sl.UnmarshalBinary(d.StateLog), il.UnmarshalBinary(d.IOLog)); err == nil {
				if err = use(sl, il); err == nil {
					return nil
				}
				if !errors.Is(err, ErrBadResults) {
					return err
				}
			}
		}
		if ctx.Err() != nil {
			// The peers did not fail: this fetch was called off.
			return fmt.Errorf("storage: fetching round %d: %w", round, ctx.Err())
		}
		err = fmt.Errorf("peer %s: %w", p.Addr, err)
		errs = append(errs, err)
		if f.OnFailure != nil {
			f.OnFailure(p, round, err)
		}
	}
	return fmt.Errorf("%w: round %d from %d peers: %w", ErrNotAvailable, round, len(errs), errors.Join(errs...))
}

// RestoreCheckpoint fills an empty replica with the state root of
// finalized header h from a peer's checkpoint, verifying every chunk
// against h.StateRoot and trying the peers in turn. A peer whose chunks do
// not verify is reported to f.OnFailure; one that does not serve the round
// is not (an honest peer may not have applied the newest round yet).
func RestoreCheckpoint(ctx context.Context, r *Replica, h *roothash.Header, f *PeerFetcher) error {
	var errs []error
	for _, p := range f.Peers() {
		err := restoreFrom(ctx, r, h, f, p)
		switch {
		case err == nil:
			return nil
		case ctx.Err() != nil:
			return fmt.Errorf("storage: restoring round %d: %w", h.Round, ctx.Err())
		case errors.Is(err, errLocal):
			return err
		case forgedCheckpoint(err) && f.OnFailure != nil:
			f.OnFailure(p, h.Round, err)
		}
		errs = append(errs, fmt.Errorf("peer %s: %w", p.Addr, err))
	}
	return fmt.Errorf("%w: checkpoint of round %d: %w", ErrNotAvailable, h.Round, errors.Join(errs...))
}

// errLocal marks a restore's failures that are this node's, not the
// peer's.
var errLocal = errors.New("storage: restoring locally")

// forgedCheckpoint reports whether a restore failed on what the peer sent
// (a chunk that does not verify, or chunks that do not add up to the
// root), not on the peer being unreachable or lacking the round.
func forgedCheckpoint(err error) bool {
	return errors.Is(err, mkvs.ErrChunkMismatch) || errors.Is(err, mkvs.ErrMalformedChunk) || errors.Is(err, mkvs.ErrRootMismatch)
}

func restoreFrom(ctx context.Context, r *Replica, h *roothash.Header, f *PeerFetcher, p p2p.Peer) error {
	root := r.stateRoot(h.Round, h.StateRoot)
	if mkvs.Hash(h.StateRoot) == mkvs.EmptyRoot {
		if err := r.KV.ApplyWriteLog(r.KV.EmptyRoot(mkvs.RootState, h.Round), nil, root); err != nil {
			return fmt.Errorf("%w: %w", errLocal, err)
		}
		return nil
	}
	rs, err := r.KV.NewRestorer(root)
	if err != nil {
		return fmt.Errorf("%w: %w", errLocal, err)
	}
	for i := uint32(0); ; i++ {
		c, err := f.Client.GetCheckpoint(ctx, p, &p2p.CheckpointRequest{Runtime: f.Runtime, Round: h.Round, Index: i})
		if err == nil {
			err = rs.AddChunk(c.Chunk)
		}
		if err != nil {
			rs.Abort()
			return err
		}
		if i+1 >= c.Total {
			break
		}
	}
	return rs.Finish()
}
