package mkvs

import (
	"fmt"
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
// needed to prove them against the root. The empty tree has no chunks.
func (s *Store) ExportCheckpoint(root Root, maxBytes int) ([][]byte, error) {
	if maxBytes <= 0 {
		maxBytes = DefaultChunkBytes
	}
	t, err := s.Tree(root)
	if err != nil {
		return nil, err
	}
	var chunks [][]byte
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
		chunks = append(chunks, p)
		keys, size = keys[:0:0], 0
		return nil
	}
	it := t.NewIterator(nil, nil)
	for it.First(); it.Valid(); it.Next() {
		keys = append(keys, it.Key())
		size += len(it.Key()) + len(it.Value())
		if size >= maxBytes {
			if err := flush(); err != nil {
				return nil, err
			}
		}
	}
	if err := it.Err(); err != nil {
		return nil, err
	}
	if err := flush(); err != nil {
		return nil, err
	}
	return chunks, nil
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
// tree of that type yet. Chunks may come in any order; each is verified on
// arrival. Finish verifies the whole and commits it.
type Restorer struct {
	s    *Store
	root Root
	tree *Tree
}

// NewRestorer starts restoring root into s.
func (s *Store) NewRestorer(root Root) (*Restorer, error) {
	if root.Namespace != s.opts.Namespace {
		return nil, fmt.Errorf("%w: root %s", ErrNamespace, root)
	}
	if _, ok := s.LatestRoot(root.Type); ok {
		return nil, fmt.Errorf("%w: store already holds %s roots", ErrBadVersion, root.Type)
	}
	t, err := s.Tree(s.EmptyRoot(root.Type, 0))
	if err != nil {
		return nil, err
	}
	return &Restorer{s: s, root: root, tree: t}, nil
}

// AddChunk verifies one chunk against the root and adds its pairs.
func (r *Restorer) AddChunk(chunk []byte) error {
	pairs, err := VerifyChunk(r.root.Hash, chunk)
	if err != nil {
		return err
	}
	for _, p := range pairs {
		if err := r.tree.Insert(p.Key, p.Value); err != nil {
			return err
		}
	}
	return nil
}

// Finish checks that the chunks rebuilt exactly the root and commits it.
// On a mismatch (a chunk is missing) nothing is written.
func (r *Restorer) Finish() error {
	if h := r.tree.Hash(); h != r.root.Hash {
		return fmt.Errorf("%w: restored tree hashes to %s, want %s (chunks missing?)", ErrRootMismatch, h, r.root.Hash)
	}
	got, _, err := r.tree.Commit(r.root.Version)
	if err != nil {
		return err
	}
	if got != r.root {
		return fmt.Errorf("%w: committed %s, want %s", ErrRootMismatch, got, r.root)
	}
	return nil
}
