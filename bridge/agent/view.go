package agent

import (
	"context"
	"fmt"

	bconnmgr "github.com/atoll-dev/atoll/bridge/connmgr"
	"github.com/atoll-dev/atoll/bridge/keccak"
	"github.com/atoll-dev/atoll/bridge/programs/address"
	"github.com/atoll-dev/atoll/bridge/programs/connmgr"
	"github.com/atoll-dev/atoll/bridge/programs/home"
	"github.com/atoll-dev/atoll/bridge/programs/replica"
	breplica "github.com/atoll-dev/atoll/bridge/replica"
	"github.com/atoll-dev/atoll/runtime/svm/sol"
)

// HomeState reads the Home of ch.
func HomeState(ctx context.Context, ch *Chain) (home.State, error) {
	a, err := ch.Account(ctx, address.HomeState())
	if err != nil {
		return home.State{}, err
	}
	if a == nil {
		return home.State{}, fmt.Errorf("agent: %s has no Home", ch.Name)
	}
	st, err := home.DecodeState(a.Data)
	if err != nil {
		return home.State{}, fmt.Errorf("agent: Home of %s: %w", ch.Name, err)
	}
	return st, nil
}

// ReplicaState reads the Replica of remote on ch; nil if there is none.
func ReplicaState(ctx context.Context, ch *Chain, remote uint32) (*breplica.Replica, error) {
	a, err := ch.Account(ctx, address.ReplicaState(remote))
	if err != nil || a == nil {
		return nil, err
	}
	r, err := replica.DecodeState(a.Data)
	if err != nil {
		return nil, fmt.Errorf("agent: Replica of %d on %s: %w", remote, ch.Name, err)
	}
	return r, nil
}

// RootEntry reads the history entry of root on the Replica of remote on ch.
func RootEntry(ctx context.Context, ch *Chain, remote uint32, root keccak.Hash) (*breplica.RootEntry, error) {
	a, err := ch.Account(ctx, address.RootEntry(remote, root))
	if err != nil || a == nil {
		return nil, err
	}
	e, err := replica.DecodeRootEntry(a.Data)
	if err != nil {
		return nil, fmt.Errorf("agent: root entry %x on %s: %w", root[:4], ch.Name, err)
	}
	return &e, nil
}

// MessageStatus reads the record of leaf on the Replica of remote on ch.
func MessageStatus(ctx context.Context, ch *Chain, remote uint32, leaf keccak.Hash) (breplica.MessageRecord, error) {
	a, err := ch.Account(ctx, address.MessageRecord(remote, leaf))
	if err != nil || a == nil || a.Lamports == 0 {
		return breplica.MessageRecord{}, err
	}
	r, err := replica.DecodeMessageRecord(a.Data)
	if err != nil {
		return breplica.MessageRecord{}, fmt.Errorf("agent: message record on %s: %w", ch.Name, err)
	}
	return r, nil
}

// Manager reads the connection manager of ch; nil if there is none.
func Manager(ctx context.Context, ch *Chain) (*bconnmgr.Manager, error) {
	a, err := ch.Account(ctx, address.Manager())
	if err != nil || a == nil {
		return nil, err
	}
	return connmgr.DecodeState(a.Data)
}

// scanner follows the transactions of one account on one chain, keeping
// its cursor in the database together with what it derives from them.
type scanner struct {
	db    *DB
	ch    *Chain
	addr  sol.Pubkey
	label string // distinguishes the cursors of different agents sharing a DB
}

func (s *scanner) cursorKey() []byte {
	return []byte(fmt.Sprintf("cursor/%s/%d/%s", s.label, s.ch.Domain, s.addr))
}

// run reads the new transactions and hands them to fn in order; fn returns
// the database writes that record what it learned. The writes and the new
// cursor are stored atomically, so a failure repeats the whole batch.
func (s *scanner) run(ctx context.Context, fn func(tx Tx) ([][2][]byte, error)) error {
	var cur sol.Signature
	if v, ok, err := s.db.Get(s.cursorKey()); err != nil {
		return err
	} else if ok {
		copy(cur[:], v)
	}
	txs, next, err := s.ch.Since(ctx, s.addr, cur)
	if err != nil || next == cur {
		return err
	}
	var writes [][2][]byte
	for _, tx := range txs {
		w, err := fn(tx)
		if err != nil {
			return err
		}
		writes = append(writes, w...)
	}
	return s.db.Put(append(writes, KV(s.cursorKey(), next[:]))...)
}
