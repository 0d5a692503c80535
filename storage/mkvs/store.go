package mkvs

import (
	"encoding/binary"
	"errors"
	"fmt"
	"sync"

	"github.com/cockroachdb/pebble"
	"github.com/cockroachdb/pebble/vfs"
)

// DefaultCacheBytes is the node cache budget when Options.CacheBytes is 0.
const DefaultCacheBytes = 64 << 20

// storeFormat is the first byte of the metadata record:
//
//	format u8 = 1 | namespace (32)
const storeFormat = 1

// Options configure a Store.
type Options struct {
	// Namespace is the runtime whose trees the store holds. A store
	// remembers it at creation and refuses to open under another.
	Namespace Namespace
	// AdoptNamespace opens an existing store under whatever namespace it
	// holds, for inspection tools. Namespace is then ignored, and a store
	// that does not exist yet is an error.
	AdoptNamespace bool
	// KeepVersions is how many of the latest versions stay readable; older
	// ones are pruned in the background. 0 keeps every version.
	KeepVersions uint64
	// CacheBytes bounds the node cache (DefaultCacheBytes when 0).
	CacheBytes int64
	// NoSync commits without waiting for the write-ahead log to reach the
	// disk: a crash may lose the latest commits but never corrupts the store.
	NoSync bool
	// CompactAfter is how many pruned nodes trigger a compaction of the
	// pruned key range, which is what returns their disk space (100,000
	// when 0).
	CompactAfter int
	// FS replaces the disk, for tests (nil means the operating system's).
	FS vfs.FS
	// Logger receives Pebble's messages (nil means Pebble's default).
	Logger pebble.Logger
}

// Store is a versioned, persistent collection of trees of one namespace.
// It is safe for concurrent use.
type Store struct {
	db    *pebble.DB
	opts  Options
	cache *nodeCache

	commitMu sync.Mutex // serialises commits
	// batchSize is the size of the last commit's batch, under commitMu:
	// the next one starts that big, rather than doubling its way there
	// and copying itself each time (rounds are alike).
	batchSize int

	mu       sync.Mutex // guards the fields below
	latest   [3]*Root   // per type, nil before the first commit
	earliest [3]uint64  // per type, versions below are pruned
	closed   bool
	// whole, per type, describes the latest root when this process
	// committed it from an empty base (or carried such a root over
	// unchanged): then its nodes are exactly those that commit wrote, ids
	// (written, type, 0..nodes-1), and replacing the tree needs no walk to
	// list them.
	whole [3]wholeCommit

	pruner   pruner
	counters counters
}

// Pebble settings for a store that commits a busy round (tens of
// thousands of nodes, about 10 MB) a few times a second. Pebble turns a
// batch bigger than half the memtable, by an estimate that charges every
// key a full skiplist node, into a memtable of its own: sorted and
// flushed at once, one level-0 table per round; a busy round's commit
// came near or over that line at 32 MB. With 64 MB a commit goes through
// the memtable and a flush carries several rounds. Node keys only
// grow, so level 0 tables barely overlap what lies below, and compacting
// them in groups of 8 instead of 4 rewrites the overlapping tails (root and
// stale records) half as often. BenchmarkStore_Round measures both.
const (
	memTableSize          = 64 << 20
	l0CompactionThreshold = 8
)

// Open opens (or creates) the store in dir.
func Open(dir string, opts Options) (*Store, error) {
	if opts.CacheBytes == 0 {
		opts.CacheBytes = DefaultCacheBytes
	}
	if opts.CompactAfter == 0 {
		opts.CompactAfter = 100_000
	}
	popts := &pebble.Options{FS: opts.FS, Logger: opts.Logger, MemTableSize: memTableSize,
		L0CompactionThreshold: l0CompactionThreshold, L0StopWritesThreshold: 4 * l0CompactionThreshold}
	popts.ErrorIfNotExists = opts.AdoptNamespace
	popts.EnsureDefaults()
	for i := range popts.Levels {
		// Node records are mostly hashes, which do not compress.
		popts.Levels[i].Compression = pebble.NoCompression
	}
	db, err := pebble.Open(dir, popts)
	if err != nil {
		return nil, fmt.Errorf("mkvs: opening %s: %w", dir, wrapDBError(err))
	}
	s := &Store{db: db, opts: opts, cache: newNodeCache(opts.CacheBytes)}
	if err := s.load(); err != nil {
		_ = db.Close()
		return nil, err
	}
	s.pruner.start(s)
	return s, nil
}

// wrapDBError marks Pebble's corruption errors as ErrCorrupt.
func wrapDBError(err error) error {
	if err != nil && pebble.IsCorruptionError(err) && !errors.Is(err, ErrCorrupt) {
		return fmt.Errorf("%w: %w", ErrCorrupt, err)
	}
	return err
}

func (s *Store) get(key []byte) ([]byte, bool, error) {
	v, closer, err := s.db.Get(key)
	if errors.Is(err, pebble.ErrNotFound) {
		return nil, false, nil
	}
	if err != nil {
		return nil, false, wrapDBError(err)
	}
	out := append([]byte(nil), v...)
	closer.Close()
	return out, true, nil
}

// load reads the metadata, the latest root and the earliest retained version
// of each type.
func (s *Store) load() error {
	meta, ok, err := s.get(metaKey())
	if err != nil {
		return fmt.Errorf("mkvs: reading metadata: %w", err)
	}
	if !ok && s.opts.AdoptNamespace {
		return fmt.Errorf("%w: no store to inspect", ErrRootNotFound)
	}
	if !ok {
		m := append([]byte{storeFormat}, s.opts.Namespace[:]...)
		if err := s.db.Set(metaKey(), m, pebble.Sync); err != nil {
			return fmt.Errorf("mkvs: writing metadata: %w", err)
		}
	} else {
		if len(meta) != 1+NamespaceSize || meta[0] != storeFormat {
			return fmt.Errorf("%w: metadata record of %d bytes is not format %d", ErrCorrupt, len(meta), storeFormat)
		}
		if s.opts.AdoptNamespace {
			s.opts.Namespace = Namespace(meta[1:])
		}
		if Namespace(meta[1:]) != s.opts.Namespace {
			return fmt.Errorf("%w: store holds %x, opened as %x", ErrNamespace, meta[1:], s.opts.Namespace[:])
		}
	}
	for _, t := range []RootType{RootState, RootIO} {
		e, ok, err := s.get(earliestKey(t))
		if err != nil {
			return fmt.Errorf("mkvs: reading earliest %s version: %w", t, err)
		}
		if ok {
			if len(e) != 8 {
				return fmt.Errorf("%w: earliest %s version record of %d bytes", ErrCorrupt, t, len(e))
			}
			s.earliest[t] = binary.BigEndian.Uint64(e)
		}
		it, err := s.db.NewIter(&pebble.IterOptions{LowerBound: rootKey(t, 0), UpperBound: []byte{prefixRoot, byte(t) + 1}})
		if err != nil {
			return wrapDBError(err)
		}
		if it.Last() {
			r, _, err := s.decodeRoot(t, it.Key(), it.Value())
			if err != nil {
				it.Close()
				return err
			}
			s.latest[t] = &r
		}
		if err := it.Close(); err != nil {
			return fmt.Errorf("mkvs: reading %s roots: %w", t, wrapDBError(err))
		}
	}
	return nil
}

func (s *Store) decodeRoot(t RootType, key, val []byte) (Root, nodeID, error) {
	if len(key) != 10 || len(val) != rootRecordSize {
		return Root{}, nodeID{}, fmt.Errorf("%w: root record of %d bytes", ErrCorrupt, len(val))
	}
	r := Root{Namespace: s.opts.Namespace, Type: t, Version: binary.BigEndian.Uint64(key[2:])}
	copy(r.Hash[:], val)
	id := decodeNodeID(val[HashSize:])
	if (id.persisted()) == (r.Hash == EmptyRoot) {
		return Root{}, nodeID{}, fmt.Errorf("%w: root record %s: node id %v", ErrCorrupt, r, id)
	}
	return r, id, nil
}

// Close stops background pruning and closes the database. Trees opened
// from the store must not be used afterwards.
func (s *Store) Close() error {
	s.mu.Lock()
	if s.closed {
		s.mu.Unlock()
		return ErrClosed
	}
	s.closed = true
	s.mu.Unlock()
	s.pruner.stop()
	return wrapDBError(s.db.Close())
}

// Namespace returns the runtime the store belongs to.
func (s *Store) Namespace() Namespace { return s.opts.Namespace }

// LatestRoot returns the most recently committed root of type t, or
// ok=false if none was committed.
func (s *Store) LatestRoot(t RootType) (Root, bool) {
	s.mu.Lock()
	defer s.mu.Unlock()
	if !t.valid() || s.latest[t] == nil {
		return Root{}, false
	}
	return *s.latest[t], true
}

// EarliestVersion returns the oldest version of type t that has not been
// pruned.
func (s *Store) EarliestVersion(t RootType) uint64 {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.earliest[t]
}

// EmptyRoot returns the root of the empty tree of type t at version.
func (s *Store) EmptyRoot(t RootType, version uint64) Root {
	return Root{Namespace: s.opts.Namespace, Version: version, Type: t, Hash: EmptyRoot}
}

// Tree opens a working tree at root, which must be the empty root or a
// committed root that has not been pruned.
func (s *Store) Tree(root Root) (*Tree, error) {
	id, err := s.lookupRoot(root)
	if err != nil {
		return nil, err
	}
	t := &Tree{store: s, base: root}
	if id.persisted() {
		t.root = ref{id: id, hash: root.Hash}
	}
	return t, nil
}

// lookupRoot checks that root can be opened and returns its node id.
func (s *Store) lookupRoot(root Root) (nodeID, error) {
	if root.Namespace != s.opts.Namespace {
		return nodeID{}, fmt.Errorf("%w: root %s", ErrNamespace, root)
	}
	if !root.Type.valid() {
		return nodeID{}, fmt.Errorf("%w: %s", ErrRootNotFound, root)
	}
	if root.Hash == EmptyRoot {
		return nodeID{}, nil
	}
	s.mu.Lock()
	closed, earliest := s.closed, s.earliest[root.Type]
	s.mu.Unlock()
	if closed {
		return nodeID{}, ErrClosed
	}
	if root.Version < earliest {
		return nodeID{}, fmt.Errorf("%w: %s (earliest retained version is %d)", ErrVersionPruned, root, earliest)
	}
	val, ok, err := s.get(rootKey(root.Type, root.Version))
	if err != nil {
		return nodeID{}, fmt.Errorf("mkvs: reading root %s: %w", root, err)
	}
	if !ok {
		// Pruning may have removed it since earliest was read above.
		if e := s.EarliestVersion(root.Type); root.Version < e {
			return nodeID{}, fmt.Errorf("%w: %s (earliest retained version is %d)", ErrVersionPruned, root, e)
		}
		return nodeID{}, fmt.Errorf("%w: %s", ErrRootNotFound, root)
	}
	r, id, err := s.decodeRoot(root.Type, rootKey(root.Type, root.Version), val)
	if err != nil {
		return nodeID{}, err
	}
	if r.Hash != root.Hash {
		return nodeID{}, fmt.Errorf("%w: %s (version %d has %s)", ErrRootNotFound, root, root.Version, r.Hash)
	}
	return id, nil
}

// loadNode returns the persisted node id, which must hash to want.
func (s *Store) loadNode(id nodeID, want *Hash) (*node, error) {
	if n := s.cache.get(id); n != nil {
		return n, nil
	}
	v, closer, err := s.db.Get(nodeKey(id))
	if errors.Is(err, pebble.ErrNotFound) {
		return nil, fmt.Errorf("%w: %v (its version may have been pruned)", ErrNodeMissing, id)
	}
	if err != nil {
		return nil, fmt.Errorf("mkvs: reading node %v: %w", id, wrapDBError(err))
	}
	n, err := decodeStoredNode(v, id, want)
	closer.Close()
	if err != nil {
		return nil, err
	}
	s.counters.nodeReads.Add(1)
	s.cache.put(n)
	return n, nil
}

// RootAt returns the committed root of type t at version, found=false if
// there is none, or an error wrapping ErrVersionPruned if it was pruned.
func (s *Store) RootAt(t RootType, version uint64) (root Root, found bool, err error) {
	if !t.valid() {
		return Root{}, false, fmt.Errorf("%w: type %d", ErrRootNotFound, t)
	}
	if e := s.EarliestVersion(t); version < e {
		return Root{}, false, fmt.Errorf("%w: %s version %d (earliest retained version is %d)", ErrVersionPruned, t, version, e)
	}
	val, ok, err := s.get(rootKey(t, version))
	if err != nil || !ok {
		return Root{}, false, err
	}
	r, _, err := s.decodeRoot(t, rootKey(t, version), val)
	if err != nil {
		return Root{}, false, err
	}
	return r, true, nil
}

// wholeCommit is a committed root (of version root) whose tree consists
// of exactly the nodes one commit (of version written) wrote.
type wholeCommit struct {
	root, written uint64
	nodes         uint32
	ok            bool
}
