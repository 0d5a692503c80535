package agent

import (
	"context"
	"crypto/ed25519"
	"errors"
	"fmt"
	"log/slog"
	"net/http"

	"github.com/decred/dcrd/dcrec/secp256k1/v4"

	"github.com/atoll-dev/atoll/bridge/keccak"
	"github.com/atoll-dev/atoll/bridge/programs/address"
	"github.com/atoll-dev/atoll/bridge/programs/connmgr"
	"github.com/atoll-dev/atoll/bridge/programs/home"
	"github.com/atoll-dev/atoll/bridge/programs/replica"
	"github.com/atoll-dev/atoll/bridge/update"
	"github.com/atoll-dev/atoll/runtime/svm/sol"
)

// Watcher checks every update that lands on any Replica of its chains
// against the history of the Home it claims to come from. On a double
// update it proves it to the Home (failing it and slashing the signers) and
// to every Replica of that Home (halting them); on an update the Home never
// made it proves an improper update to the Home where it can; in both
// cases it unenrolls the Replicas of that Home through every connection
// manager with signed failure notifications.
type Watcher struct {
	Chains  []*Chain
	Key     *secp256k1.PrivateKey
	Payers  map[uint32]ed25519.PrivateKey // by domain
	DB      *DB
	Log     *slog.Logger
	Metrics *Metrics
	// Updaters are the signature exchanges of the updaters (their base
	// URLs). The watcher reads what each signed for the Home's recent old
	// roots, so a lone updater that signs a second root is caught before a
	// quorum ever relays it.
	Updaters []string

	http    http.Client
	recent  map[uint32][]keccak.Hash // old roots of recent Home updates, per domain
	settled map[update.SignedUpdate]bool
}

// maxRecentRoots is how many past old roots per Home the watcher asks the
// updaters about.
const maxRecentRoots = 16

// seenUpdate is an update read from the Replica of home's domain on chain
// on. Until it is judged (and any fraud it shows is proven everywhere) it
// stays in the database under key, so a restart cannot forget it.
type seenUpdate struct {
	key  []byte
	home *Chain
	on   *Chain
	q    update.QuorumUpdate
}

func seenKey(home, on uint32, q *update.QuorumUpdate) []byte {
	return []byte(fmt.Sprintf("watch/%d/%d/%x%x", home, on, q.OldRoot[:], q.NewRoot[:]))
}

// Address is the watcher's address, the one connection managers permit.
func (w *Watcher) Address() update.Address { return update.AddressOf(w.Key.PubKey()) }

func (w *Watcher) chain(domain uint32) *Chain {
	for _, c := range w.Chains {
		if c.Domain == domain {
			return c
		}
	}
	return nil
}

// Poll implements Poller.
func (w *Watcher) Poll(ctx context.Context) error {
	for _, on := range w.Chains {
		for _, h := range w.Chains {
			if h == on {
				continue
			}
			s := &scanner{db: w.DB, ch: on, addr: address.ReplicaState(h.Domain), label: fmt.Sprintf("watcher-replica-%d", h.Domain)}
			err := s.run(ctx, func(tx Tx) ([][2][]byte, error) {
				var writes [][2][]byte
				for _, e := range replica.ParseLogs(tx.Logs) {
					if e.Kind == replica.EventUpdate && e.Remote == h.Domain {
						b, err := e.Update.MarshalBinary()
						if err != nil {
							return nil, err
						}
						writes = append(writes, KV(seenKey(h.Domain, on.Domain, &e.Update), b))
					}
				}
				return writes, nil
			})
			if err != nil {
				return err
			}
		}
	}
	// The Homes are read after the Replicas, so a legitimate update is
	// always already in the Home history read here.
	for _, h := range w.Chains {
		if err := w.readHome(ctx, h); err != nil {
			return err
		}
	}
	var todo []seenUpdate
	err := w.DB.Scan([]byte("watch/"), func(k, v []byte) error {
		var hd, od uint32
		if _, err := fmt.Sscanf(string(k), "watch/%d/%d/", &hd, &od); err != nil {
			return fmt.Errorf("agent: corrupt watch record %q", k)
		}
		s := seenUpdate{key: append([]byte(nil), k...), home: w.chain(hd), on: w.chain(od)}
		if s.home == nil || s.on == nil {
			return nil // a chain no longer configured
		}
		if err := s.q.UnmarshalBinary(v); err != nil {
			return fmt.Errorf("agent: corrupt watch record %q: %w", k, err)
		}
		todo = append(todo, s)
		return nil
	})
	if err != nil {
		return err
	}
	errs := []error{w.pollExchanges(ctx)}
	for _, s := range todo {
		settled, err := w.check(ctx, s)
		if err != nil {
			errs = append(errs, err)
			continue
		}
		if settled {
			errs = append(errs, w.DB.Delete(s.key))
		}
	}
	return errors.Join(errs...)
}

// readHome records the updates h's Home accepted since the last read.
func (w *Watcher) readHome(ctx context.Context, h *Chain) error {
	news, err := scanHomeUpdates(ctx, w.DB, h, "watcher")
	if err != nil {
		return err
	}
	if w.recent == nil {
		w.recent = map[uint32][]keccak.Hash{}
	}
	for _, q := range news {
		w.recent[h.Domain] = append(w.recent[h.Domain], q.OldRoot)
	}
	if n := len(w.recent[h.Domain]); n > maxRecentRoots {
		w.recent[h.Domain] = w.recent[h.Domain][n-maxRecentRoots:]
	}
	return nil
}

// pollExchanges asks every updater what it signed for each Home's committed
// root and recent old roots, and judges each answer as it would an update
// seen on a Replica.
func (w *Watcher) pollExchanges(ctx context.Context) error {
	if len(w.Updaters) == 0 {
		return nil
	}
	var errs []error
	for _, h := range w.Chains {
		st, err := HomeState(ctx, h)
		if err != nil {
			errs = append(errs, err)
			continue
		}
		olds := append([]keccak.Hash{st.Home.CommittedRoot()}, w.recent[h.Domain]...)
		for _, peer := range w.Updaters {
			for _, old := range olds {
				su, err := FetchSigned(ctx, &w.http, peer, h.Domain, old)
				if err != nil || su == nil {
					continue // an updater that is down or says nothing proves nothing
				}
				if w.settled[*su] {
					continue
				}
				q := &update.QuorumUpdate{Update: su.Update, Signatures: []update.Signature{su.Signature}}
				done, err := w.judge(ctx, h, q, "exchange of "+peer)
				if err != nil {
					errs = append(errs, err)
				}
				if done {
					if w.settled == nil {
						w.settled = map[update.SignedUpdate]bool{}
					}
					w.settled[*su] = true
				}
			}
		}
	}
	return errors.Join(errs...)
}

// check judges one update seen on a Replica; settled is true once it is
// known legitimate or the fraud it shows has been proven everywhere.
func (w *Watcher) check(ctx context.Context, s seenUpdate) (settled bool, err error) {
	return w.judge(ctx, s.home, &s.q, "replica on "+s.on.Name)
}

// judge checks q, an update of h's Home seen at where, against the Home's
// history, and proves any fraud it shows: a conflicting update the Home
// accepted makes a double update (for the signers of both), a new root the
// Home never queued an improper one. settled is false while q is a real
// root the Home has yet to accept, or while a proof could not be submitted.
func (w *Watcher) judge(ctx context.Context, h *Chain, q *update.QuorumUpdate, where string) (settled bool, err error) {
	hq, err := homeUpdate(w.DB, h.Domain, q.OldRoot)
	if err != nil {
		return false, err
	}
	if hq != nil && hq.NewRoot == q.NewRoot {
		return true, nil
	}
	st, err := HomeState(ctx, h)
	if err != nil {
		return false, err
	}
	if hq == nil && st.Home.CommittedRoot() != q.OldRoot {
		// The Home may have accepted an update from q's old root after its
		// history was last read (an updater's signature is read after it):
		// read the history again, now that the state read shows the Home
		// past that root, before calling anything fraud.
		if err := w.readHome(ctx, h); err != nil {
			return false, err
		}
		if hq, err = homeUpdate(w.DB, h.Domain, q.OldRoot); err != nil {
			return false, err
		}
		if hq != nil && hq.NewRoot == q.NewRoot {
			return true, nil
		}
	}
	set := st.Home.Updaters()
	signers, err := set.Attest(q)
	if err != nil {
		// Not signed by members: no one to slash and nothing a program
		// would accept, so nothing to prove.
		w.Log.Warn("ignoring an update not signed by members", "agent", "watcher", "home", h.Name, "seen_at", where, "err", err)
		return true, nil
	}
	if hq != nil {
		equivocators := update.Intersect(signersOf(set, hq), signers)
		w.Log.Error("conflicting update detected", "agent", "watcher", "home", h.Name, "seen_at", where,
			"old", hexRoot(q.OldRoot), "home_new", hexRoot(hq.NewRoot), "other_new", hexRoot(q.NewRoot), "equivocators", len(equivocators))
		if len(equivocators) == 0 {
			// Its signers never signed the Home's update: no double update to
			// prove on chain, but their root is fraudulent.
			w.count("fraud_unprovable")
			err := w.unenroll(ctx, h, signers)
			return err == nil, err
		}
		w.count("fraud_double_update")
		err := w.doubleUpdate(ctx, h, hq, q)
		return err == nil, err
	}
	home0 := st.Home
	if home0.CommittedRoot() == q.OldRoot && home0.QueueContains(q.NewRoot) {
		// A real root the Home has not accepted yet; look again next round.
		return false, nil
	}
	w.Log.Error("improper update detected", "agent", "watcher", "home", h.Name, "seen_at", where,
		"old", hexRoot(q.OldRoot), "new", hexRoot(q.NewRoot))
	w.count("fraud_improper_update")
	var errs []error
	if !home0.Failed() && home0.CommittedRoot() == q.OldRoot {
		ix, err := home.ImproperUpdate(q)
		if err == nil {
			err = w.send(ctx, h, "improper update proof to the Home", ix)
		}
		errs = append(errs, err)
	}
	errs = append(errs, w.unenroll(ctx, h, signers))
	err = errors.Join(errs...)
	return err == nil, err
}

// doubleUpdate halts every Replica of h's domain, fails h's Home and
// unenrolls the Replicas.
func (w *Watcher) doubleUpdate(ctx context.Context, h *Chain, a, b *update.QuorumUpdate) error {
	var errs []error
	for _, on := range w.Chains {
		if on == h {
			continue
		}
		st, err := ReplicaState(ctx, on, h.Domain)
		if err != nil {
			errs = append(errs, err)
			continue
		}
		if st == nil || st.Halted() {
			continue
		}
		ix, err := replica.DoubleUpdate(h.Domain, a, b)
		if err == nil {
			err = w.send(ctx, on, "double update proof to a Replica", ix)
		}
		errs = append(errs, err)
	}
	st, err := HomeState(ctx, h)
	if err != nil {
		return errors.Join(append(errs, err)...)
	}
	if !st.Home.Failed() {
		ix, err := home.DoubleUpdate(a, b)
		if err == nil {
			err = w.send(ctx, h, "double update proof to the Home", ix)
		}
		errs = append(errs, err)
	}
	errs = append(errs, w.unenroll(ctx, h, update.Intersect(signersOf(st.Home.Updaters(), a), signersOf(st.Home.Updaters(), b))))
	return errors.Join(errs...)
}

func signersOf(set update.UpdaterSet, q *update.QuorumUpdate) []update.Address {
	s, _ := set.Attest(q)
	return s
}

// unenroll submits a failure notification naming one of the fraudulent
// updaters to every connection manager that still enrols a Replica of h.
func (w *Watcher) unenroll(ctx context.Context, h *Chain, updaters []update.Address) error {
	if len(updaters) == 0 {
		return fmt.Errorf("agent: no fraudulent updater to name in a failure notification")
	}
	var errs []error
	for _, on := range w.Chains {
		if on == h {
			continue
		}
		m, err := Manager(ctx, on)
		if err != nil || m == nil {
			errs = append(errs, err)
			continue
		}
		if _, ok := m.Replica(h.Domain); !ok {
			continue
		}
		if !m.WatcherPermission(w.Address(), h.Domain) {
			w.Log.Warn("watcher not permitted to unenroll", "agent", "watcher", "chain", on.Name, "remote", h.Domain)
			continue
		}
		sf := &update.SignedFailure{FailureNotification: update.FailureNotification{HomeDomain: h.Domain, Updater: updaters[0].Bytes32()}}
		sf.Signature = sf.Sign(w.Key)
		ix, err := connmgr.UnenrollReplica(sf)
		if err == nil {
			err = w.send(ctx, on, "failure notification", ix)
		}
		errs = append(errs, err)
	}
	return errors.Join(errs...)
}

func (w *Watcher) send(ctx context.Context, on *Chain, what string, ix sol.Instruction) error {
	sig, err := on.Send(ctx, w.Payers[on.Domain], nil, ix)
	if err != nil {
		return fmt.Errorf("%s on %s: %w", what, on.Name, err)
	}
	w.count("submitted")
	w.Log.Warn("submitted "+what, "agent", "watcher", "chain", on.Name, "tx", sig.String())
	return nil
}

func (w *Watcher) count(action string) {
	if w.Metrics != nil {
		w.Metrics.Actions.WithLabelValues("watcher", action).Inc()
	}
}
