package agent

import (
	"context"
	"crypto/ed25519"
	"errors"
	"fmt"
	"log/slog"

	"github.com/atoll-dev/atoll/bridge/keccak"
	"github.com/atoll-dev/atoll/bridge/programs/address"
	"github.com/atoll-dev/atoll/bridge/programs/home"
	"github.com/atoll-dev/atoll/bridge/programs/replica"
	"github.com/atoll-dev/atoll/bridge/update"
)

// Relayer carries the quorum updates the Home accepted to the Replica of
// the Home's domain on every other chain.
type Relayer struct {
	Home     *Chain
	Replicas []*Chain
	Payers   map[uint32]ed25519.PrivateKey // by domain
	DB       *DB
	Log      *slog.Logger
	Metrics  *Metrics
}

func homeUpdateKey(domain uint32, old keccak.Hash) []byte {
	return []byte(fmt.Sprintf("homeupdate/%d/%x", domain, old[:]))
}

// scanHomeUpdates records the Home's accepted updates by old root and
// returns the ones it had not seen before.
func scanHomeUpdates(ctx context.Context, db *DB, ch *Chain, label string) ([]update.QuorumUpdate, error) {
	var got []update.QuorumUpdate
	s := &scanner{db: db, ch: ch, addr: address.HomeState(), label: label}
	err := s.run(ctx, func(tx Tx) ([][2][]byte, error) {
		var w [][2][]byte
		for _, e := range home.ParseLogs(tx.Logs) {
			if e.Kind != home.EventUpdate {
				continue
			}
			b, err := e.Update.MarshalBinary()
			if err != nil {
				return nil, err
			}
			got = append(got, e.Update)
			w = append(w, KV(homeUpdateKey(ch.Domain, e.Update.OldRoot), b))
		}
		return w, nil
	})
	if err != nil {
		return nil, err
	}
	return got, nil
}

// homeUpdate returns the update the Home of domain accepted from old.
func homeUpdate(db *DB, domain uint32, old keccak.Hash) (*update.QuorumUpdate, error) {
	v, ok, err := db.Get(homeUpdateKey(domain, old))
	if err != nil || !ok {
		return nil, err
	}
	var q update.QuorumUpdate
	if err := q.UnmarshalBinary(v); err != nil {
		return nil, err
	}
	return &q, nil
}

// Poll implements Poller.
func (r *Relayer) Poll(ctx context.Context) error {
	if _, err := scanHomeUpdates(ctx, r.DB, r.Home, "relayer"); err != nil {
		return err
	}
	var errs []error
	for _, dst := range r.Replicas {
		if err := r.relayTo(ctx, dst); err != nil {
			errs = append(errs, fmt.Errorf("%s: %w", dst.Name, err))
		}
	}
	return errors.Join(errs...)
}

// relayTo submits, in order, every accepted update that builds on the
// Replica's committed root.
func (r *Relayer) relayTo(ctx context.Context, dst *Chain) error {
	st, err := ReplicaState(ctx, dst, r.Home.Domain)
	if err != nil || st == nil {
		return err
	}
	if st.Halted() {
		r.Log.Warn("replica halted; not relaying", "agent", "relayer", "chain", dst.Name, "remote", r.Home.Domain)
		return nil
	}
	root := st.CommittedRoot()
	for i := 0; i < 32; i++ {
		q, err := homeUpdate(r.DB, r.Home.Domain, root)
		if err != nil || q == nil {
			return err
		}
		ix, err := replica.Update(r.Home.Domain, PubkeyOf(r.Payers[dst.Domain]), q)
		if err != nil {
			return err
		}
		sig, err := dst.Send(ctx, r.Payers[dst.Domain], nil, ix)
		if err != nil {
			return fmt.Errorf("relaying %s: %w", hexRoot(q.NewRoot), err)
		}
		if r.Metrics != nil {
			r.Metrics.Actions.WithLabelValues("relayer", "relayed").Inc()
		}
		r.Log.Info("relayed update", "agent", "relayer", "from", r.Home.Name, "to", dst.Name,
			"old", hexRoot(q.OldRoot), "new", hexRoot(q.NewRoot), "tx", sig.String())
		root = q.NewRoot
	}
	return nil
}
