package state

import (
	"bytes"
	"crypto/sha512"
	"encoding/binary"
	"errors"
	"fmt"
	"os"
	"path/filepath"

	"github.com/cockroachdb/pebble"
)

// Sentinel errors.
var (
	ErrCorrupt     = errors.New("state: data directory is corrupt")
	ErrWrongHeight = errors.New("state: block height out of sequence")
)

// HashSize is the size of an app hash.
const HashSize = sha512.Size256

// Keys of the store itself live under a prefix no service uses.
var (
	statePrefix = []byte("s/")
	metaKey     = []byte("m/last")
)

const appHashContext = "atoll/consensus/apphash/v1"

// Store is the persistent consensus state on Pebble. It holds exactly one
// committed version (the last block's); Block gives a writable view for the
// next block. Not safe for concurrent use: the application serialises calls.
type Store struct {
	db          *pebble.DB
	initialized bool // a version (genesis or a block) has been committed
	height      int64
	appHash     []byte
}

// Open opens or creates the store in dir.
func Open(dir string) (*Store, error) {
	if err := os.MkdirAll(dir, 0o700); err != nil {
		return nil, fmt.Errorf("state: creating %s: %w", dir, err)
	}
	db, err := pebble.Open(dir, &pebble.Options{Logger: quietLogger{}})
	if err != nil {
		return nil, fmt.Errorf("%w: %s: %v", ErrCorrupt, filepath.Clean(dir), err)
	}
	s := &Store{db: db}
	meta, closer, err := db.Get(metaKey)
	switch {
	case errors.Is(err, pebble.ErrNotFound):
		s.appHash = []byte{}
	case err != nil:
		db.Close()
		return nil, fmt.Errorf("%w: reading metadata: %v", ErrCorrupt, err)
	default:
		if len(meta) != 8+HashSize {
			closer.Close()
			db.Close()
			return nil, fmt.Errorf("%w: metadata has %d bytes, want %d", ErrCorrupt, len(meta), 8+HashSize)
		}
		s.initialized = true
		s.height = int64(binary.BigEndian.Uint64(meta))
		s.appHash = bytes.Clone(meta[8:])
		closer.Close()
	}
	return s, nil
}

// Close closes the database.
func (s *Store) Close() error { return s.db.Close() }

// Initialized reports whether any version (genesis included) was committed.
func (s *Store) Initialized() bool { return s.initialized }

// Height returns the last committed height (0 before the first block).
func (s *Store) Height() int64 { return s.height }

// AppHash returns the last committed app hash (empty before the first block).
func (s *Store) AppHash() []byte { return bytes.Clone(s.appHash) }

// Committed returns a read-only view of the last committed state; writes
// through it panic. Valid until the next Commit.
func (s *Store) Committed() KV { return committedView{s.db} }

// Block is the writable state of one block in progress.
type Block struct {
	*Overlay
	height int64
}

// Begin starts block height on top of the committed state. The first
// version of an empty store (the genesis state) may have any height; every
// later one must follow the last.
func (s *Store) Begin(height int64) (*Block, error) {
	if s.initialized && height != s.height+1 {
		return nil, fmt.Errorf("%w: committed %d, beginning %d", ErrWrongHeight, s.height, height)
	}
	return &Block{Overlay: NewOverlay(committedView{s.db}), height: height}, nil
}

// Hash returns the app hash the block will have once committed.
func (s *Store) Hash(b *Block) []byte {
	return chainHash(s.appHash, b.height, b.Overlay)
}

func chainHash(prev []byte, height int64, writes *Overlay) []byte {
	h := sha512.New512_256()
	h.Write([]byte(appHashContext))
	h.Write(prev)
	var hb [8]byte
	binary.BigEndian.PutUint64(hb[:], uint64(height))
	h.Write(hb[:])
	writes.writeSet(h)
	return h.Sum(nil)
}

// Commit durably writes the block and makes it the committed version.
func (s *Store) Commit(b *Block) ([]byte, error) {
	if s.initialized && b.height != s.height+1 {
		return nil, fmt.Errorf("%w: committed %d, committing %d", ErrWrongHeight, s.height, b.height)
	}
	hash := s.Hash(b)
	batch := s.db.NewBatch()
	defer batch.Close()
	for _, k := range b.sortedKeys(nil) {
		key := append(bytes.Clone(statePrefix), k...)
		var err error
		if w := b.writes[k]; w == nil {
			err = batch.Delete(key, nil)
		} else {
			err = batch.Set(key, *w, nil)
		}
		if err != nil {
			return nil, fmt.Errorf("state: staging write: %w", err)
		}
	}
	meta := make([]byte, 8, 8+HashSize)
	binary.BigEndian.PutUint64(meta, uint64(b.height))
	meta = append(meta, hash...)
	if err := batch.Set(metaKey, meta, nil); err != nil {
		return nil, fmt.Errorf("state: staging metadata: %w", err)
	}
	if err := batch.Commit(pebble.Sync); err != nil {
		return nil, fmt.Errorf("state: committing block %d: %w", b.height, err)
	}
	s.initialized, s.height, s.appHash = true, b.height, hash
	return bytes.Clone(hash), nil
}

type committedView struct{ db *pebble.DB }

func (v committedView) Get(key []byte) []byte {
	val, closer, err := v.db.Get(append(bytes.Clone(statePrefix), key...))
	if errors.Is(err, pebble.ErrNotFound) {
		return nil
	}
	if err != nil {
		panic(&FatalError{err})
	}
	out := bytes.Clone(val)
	closer.Close()
	return out
}

func (committedView) Set([]byte, []byte) { panic("state: write to committed view") }
func (committedView) Delete([]byte)      { panic("state: write to committed view") }

func (v committedView) Iterate(prefix []byte, fn func(key, value []byte) bool) {
	lower := append(bytes.Clone(statePrefix), prefix...)
	it, err := v.db.NewIter(&pebble.IterOptions{LowerBound: lower, UpperBound: prefixEnd(lower)})
	if err != nil {
		panic(&FatalError{err})
	}
	defer it.Close()
	for ok := it.First(); ok; ok = it.Next() {
		if !fn(bytes.Clone(it.Key()[len(statePrefix):]), bytes.Clone(it.Value())) {
			break
		}
	}
	if err := it.Error(); err != nil {
		panic(&FatalError{err})
	}
}

// prefixEnd returns the smallest key greater than every key with prefix p.
func prefixEnd(p []byte) []byte {
	end := bytes.Clone(p)
	for i := len(end) - 1; i >= 0; i-- {
		if end[i] < 0xff {
			end[i]++
			return end[:i+1]
		}
	}
	return nil
}

type quietLogger struct{}

func (quietLogger) Infof(string, ...interface{})  {}
func (quietLogger) Errorf(string, ...interface{}) {}
func (quietLogger) Fatalf(format string, args ...interface{}) {
	panic(&FatalError{fmt.Errorf(format, args...)})
}
