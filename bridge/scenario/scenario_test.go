package scenario

import (
	"bytes"
	"errors"
	"fmt"
	"testing"

	"github.com/atoll-dev/atoll/bridge/connmgr"
	"github.com/atoll-dev/atoll/bridge/home"
	"github.com/atoll-dev/atoll/bridge/internal/testkeys"
	"github.com/atoll-dev/atoll/bridge/keccak"
	"github.com/atoll-dev/atoll/bridge/merkle"
	"github.com/atoll-dev/atoll/bridge/message"
	"github.com/atoll-dev/atoll/bridge/replica"
	"github.com/atoll-dev/atoll/bridge/update"
	"github.com/atoll-dev/atoll/runtime/svm/sol"
)

const (
	domainA    = 1000
	domainB    = 2000
	optimistic = 1800
	t0         = 1_700_000_000
	watcherKey = 10
)

var (
	owner      = sol.Pubkey{1}
	replicaKey = sol.Pubkey{0xbb}
)

// world is chain A's Home and chain B's Replica of it plus B's connection
// manager, with a 2-of-3 updater set (keys 1, 2, 3) and one watcher.
type world struct {
	home      *home.Home
	replica   *replica.Replica
	store     *replica.MemStore
	manager   *connmgr.Manager
	tree      merkle.FullTree
	raw       [][]byte
	delivered []string
}

func newWorld(t *testing.T) *world {
	t.Helper()
	set := testkeys.Set(t, 2, 1, 2, 3)
	h, err := home.New(home.Config{LocalDomain: domainA, Owner: owner, Updaters: set})
	if err != nil {
		t.Fatal(err)
	}
	r, err := replica.New(replica.Config{LocalDomain: domainB, RemoteDomain: domainA, Owner: owner, Updaters: set,
		OptimisticSeconds: optimistic, CommittedRoot: h.CommittedRoot()})
	if err != nil {
		t.Fatal(err)
	}
	m, err := connmgr.New(domainB, owner)
	if err != nil {
		t.Fatal(err)
	}
	if err := m.EnrollReplica(owner, domainA, replicaKey); err != nil {
		t.Fatal(err)
	}
	if err := m.SetWatcherPermission(owner, testkeys.Addr(watcherKey), domainA, true); err != nil {
		t.Fatal(err)
	}
	return &world{home: h, replica: r, store: replica.NewMemStore(), manager: m}
}

func (w *world) send(t *testing.T, body string) uint32 {
	t.Helper()
	d, err := w.home.Dispatch(keccak.Hash{0xa1}, domainB, keccak.Hash{0xb2}, []byte(body))
	if err != nil {
		t.Fatal(err)
	}
	w.tree.Insert(d.Leaf)
	w.raw = append(w.raw, d.Raw)
	return d.LeafIndex
}

// handler is the recipient application on chain B: like a Nomad router it
// accepts messages only from an enrolled Replica.
func (w *world) handler(m message.Message) error {
	if d, ok := w.manager.IsReplica(replicaKey); !ok || d != m.Origin {
		return errors.New("sender is not an enrolled replica")
	}
	w.delivered = append(w.delivered, string(m.Body))
	return nil
}

// process has the processor agent prove and process leaf index i at time now.
func (w *world) process(t *testing.T, i uint32, now uint64) error {
	t.Helper()
	p, err := w.tree.Proof(i)
	if err != nil {
		t.Fatal(err)
	}
	_, err = w.replica.ProveAndProcess(w.store, w.raw[i], &p.Path, p.Index, now, w.handler)
	return err
}

func (w *world) encoded(t *testing.T) []byte {
	t.Helper()
	var out []byte
	for _, m := range []interface{ MarshalBinary() ([]byte, error) }{w.home, w.replica, w.store, w.manager} {
		b, err := m.MarshalBinary()
		if err != nil {
			t.Fatal(err)
		}
		out = append(out, b...)
	}
	return out
}

func TestScenario_delivery(t *testing.T) {
	run := func() (*world, []byte) {
		w := newWorld(t)
		for i := 0; i < 3; i++ {
			w.send(t, fmt.Sprintf("message %d", i))
		}
		u, _ := w.home.SuggestUpdate()
		q := testkeys.Quorum(u, 3, 1)
		if fraud, err := w.home.Update(q); err != nil || fraud != nil {
			t.Fatal(fraud, err)
		}
		if err := w.replica.Update(w.store, q, t0); err != nil {
			t.Fatal(err)
		}
		if err := w.process(t, 0, t0+optimistic-1); !errors.Is(err, replica.ErrRootNotAcceptable) {
			t.Fatalf("processing before confirmAt: %v", err)
		}
		for i := uint32(0); i < 3; i++ {
			if err := w.process(t, i, t0+optimistic); err != nil {
				t.Fatal(err)
			}
		}
		if err := w.process(t, 1, t0+optimistic+5); !errors.Is(err, replica.ErrAlreadyProcessed) {
			t.Fatalf("replay: %v", err)
		}
		return w, w.encoded(t)
	}
	w, first := run()
	if len(w.delivered) != 3 || w.delivered[2] != "message 2" {
		t.Fatalf("delivered %v", w.delivered)
	}
	// Determinism: the same inputs give byte-identical state on every run.
	for i := 0; i < 5; i++ {
		if _, again := run(); !bytes.Equal(again, first) {
			t.Fatal("two runs of the same scenario diverged")
		}
	}
}

// TestScenario_doubleUpdateByQuorum: the Home takes X→Y signed by {1, 2};
// {2, 3} sign X→Z and relay it to the Replica first. A watcher proves the
// double update on both chains: the Home fails and slashes 2, the Replica
// halts within the optimistic window, and nothing from Z is processed.
func TestScenario_doubleUpdateByQuorum(t *testing.T) {
	w := newWorld(t)
	i := w.send(t, "honest")
	honest, _ := w.home.SuggestUpdate()
	qHonest := testkeys.Quorum(honest, 1, 2)
	if _, err := w.home.Update(qHonest); err != nil {
		t.Fatal(err)
	}
	forged := honest
	forged.NewRoot = keccak.Sum([]byte("forged tree"))
	qForged := testkeys.Quorum(forged, 2, 3)
	if err := w.replica.Update(w.store, qForged, t0); err != nil {
		t.Fatal(err)
	}

	// The watcher polls within the window.
	fraud, err := w.home.DoubleUpdate(qHonest, qForged)
	if err != nil || !w.home.Failed() || len(fraud.Slashed) != 1 || fraud.Slashed[0] != testkeys.Addr(2) {
		t.Fatalf("home: %+v, %v", fraud, err)
	}
	rf, err := w.replica.DoubleUpdateFromHistory(w.store, forged.NewRoot, qHonest)
	if err != nil || !w.replica.Halted() || rf.Equivocators[0] != testkeys.Addr(2) {
		t.Fatalf("replica: %+v, %v", rf, err)
	}
	if err := w.process(t, i, t0+10*optimistic); !errors.Is(err, replica.ErrHalted) {
		t.Fatalf("process after halt: %v", err)
	}
	if len(w.delivered) != 0 {
		t.Fatalf("delivered %v", w.delivered)
	}
}

// TestScenario_doubleUpdateBySingleUpdater: updater 3 alone signs two
// different roots from the same old root. It is no quorum, yet the proof
// halts the Replica and fails the Home with 3 slashed.
func TestScenario_doubleUpdateBySingleUpdater(t *testing.T) {
	w := newWorld(t)
	w.send(t, "x")
	u, _ := w.home.SuggestUpdate()
	other := u
	other.NewRoot = keccak.Sum([]byte("other"))
	a, b := testkeys.Quorum(u, 3), testkeys.Quorum(other, 3)
	rf, err := w.replica.DoubleUpdate(a, b)
	if err != nil || !w.replica.Halted() || rf.Equivocators[0] != testkeys.Addr(3) {
		t.Fatalf("replica: %+v, %v", rf, err)
	}
	hf, err := w.home.DoubleUpdate(b, a)
	if err != nil || !w.home.Failed() || hf.Slashed[0] != testkeys.Addr(3) {
		t.Fatalf("home: %+v, %v", hf, err)
	}
}

// TestScenario_improperUpdate: a quorum signs a root the Home never had,
// carrying a forged message, and relays it to the Replica. The watcher
// proves the improper update on the Home (which fails and slashes both
// signers) and unenrolls the Replica on chain B with a signed failure
// notification. After the root confirms, the forged message can be proven
// but the recipient refuses it: nothing is processed from that root.
func TestScenario_improperUpdate(t *testing.T) {
	w := newWorld(t)
	w.send(t, "honest")
	honest, _ := w.home.SuggestUpdate()

	forged := message.Message{Origin: domainA, Sender: keccak.Hash{0xa1}, Nonce: 0, Destination: domainB, Recipient: keccak.Hash{0xb2}, Body: []byte("mint 1e9 to mallory")}
	forgedRaw, _ := forged.Encode()
	var forgedTree merkle.FullTree
	forgedTree.Insert(message.Leaf(forgedRaw))
	improper := honest
	improper.NewRoot = forgedTree.Root()
	q := testkeys.Quorum(improper, 1, 2)
	if err := w.replica.Update(w.store, q, t0); err != nil {
		t.Fatal(err)
	}

	fraud, err := w.home.ImproperUpdate(q)
	if err != nil || fraud.Kind != home.ImproperUpdate || len(fraud.Slashed) != 2 || !w.home.Failed() {
		t.Fatalf("home: %+v, %v", fraud, err)
	}
	fn := update.FailureNotification{HomeDomain: domainA, Updater: fraud.Slashed[0].Bytes32()}
	sf := &update.SignedFailure{FailureNotification: fn, Signature: fn.Sign(testkeys.Key(watcherKey))}
	if got, err := w.manager.UnenrollReplica(sf, w.replica.Updaters()); err != nil || got != replicaKey {
		t.Fatalf("unenroll: %v, %v", got, err)
	}

	p, _ := forgedTree.Proof(0)
	_, err = w.replica.ProveAndProcess(w.store, forgedRaw, &p.Path, p.Index, t0+optimistic, w.handler)
	if !errors.Is(err, replica.ErrHandlerFailed) {
		t.Fatalf("forged message: %v", err)
	}
	if rec, _ := w.store.MessageRecord(message.Leaf(forgedRaw)); rec.Status == replica.Processed {
		t.Fatal("forged message processed")
	}
	if len(w.delivered) != 0 {
		t.Fatalf("delivered %v", w.delivered)
	}
}
