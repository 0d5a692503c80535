package svm

import (
	"sort"
	"sync"

	"github.com/atoll-dev/atoll/runtime/svm/sol"
)

// AccountsStore is where ExecuteBatch reads accounts from and where a
// finished batch's writes are applied.
//
// Account must be safe for concurrent use: parallel execution reads from
// several goroutines. Apply is never called concurrently with Account.
type AccountsStore interface {
	// Account returns the stored account at key, or ok=false if there is none.
	// The returned account's Data must not be modified by the caller; the
	// executor clones before it writes.
	Account(key sol.Pubkey) (acct sol.Account, ok bool, err error)
	// Apply stores writes atomically. A write with zero lamports deletes the
	// account, as Solana's garbage collection of empty accounts does.
	Apply(writes []AccountWrite) error
}

// AccountWrite is the final state of one account written by a batch.
type AccountWrite struct {
	Key     sol.Pubkey
	Account sol.Account
}

// Deleted reports whether the write removes the account.
func (w *AccountWrite) Deleted() bool { return w.Account.Lamports == 0 }

// MapStore is an in-memory AccountsStore. The zero value is not usable; call
// NewMapStore.
type MapStore struct {
	mu       sync.RWMutex
	accounts map[sol.Pubkey]sol.Account
}

// NewMapStore returns an empty in-memory store.
func NewMapStore() *MapStore { return &MapStore{accounts: make(map[sol.Pubkey]sol.Account)} }

// Account implements AccountsStore.
func (s *MapStore) Account(key sol.Pubkey) (sol.Account, bool, error) {
	s.mu.RLock()
	a, ok := s.accounts[key]
	s.mu.RUnlock()
	return a, ok, nil
}

// Apply implements AccountsStore.
func (s *MapStore) Apply(writes []AccountWrite) error {
	s.mu.Lock()
	defer s.mu.Unlock()
	for i := range writes {
		w := &writes[i]
		if w.Deleted() {
			delete(s.accounts, w.Key)
			continue
		}
		s.accounts[w.Key] = w.Account.Clone()
	}
	return nil
}

// Set stores one account directly, for genesis and tests.
func (s *MapStore) Set(key sol.Pubkey, a sol.Account) {
	_ = s.Apply([]AccountWrite{{Key: key, Account: a}})
}

// Keys returns every stored key in ascending byte order.
func (s *MapStore) Keys() []sol.Pubkey {
	s.mu.RLock()
	keys := make([]sol.Pubkey, 0, len(s.accounts))
	for k := range s.accounts {
		keys = append(keys, k)
	}
	s.mu.RUnlock()
	sort.Slice(keys, func(i, j int) bool { return string(keys[i][:]) < string(keys[j][:]) })
	return keys
}
