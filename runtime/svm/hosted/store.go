package hosted

import (
	"context"
	"errors"
	"fmt"
	"sync"

	"github.com/atoll-dev/atoll/runtime/rhp"
	"github.com/atoll-dev/atoll/runtime/svm"
	"github.com/atoll-dev/atoll/runtime/svm/sol"
	"github.com/atoll-dev/atoll/storage/mkvs"
)

// Fetcher reads keys at a root with a proof, the way guest.Host.StorageGet does.
type Fetcher func(ctx context.Context, root rhp.Root, keys [][]byte) (*rhp.StorageGetResponse, error)

// provenStore is an svm.AccountsStore over a partial tree of the previous
// state: every value it returns is covered by a proof against that root.
// Safe for concurrent reads (ExecuteBatch reads from several goroutines).
type provenStore struct {
	ctx   context.Context
	root  rhp.Root
	fetch Fetcher

	mu   sync.Mutex
	tree *mkvs.Tree
	// fetches counts round trips to the host for keys the prefetch missed.
	fetches int
}

// newProvenStore verifies the prefetch proof against the previous state root.
func newProvenStore(ctx context.Context, root rhp.Root, prefetch *rhp.Prefetch, fetch Fetcher) (*provenStore, error) {
	proof := prefetch.Proof
	if len(proof) == 0 {
		// Nothing prefetched: start from a proof that covers no key, the root alone.
		proof = stubProof(mkvs.Hash(root.Hash))
	}
	tree, err := mkvs.NewPartialTree(mkvs.Hash(root.Hash), proof, 0)
	if err != nil {
		return nil, fmt.Errorf("hosted: prefetch proof: %w", err)
	}
	return &provenStore{ctx: ctx, root: root, fetch: fetch, tree: tree}, nil
}

// stubProof is a proof consisting of the root's hash only.
func stubProof(root mkvs.Hash) []byte {
	if root == mkvs.EmptyRoot {
		return mkvs.EncodeProof(&mkvs.ProofNode{Kind: mkvs.ProofEmpty})
	}
	return mkvs.EncodeProof(&mkvs.ProofNode{Kind: mkvs.ProofStub, Hash: root})
}

// Account implements svm.AccountsStore.
func (s *provenStore) Account(key sol.Pubkey) (sol.Account, bool, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	v, err := s.tree.Get(key[:])
	if errors.Is(err, mkvs.ErrNotInProof) {
		if ferr := s.fetchLocked(key[:]); ferr != nil {
			return sol.Account{}, false, ferr
		}
		v, err = s.tree.Get(key[:])
	}
	if errors.Is(err, mkvs.ErrNotFound) {
		return sol.Account{}, false, nil
	}
	if err != nil {
		return sol.Account{}, false, err
	}
	var a sol.Account
	if err := a.UnmarshalBinary(v); err != nil {
		return sol.Account{}, false, fmt.Errorf("hosted: account %s: %w", key, err)
	}
	return a, true, nil
}

func (s *provenStore) fetchLocked(keys ...[]byte) error {
	if s.fetch == nil {
		return fmt.Errorf("hosted: %x is not in the prefetch and the host cannot be asked", keys[0])
	}
	s.fetches++
	resp, err := s.fetch(s.ctx, s.root, keys)
	if err != nil {
		return fmt.Errorf("hosted: reading %x from the host: %w", keys[0], err)
	}
	if err := s.tree.AddProof(resp.Proof, 0); err != nil {
		return fmt.Errorf("hosted: the host's proof for %x: %w", keys[0], err)
	}
	return nil
}

// Apply implements svm.AccountsStore: it changes the partial tree. Written
// keys the batch never read (a sysvar it only writes, for one) are proven
// first, all in one read: a proof of the previous state can be grafted only
// where the tree is still unchanged.
func (s *provenStore) Apply(writes []svm.AccountWrite) error {
	s.mu.Lock()
	defer s.mu.Unlock()
	var unproven [][]byte
	for i := range writes {
		key := writes[i].Key[:]
		if _, err := s.tree.Get(key); errors.Is(err, mkvs.ErrNotInProof) {
			unproven = append(unproven, append([]byte(nil), key...))
		}
	}
	if len(unproven) > 0 {
		if err := s.fetchLocked(unproven...); err != nil {
			return err
		}
	}
	for i := range writes {
		w := &writes[i]
		key := append([]byte(nil), w.Key[:]...)
		if w.Deleted() {
			if err := s.tree.Remove(key); err != nil {
				return err
			}
			continue
		}
		v, err := w.Account.MarshalBinary()
		if err != nil {
			return err
		}
		if err := s.tree.Insert(key, v); err != nil {
			return err
		}
	}
	return nil
}

// Root is the state root after the applied writes.
func (s *provenStore) Root() mkvs.Hash {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.tree.Hash()
}
