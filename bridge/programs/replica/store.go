package replica

import (
	"encoding"
	"fmt"

	"github.com/atoll-dev/atoll/bridge/keccak"
	"github.com/atoll-dev/atoll/bridge/programs/address"
	"github.com/atoll-dev/atoll/bridge/programs/onchain"
	breplica "github.com/atoll-dev/atoll/bridge/replica"
	"github.com/atoll-dev/atoll/runtime/svm"
	"github.com/atoll-dev/atoll/runtime/svm/sol"
)

// Account kinds of the Replica program.
const (
	KindState  = 1
	kindRoot   = 2
	kindRecord = 3
)

// accountStore is the bridge/replica Store over the instruction's accounts:
// each record lives at its program address, which must be listed. Records
// are created (paid by payer) on first write.
type accountStore struct {
	ctx    *svm.InvokeContext
	remote uint32
	payer  *svm.InstrAccount // nil when the instruction writes no records
	keys   map[string]derived
}

type derived struct {
	key  sol.Pubkey
	bump uint8
}

func newStore(ctx *svm.InvokeContext, remote uint32, payer *svm.InstrAccount) *accountStore {
	return &accountStore{ctx: ctx, remote: remote, payer: payer, keys: map[string]derived{}}
}

// account finds the listed account at the program address of seed and id.
func (s *accountStore) account(seed []byte, id keccak.Hash) (*svm.InstrAccount, uint8, error) {
	memo := string(seed) + string(id[:])
	d, ok := s.keys[memo]
	if !ok {
		k, bump, err := onchain.FindPDA(s.ctx, address.Replica, seed, address.Domain(s.remote), id[:])
		if err != nil {
			return nil, 0, err
		}
		d = derived{k, bump}
		s.keys[memo] = d
	}
	for i, a := range s.ctx.Accounts() {
		if a.Key == d.key {
			return &s.ctx.Accounts()[i], d.bump, nil
		}
	}
	s.ctx.Log(fmt.Sprintf("replica: account %s (%s of %s) is not listed", d.key, seed, id))
	return nil, 0, svm.ErrMissingAccount
}

func exists(a *svm.InstrAccount) bool {
	return a.Account.Lamports > 0 && a.Account.Owner == address.Replica
}

func (s *accountStore) RootEntry(root keccak.Hash) (breplica.RootEntry, bool, error) {
	if root.IsZero() {
		return breplica.RootEntry{}, false, nil
	}
	a, _, err := s.account(address.SeedRoot, root)
	if err != nil || !exists(a) {
		return breplica.RootEntry{}, false, err
	}
	blob, err := onchain.ReadBlob(s.ctx, a, address.Replica, kindRoot)
	if err != nil {
		return breplica.RootEntry{}, false, err
	}
	var e breplica.RootEntry
	if err := e.UnmarshalBinary(blob); err != nil || e.Root() != root {
		return breplica.RootEntry{}, false, svm.ErrInvalidAccountData
	}
	return e, true, nil
}

func (s *accountStore) create(a *svm.InstrAccount, size int) error {
	if s.payer == nil {
		return svm.ErrMissingAccount
	}
	return onchain.CreatePDA(s.ctx, s.payer, a, onchain.BlobSpace(size), address.Replica)
}

func (s *accountStore) PutRootEntry(e breplica.RootEntry) error {
	root := e.Root()
	if root.IsZero() {
		return breplica.ErrZeroRoot
	}
	return s.put(address.SeedRoot, root, kindRoot, &e)
}

func (s *accountStore) MessageRecord(leaf keccak.Hash) (breplica.MessageRecord, error) {
	a, _, err := s.account(address.SeedMessage, leaf)
	if err != nil || !exists(a) {
		return breplica.MessageRecord{}, err
	}
	blob, err := onchain.ReadBlob(s.ctx, a, address.Replica, kindRecord)
	if err != nil {
		return breplica.MessageRecord{}, err
	}
	var r breplica.MessageRecord
	if err := r.UnmarshalBinary(blob); err != nil {
		return breplica.MessageRecord{}, svm.ErrInvalidAccountData
	}
	return r, nil
}

func (s *accountStore) PutMessageRecord(leaf keccak.Hash, r breplica.MessageRecord) error {
	if r.Root.IsZero() {
		return breplica.ErrZeroRoot
	}
	return s.put(address.SeedMessage, leaf, kindRecord, r)
}

// put writes v into the state account of kind at (seed, id), creating the
// account, sized for v, on first use.
func (s *accountStore) put(seed []byte, id keccak.Hash, kind byte, v encoding.BinaryMarshaler) error {
	a, bump, err := s.account(seed, id)
	if err != nil {
		return err
	}
	blob, err := v.MarshalBinary()
	if err != nil {
		return err
	}
	if !exists(a) {
		if err := s.create(a, len(blob)); err != nil {
			return err
		}
	}
	return onchain.WriteBlob(s.ctx, a, kind, bump, blob)
}

// DecodeState decodes a Replica state account's data, for clients.
func DecodeState(data []byte) (*breplica.Replica, error) {
	blob, err := clientBlob(data, KindState)
	if err != nil {
		return nil, err
	}
	r := new(breplica.Replica)
	return r, r.UnmarshalBinary(blob)
}

// DecodeRootEntry decodes a root history account's data, for clients.
func DecodeRootEntry(data []byte) (breplica.RootEntry, error) {
	var e breplica.RootEntry
	blob, err := clientBlob(data, kindRoot)
	if err != nil {
		return e, err
	}
	return e, e.UnmarshalBinary(blob)
}

// DecodeMessageRecord decodes a message status account's data, for clients.
func DecodeMessageRecord(data []byte) (breplica.MessageRecord, error) {
	var r breplica.MessageRecord
	blob, err := clientBlob(data, kindRecord)
	if err != nil {
		return r, err
	}
	return r, r.UnmarshalBinary(blob)
}

func clientBlob(d []byte, kind byte) ([]byte, error) {
	if len(d) < onchain.BlobHeaderSize || d[0] != kind {
		return nil, fmt.Errorf("%w: not a replica account of kind %d", breplica.ErrEncoding, kind)
	}
	n := int(d[2])<<24 | int(d[3])<<16 | int(d[4])<<8 | int(d[5])
	if n > len(d)-onchain.BlobHeaderSize || n < 0 {
		return nil, fmt.Errorf("%w: blob length %d", breplica.ErrEncoding, n)
	}
	return d[onchain.BlobHeaderSize : onchain.BlobHeaderSize+n], nil
}

// AcceptableRoot answers the Replica's acceptableRoot for clients from the
// data of its state account and of root's history account (nil when that
// account does not exist), at Clock time now: false for 0x0, for a root
// without history, before its confirmAt, and on a halted Replica.
func AcceptableRoot(stateData, entryData []byte, root keccak.Hash, now uint64) (bool, error) {
	r, err := DecodeState(stateData)
	if err != nil {
		return false, err
	}
	s := breplica.NewMemStore()
	if entryData != nil {
		e, err := DecodeRootEntry(entryData)
		if err != nil {
			return false, err
		}
		if e.Root() != root {
			return false, fmt.Errorf("%w: history account is for %s, not %s", breplica.ErrEncoding, e.Root(), root)
		}
		if err := s.PutRootEntry(e); err != nil {
			return false, err
		}
	}
	return r.AcceptableRoot(s, root, now)
}
