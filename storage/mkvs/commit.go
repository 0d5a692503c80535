package mkvs

import (
	"fmt"

	"github.com/cockroachdb/pebble"
)

// Commit writes the tree as the root of its type at version and returns
// that root and the write log from the base root: the net changes, sorted
// by key. The tree then continues from the new root.
//
// version must exceed the latest committed version of the tree's type, and
// the tree's base must be that latest root or an empty root (a tree that
// restarts from nothing, as the per-round IO tree does). Commit is atomic:
// on error nothing is written and the tree is unchanged.
func (t *Tree) Commit(version uint64) (Root, WriteLog, error) {
	if t.store == nil {
		return Root{}, nil, ErrNoStore
	}
	roots, logs, err := t.store.CommitTrees(version, t)
	if err != nil {
		return Root{}, nil, err
	}
	return roots[0], logs[0], nil
}

// CommitTrees commits several trees of the store, of different types, at
// the same version in one atomic, durable write: a round's state and IO
// trees are finalized together or not at all. Each tree obeys Commit's
// rules; results are in the order of trees.
func (s *Store) CommitTrees(version uint64, trees ...*Tree) ([]Root, []WriteLog, error) {
	return s.commitTrees(version, true, trees)
}

// CommitRoots is CommitTrees for a caller that does not want the write
// logs (it applied one, or verified the trees against one): it skips
// building them, a sort and a lookup per changed key.
func (s *Store) CommitRoots(version uint64, trees ...*Tree) ([]Root, error) {
	roots, _, err := s.commitTrees(version, false, trees)
	return roots, err
}

func (s *Store) commitTrees(version uint64, withLogs bool, trees []*Tree) ([]Root, []WriteLog, error) {
	var seen [3]bool
	for _, t := range trees {
		if t.store != s {
			return nil, nil, fmt.Errorf("%w: tree of another store", ErrNoStore)
		}
		if !t.base.Type.valid() || seen[t.base.Type] {
			return nil, nil, fmt.Errorf("%w: two %s trees in one commit", ErrBadVersion, t.base.Type)
		}
		seen[t.base.Type] = true
	}
	s.commitMu.Lock()
	defer s.commitMu.Unlock()
	s.mu.Lock()
	closed := s.closed
	s.mu.Unlock()
	if closed {
		return nil, nil, ErrClosed
	}

	b := s.db.NewBatchWithSize(s.batchSize)
	defer b.Close()
	pcs := make([]*pendingCommit, 0, len(trees))
	revert := func() {
		for _, pc := range pcs {
			pc.revert()
		}
	}
	for _, t := range trees {
		pc, err := t.prepareCommit(b, version, withLogs)
		if pc != nil {
			pcs = append(pcs, pc)
		}
		if err != nil {
			revert()
			return nil, nil, err
		}
	}
	opt := pebble.Sync
	if s.opts.NoSync {
		opt = pebble.NoSync
	}
	s.batchSize = min(b.Len()+b.Len()/8, maxBatchHint)
	if err := b.Commit(opt); err != nil {
		revert()
		return nil, nil, fmt.Errorf("mkvs: committing version %d: %w", version, wrapDBError(err))
	}
	roots := make([]Root, len(pcs))
	logs := make([]WriteLog, len(pcs))
	for i, pc := range pcs {
		pc.publish()
		roots[i], logs[i] = pc.root, pc.wl
	}
	s.pruner.notify()
	return roots, logs, nil
}

// maxBatchHint caps the batch size a commit starts with, so one huge
// commit (a restore, a genesis) does not make every later one allocate as
// much.
const maxBatchHint = 64 << 20

// pendingCommit is one tree's part of a batch that is not yet committed.
type pendingCommit struct {
	t       *Tree
	root    Root
	rootID  nodeID
	wl      WriteLog
	written []*node
	stale   []nodeID // nodes of the previous root that the new one drops
}

// revert takes back the node ids assigned while encoding: the tree must not
// point at nodes that were never written.
func (pc *pendingCommit) revert() {
	for _, n := range pc.written {
		n.id = nodeID{}
	}
}

// prepareCommit checks the rules of Commit and adds the tree's new nodes,
// stale-node index and root record to b. The caller holds commitMu. On
// error the returned pendingCommit (if any) must be reverted. The write
// log is built only withLogs.
func (t *Tree) prepareCommit(b *pebble.Batch, version uint64, withLogs bool) (*pendingCommit, error) {
	s := t.store
	typ := t.base.Type
	s.mu.Lock()
	var latest *Root
	if l := s.latest[typ]; l != nil {
		c := *l
		latest = &c
	}
	s.mu.Unlock()
	if latest != nil && version <= latest.Version {
		return nil, fmt.Errorf("%w: %s version %d is not after the latest %d", ErrBadVersion, typ, version, latest.Version)
	}
	if t.base.Hash != EmptyRoot && (latest == nil || *latest != t.base) {
		return nil, fmt.Errorf("%w: %s", ErrNotLatest, t.base)
	}

	hash := hashRef(&t.root)
	var wl WriteLog
	if withLogs {
		var err error
		if wl, err = t.pendingLog(); err != nil {
			return nil, err
		}
	}
	pc := &pendingCommit{t: t, root: Root{Namespace: s.opts.Namespace, Version: version, Type: typ, Hash: hash}, wl: wl}
	if t.root.n != nil && !t.root.id.persisted() {
		w := nodeWriter{b: b, base: nodeID{version: version, typ: typ}, buf: make([]byte, 0, 256)}
		err := w.persist(t.root.n)
		pc.written = w.out
		if err != nil {
			return pc, err
		}
		pc.rootID = t.root.n.id
	} else {
		pc.rootID = t.root.id
	}

	// Nodes of the previous root that are not in the new one become stale
	// at this version. A tree that restarted empty replaces all of them.
	stale := t.stale
	if t.base.Hash == EmptyRoot && latest != nil && latest.Hash != EmptyRoot {
		s.mu.Lock()
		w := s.whole[typ]
		s.mu.Unlock()
		if w.ok && w.root == latest.Version {
			// The per-round IO tree: its predecessor was written whole
			// by one commit, so its nodes are known without a walk.
			stale = make([]nodeID, w.nodes)
			for i := range stale {
				stale[i] = nodeID{version: w.written, typ: typ, seq: uint32(i)}
			}
		} else {
			all, err := s.reachable(*latest)
			if err != nil {
				return pc, fmt.Errorf("mkvs: listing nodes of %s: %w", latest, err)
			}
			stale = all
		}
	}
	runs := staleRuns(stale)
	for chunk := uint32(0); len(runs) > 0; chunk++ {
		n := min(len(runs), staleRunsPerChunk)
		if err := b.Set(staleListKey(typ, version, chunk), appendStaleRuns(make([]byte, 0, n*staleRunSize), runs[:n]), nil); err != nil {
			return pc, err
		}
		runs = runs[n:]
	}
	pc.stale = stale
	rec := make([]byte, 0, rootRecordSize)
	rec = append(rec, hash[:]...)
	rec = pc.rootID.append(rec)
	return pc, b.Set(rootKey(typ, version), rec, nil)
}

// publish makes a committed tree's new nodes immutable and shared, moves
// the tree to its new root and records the root as the latest.
func (pc *pendingCommit) publish() {
	t, s := pc.t, pc.t.store
	// Stale nodes make room first: only readers of older versions want
	// them, and the new nodes are what the next round reads.
	s.cache.drop(pc.stale)
	// Drop child pointers so that memory is bounded by the cache.
	for _, n := range pc.written {
		for i := range n.child {
			c := &n.child[i]
			if c.n != nil {
				*c = ref{id: c.n.id, hash: c.n.hash}
			}
		}
	}
	s.cache.putAll(pc.written)
	base := t.base
	t.root = ref{}
	if pc.rootID.persisted() {
		t.root = ref{id: pc.rootID, hash: pc.root.Hash}
	}
	t.base = pc.root
	t.ops = nil
	t.stale = nil
	root := pc.root
	s.mu.Lock()
	s.latest[root.Type] = &root
	prev := s.whole[root.Type]
	switch {
	case base.Hash == EmptyRoot:
		s.whole[root.Type] = wholeCommit{root: root.Version, written: root.Version, nodes: uint32(len(pc.written)), ok: true}
	case len(pc.written) == 0 && root.Hash == base.Hash && prev.ok && prev.root == base.Version:
		// Carried over unchanged (an empty round's IO tree).
		s.whole[root.Type] = wholeCommit{root: root.Version, written: prev.written, nodes: prev.nodes, ok: true}
	default:
		s.whole[root.Type] = wholeCommit{}
	}
	s.mu.Unlock()
	s.counters.commits.Add(1)
	s.counters.nodesWritten.Add(uint64(len(pc.written)))
}

// nodeWriter adds nodes to a batch, reusing one buffer for keys and values
// (Pebble copies them into the batch).
type nodeWriter struct {
	b    *pebble.Batch
	base nodeID
	seq  uint32
	buf  []byte
	out  []*node
}

// persist assigns ids in post-order to n and every unpersisted node below
// it and adds them to the batch. Hashes must be up to date.
func (w *nodeWriter) persist(n *node) error {
	if !n.leaf {
		for i := range n.child {
			c := &n.child[i]
			if c.n != nil && !c.id.persisted() && !c.n.id.persisted() {
				if err := w.persist(c.n); err != nil {
					return err
				}
			}
		}
	}
	id := w.base
	id.seq = w.seq
	w.seq++
	n.id = id
	w.out = append(w.out, n)
	buf := id.append(append(w.buf[:0], prefixNode))
	if n.leaf {
		buf = n.appendStored(buf)
	} else {
		buf = appendInternalStored(buf, n)
	}
	w.buf = buf
	return w.b.Set(buf[:1+nodeIDSize], buf[1+nodeIDSize:], nil)
}

// appendInternalStored encodes an internal node whose children may still be
// referenced by pointer (their ids were just assigned).
func appendInternalStored(b []byte, n *node) []byte {
	m := node{bit: n.bit, child: n.child}
	for i := range m.child {
		if c := m.child[i].n; c != nil && !m.child[i].id.persisted() {
			m.child[i] = ref{id: c.id, hash: c.hash}
		}
	}
	return m.appendStored(b)
}

// reachable lists the ids of every node of a committed root.
func (s *Store) reachable(root Root) ([]nodeID, error) {
	t, err := s.Tree(root)
	if err != nil {
		return nil, err
	}
	var out []nodeID
	var walk func(r *ref) error
	walk = func(r *ref) error {
		n, err := t.resolve(r)
		if err != nil || n == nil {
			return err
		}
		out = append(out, n.id)
		if !n.leaf {
			for i := range n.child {
				if err := walk(&n.child[i]); err != nil {
					return err
				}
			}
		}
		return nil
	}
	return out, walk(&t.root)
}

// ApplyWriteLog applies wl to the tree at prev and commits the result as
// claimed, which must be exactly the root that results; otherwise nothing
// is written and the error wraps ErrRootMismatch. Storage nodes use it to
// store a round's state from the executors' write log.
func (s *Store) ApplyWriteLog(prev Root, wl WriteLog, claimed Root) error {
	if claimed.Namespace != prev.Namespace || claimed.Type != prev.Type {
		return fmt.Errorf("%w: %s does not follow %s", ErrRootMismatch, claimed, prev)
	}
	t, err := s.Tree(prev)
	if err != nil {
		return err
	}
	if err := t.ApplyWriteLog(wl); err != nil {
		return err
	}
	if h := t.Hash(); h != claimed.Hash {
		return fmt.Errorf("%w: write log leads to %s, claimed %s", ErrRootMismatch, h, claimed.Hash)
	}
	_, _, err = s.commitTrees(claimed.Version, false, []*Tree{t})
	return err
}
