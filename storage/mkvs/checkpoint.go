package mkvs

import (
	"fmt"

	"github.com/cockroachdb/pebble"
)

// chunkFormat is the first byte of an encoded checkpoint chunk. A chunk is
// the pruned tree of a proof whose every expanded leaf carries its value:
//
//	format u8 = 0x81 | node (as in ProofNode; digests and the empty tree are not allowed)
//
// so each chunk proves its key/value pairs against the root on its own.
const chunkFormat = 0x81

// DefaultChunkBytes is the target size of a checkpoint chunk.
const DefaultChunkBytes = 4 << 20

// ExportCheckpoint cuts the tree at root into chunks of contiguous keys, each
// about maxBytes of keys and values (DefaultChunkBytes if 0) plus the hashes
// needed to prove them against the root, and hands them to emit in key
// order, one at a time, so a large state is never held in memory whole.
// The empty tree has no chunks. An error from emit stops the export.
func (s *Store) ExportCheckpoint(root Root, maxBytes int, emit func(chunk []byte) error) error {
	if maxBytes <= 0 {
		maxBytes = DefaultChunkBytes
	}
	t, err := s.Tree(root)
	if err != nil {
		return err
	}
	var keys [][]byte
	size := 0
	flush := func() error {
		if len(keys) == 0 {
			return nil
		}
		p, err := t.Prove(keys...)
		if err != nil {
			return err
		}
		p[0] = chunkFormat
		keys, size = keys[:0], 0
		return emit(p)
	}
	it := t.NewIterator(nil, nil)
	for it.First(); it.Valid(); it.Next() {
		keys = append(keys, it.Key())
		size += len(it.Key()) + len(it.Value())
		if size >= maxBytes {
			if err := flush(); err != nil {
				return err
			}
		}
	}
	if err := it.Err(); err != nil {
		return err
	}
	return flush()
}

// VerifyChunk decodes a checkpoint chunk and checks it against the trusted
// root hash, returning its key/value pairs in key order. The pairs alias
// nothing of chunk.
func VerifyChunk(root Hash, chunk []byte) (WriteLog, error) {
	if len(chunk) == 0 || chunk[0] != chunkFormat {
		return nil, fmt.Errorf("%w: missing or unknown format byte", ErrMalformedChunk)
	}
	d := proofDecoder{b: chunk, off: 1, maxDepth: DefaultMaxProofDepth}
	n, err := d.node(0, 0)
	if err != nil {
		return nil, fmt.Errorf("%w: %w", ErrMalformedChunk, err)
	}
	if d.off != len(chunk) {
		return nil, fmt.Errorf("%w: %d trailing bytes", ErrMalformedChunk, len(chunk)-d.off)
	}
	var pairs WriteLog
	var walk func(n *ProofNode) error
	walk = func(n *ProofNode) error {
		switch n.Kind {
		case ProofInternal:
			if err := walk(n.Left); err != nil {
				return err
			}
			return walk(n.Right)
		case ProofLeaf:
			pairs = append(pairs, LogEntry{Key: n.Key, Value: n.Value})
		case ProofLeafDigest:
			return fmt.Errorf("%w: leaf %q without its value", ErrMalformedChunk, n.Key)
		}
		return nil
	}
	if err := walk(n); err != nil {
		return nil, err
	}
	if len(pairs) == 0 {
		return nil, fmt.Errorf("%w: no leaves", ErrMalformedChunk)
	}
	if h := n.hash(); h != root {
		return nil, fmt.Errorf("%w: chunk hashes to %s, root is %s", ErrChunkMismatch, h, root)
	}
	// In-order traversal of a valid trie is sorted; check it all the same,
	// as restoring relies on it.
	if err := pairs.check(); err != nil {
		return nil, fmt.Errorf("%w: %w", ErrMalformedChunk, err)
	}
	return pairs, nil
}

// Restorer rebuilds a root from checkpoint chunks in a store that holds no
// tree of that type yet. Each chunk is verified against the root on
// arrival; chunks must come in the order ExportCheckpoint produced them
// (ascending keys), which lets the restorer build the trie bottom-up and
// write every finished subtree to disk at once: memory stays proportional
// to the depth of the tree, not its size. Finish verifies the whole and
// publishes the root; until then nothing is visible, and Abort (or a
// failed Finish) deletes what was written.
type Restorer struct {
	s    *Store
	root Root

	b       *pebble.Batch
	seq     uint32
	spine   []spineNode // open internal nodes, crit bits increasing
	last    *node       // the latest leaf, not yet finished
	done    bool
	written bool
}

// spineNode is an internal node whose left subtree is finished and whose
// right subtree is still growing.
type spineNode struct {
	bit  uint32
	left ref
}

// restoreBatchBytes is how much a Restorer buffers before writing (a
// variable so tests can force many small batches).
var restoreBatchBytes = 4 << 20

// NewRestorer starts restoring root into s.
func (s *Store) NewRestorer(root Root) (*Restorer, error) {
	if root.Namespace != s.opts.Namespace {
		return nil, fmt.Errorf("%w: root %s", ErrNamespace, root)
	}
	if !root.Type.valid() {
		return nil, fmt.Errorf("%w: %s", ErrRootNotFound, root)
	}
	if _, ok := s.LatestRoot(root.Type); ok {
		return nil, fmt.Errorf("%w: store already holds %s roots", ErrBadVersion, root.Type)
	}
	return &Restorer{s: s, root: root, b: s.db.NewBatch()}, nil
}

// AddChunk verifies one chunk against the root and adds its pairs.
func (r *Restorer) AddChunk(chunk []byte) error {
	if r.done {
		return fmt.Errorf("mkvs: restorer already finished")
	}
	pairs, err := VerifyChunk(r.root.Hash, chunk)
	if err != nil {
		return err
	}
	for _, p := range pairs {
		if err := r.add(p.Key, p.Value); err != nil {
			return err
		}
	}
	return nil
}

// add appends the next pair; keys must strictly increase.
func (r *Restorer) add(key, value []byte) error {
	leaf := &node{leaf: true, key: key, value: value}
	if r.last == nil {
		r.last = leaf
		return nil
	}
	c, equal := critBit(r.last.key, key)
	if equal || bitAt(key, c) == 0 {
		return fmt.Errorf("%w: key %x does not follow %x (chunks out of order?)", ErrMalformedChunk, key, r.last.key)
	}
	// Everything right of crit bit c is finished: the latest leaf and the
	// open nodes testing bits beyond c.
	cur, err := r.finish(r.last)
	if err != nil {
		return err
	}
	for len(r.spine) > 0 && r.spine[len(r.spine)-1].bit > c {
		top := r.spine[len(r.spine)-1]
		r.spine = r.spine[:len(r.spine)-1]
		if cur, err = r.finish(&node{bit: top.bit, child: [2]ref{top.left, cur}}); err != nil {
			return err
		}
	}
	r.spine = append(r.spine, spineNode{bit: c, left: cur})
	r.last = leaf
	return nil
}

// finish hashes a node whose children are finished, writes it and returns
// the ref a parent keeps.
func (r *Restorer) finish(n *node) (ref, error) {
	if n.leaf {
		n.hash = leafHash(n.key, n.value)
	} else {
		n.hash = internalHash(n.bit, &n.child[0].hash, &n.child[1].hash)
	}
	id := nodeID{version: r.root.Version, typ: r.root.Type, seq: r.seq}
	r.seq++
	if err := r.b.Set(nodeKey(id), n.appendStored(nil), nil); err != nil {
		return ref{}, err
	}
	if r.b.Len() >= restoreBatchBytes {
		if err := r.b.Commit(pebble.NoSync); err != nil {
			return ref{}, fmt.Errorf("mkvs: restoring %s: %w", r.root, wrapDBError(err))
		}
		r.written = true
		r.b.Close()
		r.b = r.s.db.NewBatch()
	}
	return ref{hash: n.hash, id: id}, nil
}

// Finish checks that the chunks rebuilt exactly the root and publishes it.
// On a mismatch (a chunk is missing) it deletes what was written and
// returns an error wrapping ErrRootMismatch.
func (r *Restorer) Finish() error {
	if r.done {
		return fmt.Errorf("mkvs: restorer already finished")
	}
	r.done = true
	var top ref
	if r.last != nil {
		cur, err := r.finish(r.last)
		if err != nil {
			r.abort()
			return err
		}
		for i := len(r.spine) - 1; i >= 0; i-- {
			if cur, err = r.finish(&node{bit: r.spine[i].bit, child: [2]ref{r.spine[i].left, cur}}); err != nil {
				r.abort()
				return err
			}
		}
		top = cur
	}
	h := EmptyRoot
	if top.id.persisted() {
		h = top.hash
	}
	if h != r.root.Hash {
		r.abort()
		return fmt.Errorf("%w: restored tree hashes to %s, want %s (chunks missing?)", ErrRootMismatch, h, r.root.Hash)
	}
	s := r.s
	s.commitMu.Lock()
	defer s.commitMu.Unlock()
	if _, ok := s.LatestRoot(r.root.Type); ok {
		r.abort()
		return fmt.Errorf("%w: a %s root was committed during the restore", ErrBadVersion, r.root.Type)
	}
	rec := append(append(make([]byte, 0, rootRecordSize), h[:]...), top.id.append(nil)...)
	if err := r.b.Set(rootKey(r.root.Type, r.root.Version), rec, nil); err != nil {
		r.abort()
		return err
	}
	if err := r.b.Commit(pebble.Sync); err != nil {
		r.abort()
		return fmt.Errorf("mkvs: restoring %s: %w", r.root, wrapDBError(err))
	}
	r.b.Close()
	r.b = nil
	root := r.root
	s.mu.Lock()
	s.latest[root.Type] = &root
	s.whole[root.Type] = wholeCommit{}
	s.mu.Unlock()
	s.counters.commits.Add(1)
	s.counters.nodesWritten.Add(uint64(r.seq))
	return nil
}

// Abort discards the restore and deletes every node it wrote.
func (r *Restorer) Abort() error {
	if r.done && r.b == nil {
		return nil
	}
	r.done = true
	return r.abort()
}

func (r *Restorer) abort() error {
	if r.b != nil {
		r.b.Close()
		r.b = nil
	}
	if !r.written {
		return nil
	}
	lo := nodeKey(nodeID{version: r.root.Version, typ: r.root.Type})
	hi := nodeKey(nodeID{version: r.root.Version, typ: r.root.Type + 1})
	if err := r.s.db.DeleteRange(lo, hi, pebble.Sync); err != nil {
		return fmt.Errorf("mkvs: discarding restore of %s: %w", r.root, wrapDBError(err))
	}
	return nil
}
