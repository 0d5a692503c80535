package replica

import (
	"bytes"
	"fmt"
	"maps"
	"slices"

	"github.com/atoll-dev/atoll/bridge/internal/wire"
	"github.com/atoll-dev/atoll/bridge/keccak"
)

// Store holds a Replica's root history and message records. The SVM wrapper
// implements it over one account per record; errors it returns abort the
// operation. Implementations must refuse to store a record for 0x0.
type Store interface {
	// RootEntry returns the history entry of root, if any.
	RootEntry(root keccak.Hash) (RootEntry, bool, error)
	// PutRootEntry records a new history entry under e.Root().
	PutRootEntry(e RootEntry) error
	// MessageRecord returns the record of leaf; an unknown leaf has status None.
	MessageRecord(leaf keccak.Hash) (MessageRecord, error)
	// PutMessageRecord sets the record of leaf.
	PutMessageRecord(leaf keccak.Hash, r MessageRecord) error
}

// MemStore is a Store in memory. The zero value is not usable; call
// NewMemStore. Not safe for concurrent use.
type MemStore struct {
	roots    map[keccak.Hash]RootEntry
	messages map[keccak.Hash]MessageRecord
}

// NewMemStore returns an empty store.
func NewMemStore() *MemStore {
	return &MemStore{roots: map[keccak.Hash]RootEntry{}, messages: map[keccak.Hash]MessageRecord{}}
}

// RootEntry implements Store.
func (s *MemStore) RootEntry(root keccak.Hash) (RootEntry, bool, error) {
	e, ok := s.roots[root]
	return e, ok, nil
}

// PutRootEntry implements Store.
func (s *MemStore) PutRootEntry(e RootEntry) error {
	if e.Root().IsZero() {
		return fmt.Errorf("%w: history entry for 0x0", ErrZeroRoot)
	}
	s.roots[e.Root()] = e
	return nil
}

// MessageRecord implements Store.
func (s *MemStore) MessageRecord(leaf keccak.Hash) (MessageRecord, error) {
	return s.messages[leaf], nil
}

// PutMessageRecord implements Store.
func (s *MemStore) PutMessageRecord(leaf keccak.Hash, r MessageRecord) error {
	if err := r.validate(); err != nil {
		return err
	}
	s.messages[leaf] = r
	return nil
}

// Roots returns the number of history entries.
func (s *MemStore) Roots() int { return len(s.roots) }

func sortedKeys[V any](m map[keccak.Hash]V) []keccak.Hash {
	return slices.SortedFunc(maps.Keys(m), func(a, b keccak.Hash) int { return bytes.Compare(a[:], b[:]) })
}

// MarshalBinary encodes the store canonically:
//
//	offset  size  field
//	     0     1  version (1)
//	     1     4  n, number of history entries
//	     5     …  n RootEntry encodings, roots ascending
//	     …     4  m, number of message records
//	     …  65×m  m × (leaf 32, MessageRecord 33), leaves ascending
func (s *MemStore) MarshalBinary() ([]byte, error) {
	b := []byte{storeVersion}
	b = appendU32(b, uint32(len(s.roots)))
	for _, root := range sortedKeys(s.roots) {
		e := s.roots[root]
		enc, err := e.MarshalBinary()
		if err != nil {
			return nil, err
		}
		b = append(b, enc...)
	}
	b = appendU32(b, uint32(len(s.messages)))
	for _, leaf := range sortedKeys(s.messages) {
		rec, err := s.messages[leaf].MarshalBinary()
		if err != nil {
			return nil, err
		}
		b = append(append(b, leaf[:]...), rec...)
	}
	return b, nil
}

// UnmarshalBinary decodes MarshalBinary's form, rejecting unsorted or
// duplicate keys, records for 0x0 and trailing bytes. On error s is unchanged.
func (s *MemStore) UnmarshalBinary(b []byte) error {
	r := wire.NewReader(b, ErrEncoding)
	if v := r.Byte(); v != storeVersion {
		r.Fail("store version %d", v)
	}
	out := NewMemStore()
	n := r.Count(8 + 69 + 65)
	var prev keccak.Hash
	for i := 0; i < n && r.Err() == nil; i++ {
		var e RootEntry
		used, err := e.decode(r)
		if err != nil {
			return err
		}
		r.Skip(used)
		root := e.Root()
		if i > 0 && bytes.Compare(prev[:], root[:]) >= 0 {
			r.Fail("history not strictly ascending")
		}
		out.roots[root] = e
		prev = root
	}
	m := r.Count(keccak.Size + MessageRecordSize)
	for i := 0; i < m && r.Err() == nil; i++ {
		var leaf keccak.Hash
		copy(leaf[:], r.Bytes(keccak.Size))
		var rec MessageRecord
		if err := rec.UnmarshalBinary(r.Bytes(MessageRecordSize)); err != nil && r.Err() == nil {
			return err
		}
		if i > 0 && bytes.Compare(prev[:], leaf[:]) >= 0 {
			r.Fail("message records not strictly ascending")
		}
		out.messages[leaf] = rec
		prev = leaf
	}
	if err := r.Finish(); err != nil {
		return err
	}
	*s = *out
	return nil
}

const storeVersion = 1
