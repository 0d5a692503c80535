package accounts

import (
	"errors"
	"fmt"
	"sync"

	"github.com/atoll-dev/atoll/runtime/svm"
	"github.com/atoll-dev/atoll/runtime/svm/sol"
	"github.com/atoll-dev/atoll/storage/mkvs"
)

// ErrCorruptAccount wraps a stored value that is not a canonical account.
var ErrCorruptAccount = errors.New("accounts: stored account does not decode")

// Store keeps accounts in the state tree of an mkvs.Store. Every Apply
// commits the batch's writes as the next version of the state root.
//
// Account is safe for concurrent use; Apply excludes readers while it runs.
type Store struct {
	kv *mkvs.Store

	mu   sync.RWMutex
	tree *mkvs.Tree // always at root, with no uncommitted changes
	root mkvs.Root
	log  mkvs.WriteLog
}

var _ svm.AccountsStore = (*Store)(nil)

// Open returns the accounts at kv's latest state root, or an empty state
// at version 0 if none was committed.
func Open(kv *mkvs.Store) (*Store, error) {
	root, ok := kv.LatestRoot(mkvs.RootState)
	if !ok {
		root = kv.EmptyRoot(mkvs.RootState, 0)
	}
	return OpenAt(kv, root)
}

// OpenAt returns the accounts at root. Apply then requires root to be the
// latest state root of kv.
func OpenAt(kv *mkvs.Store, root mkvs.Root) (*Store, error) {
	t, err := kv.Tree(root)
	if err != nil {
		return nil, fmt.Errorf("accounts: opening %s: %w", root, err)
	}
	return &Store{kv: kv, tree: t, root: root}, nil
}

// Account implements svm.AccountsStore.
func (s *Store) Account(key sol.Pubkey) (sol.Account, bool, error) {
	s.mu.RLock()
	v, err := s.tree.Get(key[:])
	s.mu.RUnlock()
	if errors.Is(err, mkvs.ErrNotFound) {
		return sol.Account{}, false, nil
	}
	if err != nil {
		return sol.Account{}, false, fmt.Errorf("accounts: reading %s: %w", key, err)
	}
	var a sol.Account
	if err := a.UnmarshalBinary(v); err != nil {
		return sol.Account{}, false, fmt.Errorf("%w: %s: %w", ErrCorruptAccount, key, err)
	}
	return a, true, nil
}

// Apply implements svm.AccountsStore: it writes the batch (a zero-lamport
// account is removed) and commits it at the next version. If a key occurs
// twice the last write wins. On error nothing is committed and the store
// stays at its previous root.
func (s *Store) Apply(writes []svm.AccountWrite) error {
	_, _, err := s.Commit(s.Root().Version+1, writes)
	return err
}

// Commit is Apply at an explicit version (the runtime round), returning
// the new state root and its write log.
func (s *Store) Commit(version uint64, writes []svm.AccountWrite) (mkvs.Root, mkvs.WriteLog, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	root, wl, err := s.commitLocked(version, writes)
	if err != nil {
		// Drop whatever was half applied.
		if t, rerr := s.kv.Tree(s.root); rerr == nil {
			s.tree = t
		}
		return mkvs.Root{}, nil, err
	}
	s.root, s.log = root, wl
	return root, wl, nil
}

func (s *Store) commitLocked(version uint64, writes []svm.AccountWrite) (mkvs.Root, mkvs.WriteLog, error) {
	for i := range writes {
		w := &writes[i]
		// The tree keeps the key slice it is given; w.Key[:] would alias
		// the caller's batch.
		key := w.Key
		if w.Deleted() {
			if err := s.tree.Remove(key[:]); err != nil {
				return mkvs.Root{}, nil, fmt.Errorf("accounts: removing %s: %w", w.Key, err)
			}
			continue
		}
		v, err := w.Account.MarshalBinary()
		if err != nil {
			return mkvs.Root{}, nil, fmt.Errorf("accounts: encoding %s: %w", w.Key, err)
		}
		if err := s.tree.Insert(key[:], v); err != nil {
			return mkvs.Root{}, nil, fmt.Errorf("accounts: writing %s: %w", w.Key, err)
		}
	}
	return s.tree.Commit(version)
}

// Root returns the state root of the last commit (or the root opened at).
func (s *Store) Root() mkvs.Root {
	s.mu.RLock()
	defer s.mu.RUnlock()
	return s.root
}

// LastWriteLog returns the write log of the last Apply or Commit, nil
// before the first. The caller must not modify it.
func (s *Store) LastWriteLog() mkvs.WriteLog {
	s.mu.RLock()
	defer s.mu.RUnlock()
	return s.log
}

// Prove returns a proof of the given accounts (inclusion or absence)
// against the current root, for mkvs.VerifyProof.
func (s *Store) Prove(keys ...sol.Pubkey) ([]byte, error) {
	ks := make([][]byte, len(keys))
	for i := range keys {
		ks[i] = keys[i][:]
	}
	s.mu.RLock()
	defer s.mu.RUnlock()
	return s.tree.Prove(ks...)
}
