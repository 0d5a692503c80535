package replica

import (
	"testing"

	"github.com/atoll-dev/atoll/bridge/home"
	"github.com/atoll-dev/atoll/bridge/internal/testkeys"
	"github.com/atoll-dev/atoll/bridge/keccak"
	"github.com/atoll-dev/atoll/bridge/merkle"
	"github.com/atoll-dev/atoll/bridge/message"
	"github.com/atoll-dev/atoll/bridge/update"
	"github.com/atoll-dev/atoll/runtime/svm/sol"
)

const (
	origin     = 1000 // the Home's domain
	local      = 2000 // this Replica's domain
	optimistic = 1800
	t0         = 1_700_000_000 // Clock time of the first update
)

var owner = sol.Pubkey{9}

// bridge is a Home on domain 1000 and a Replica of it on domain 2000, with
// a 2-of-3 updater set of test keys 1, 2, 3 on both, and a full tree that
// mirrors the Home for building proofs, as the processor agent would.
type bridge struct {
	home    *home.Home
	replica *Replica
	store   *MemStore
	tree    merkle.FullTree
	raw     [][]byte // dispatched messages, by leaf index
}

func newBridge(t testing.TB) *bridge {
	t.Helper()
	set := testkeys.Set(t, 2, 1, 2, 3)
	h, err := home.New(home.Config{LocalDomain: origin, Owner: owner, Updaters: set})
	if err != nil {
		t.Fatal(err)
	}
	r, err := New(Config{
		LocalDomain: local, RemoteDomain: origin, Owner: owner, Updaters: set,
		OptimisticSeconds: optimistic, CommittedRoot: h.CommittedRoot(),
	})
	if err != nil {
		t.Fatal(err)
	}
	return &bridge{home: h, replica: r, store: NewMemStore()}
}

// dispatch sends a message to destination and returns its leaf index.
func (b *bridge) dispatch(t testing.TB, destination uint32, body string) uint32 {
	t.Helper()
	d, err := b.home.Dispatch(keccak.Hash{0x5e}, destination, keccak.Hash{0x7e}, []byte(body))
	if err != nil {
		t.Fatal(err)
	}
	b.tree.Insert(d.Leaf)
	b.raw = append(b.raw, d.Raw)
	return d.LeafIndex
}

// signAndRelay has updaters 1 and 2 sign the Home's suggested update,
// submits it to the Home and relays it to the Replica at time now.
func (b *bridge) signAndRelay(t testing.TB, now uint64) *update.QuorumUpdate {
	t.Helper()
	u, ok := b.home.SuggestUpdate()
	if !ok {
		t.Fatal("nothing to update")
	}
	q := testkeys.Quorum(u, 1, 2)
	if fraud, err := b.home.Update(q); err != nil || fraud != nil {
		t.Fatalf("home update: %v %v", fraud, err)
	}
	if err := b.replica.Update(b.store, q, now); err != nil {
		t.Fatalf("replica update: %v", err)
	}
	return q
}

func (b *bridge) proof(t testing.TB, index uint32) merkle.Proof {
	t.Helper()
	p, err := b.tree.Proof(index)
	if err != nil {
		t.Fatal(err)
	}
	return p
}

// deliveries records what a handler received.
type deliveries struct{ bodies []string }

func (d *deliveries) handler() Handler {
	return func(m msg) error { d.bodies = append(d.bodies, string(m.Body)); return nil }
}

type msg = message.Message
