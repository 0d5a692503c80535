package state

import (
	"bytes"
	"sort"
)

// KV is the view of consensus state that service rules read and write.
// Keys are compared bytewise. Get returns nil for an absent key; the
// returned slice must not be modified. Iterate visits keys with the prefix
// in ascending order until fn returns false; fn must not write to the KV.
// Implementations are not safe for concurrent use.
type KV interface {
	Get(key []byte) []byte
	Set(key, value []byte)
	Delete(key []byte)
	Iterate(prefix []byte, fn func(key, value []byte) bool)
}

// FatalError reports a storage failure that must halt the node.
type FatalError struct{ Err error }

func (e *FatalError) Error() string { return "state: storage failure: " + e.Err.Error() }
func (e *FatalError) Unwrap() error { return e.Err }

// MemKV is a KV held in memory; used for genesis checks and rule tests.
type MemKV struct{ m map[string][]byte }

// NewMemKV returns an empty MemKV.
func NewMemKV() *MemKV { return &MemKV{m: map[string][]byte{}} }

// Get implements KV.
func (s *MemKV) Get(key []byte) []byte { return s.m[string(key)] }

// Set implements KV; value is copied.
func (s *MemKV) Set(key, value []byte) { s.m[string(key)] = bytes.Clone(nonNil(value)) }

// Delete implements KV.
func (s *MemKV) Delete(key []byte) { delete(s.m, string(key)) }

// Iterate implements KV.
func (s *MemKV) Iterate(prefix []byte, fn func(key, value []byte) bool) {
	keys := make([]string, 0)
	for k := range s.m {
		if bytes.HasPrefix([]byte(k), prefix) {
			keys = append(keys, k)
		}
	}
	sort.Strings(keys)
	for _, k := range keys {
		if !fn([]byte(k), s.m[k]) {
			return
		}
	}
}

func nonNil(b []byte) []byte {
	if b == nil {
		return []byte{}
	}
	return b
}
