package replica

import (
	"errors"
	"testing"

	"github.com/atoll-dev/atoll/bridge/internal/testkeys"
	"github.com/atoll-dev/atoll/bridge/keccak"
	"github.com/atoll-dev/atoll/bridge/update"
)

func TestReplica_DoubleUpdate(t *testing.T) {
	old := keccak.Hash{1}
	a := update.Update{HomeDomain: origin, OldRoot: old, NewRoot: keccak.Hash{2}}
	c := update.Update{HomeDomain: origin, OldRoot: old, NewRoot: keccak.Hash{3}}
	tests := []struct {
		name         string
		x, y         *update.QuorumUpdate
		equivocators []update.Address
		wantErr      error
	}{
		{"two quorum updates", testkeys.Quorum(a, 1, 2), testkeys.Quorum(c, 3, 2), []update.Address{testkeys.Addr(2)}, nil},
		{"one updater signing two", testkeys.Quorum(a, 1), testkeys.Quorum(c, 1), []update.Address{testkeys.Addr(1)}, nil},
		{"distinct lone signers", testkeys.Quorum(a, 1), testkeys.Quorum(c, 2), nil, ErrNotFraud},
		{"same new root", testkeys.Quorum(a, 1, 2), testkeys.Quorum(a, 2, 3), nil, ErrNotFraud},
		{"non-member on one side", testkeys.Quorum(a, 1, 7), testkeys.Quorum(c, 1), nil, update.ErrNotMember},
		{"high-s on one side", func() *update.QuorumUpdate {
			q := testkeys.Quorum(a, 1)
			q.Signatures[0] = testkeys.HighS(q.Signatures[0])
			return q
		}(), testkeys.Quorum(c, 1), nil, update.ErrHighS},
		{"other home", testkeys.Quorum(update.Update{HomeDomain: 5, NewRoot: keccak.Hash{2}}, 1), testkeys.Quorum(update.Update{HomeDomain: 5, NewRoot: keccak.Hash{3}}, 1), nil, ErrDomain},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			b := newBridge(t)
			fraud, err := b.replica.DoubleUpdate(tt.x, tt.y)
			if !errors.Is(err, tt.wantErr) {
				t.Fatalf("err = %v, want %v", err, tt.wantErr)
			}
			if err != nil {
				if b.replica.Halted() {
					t.Fatal("a rejected proof halted the replica")
				}
				return
			}
			if !b.replica.Halted() || len(fraud.Equivocators) != len(tt.equivocators) {
				t.Fatalf("fraud %+v, halted %v", fraud, b.replica.Halted())
			}
			for i := range tt.equivocators {
				if fraud.Equivocators[i] != tt.equivocators[i] {
					t.Fatalf("equivocators %v, want %v", fraud.Equivocators, tt.equivocators)
				}
			}
		})
	}
}

// TestReplica_DoubleUpdateFromHistory: updaters 1 and 2 relay a fraudulent
// root to the Replica, then 2 and 3 sign the true root from the same old
// root. Anyone can halt the Replica with the true update and the history,
// before the fraudulent root confirms, and nothing is ever processed.
func TestReplica_DoubleUpdateFromHistory(t *testing.T) {
	b := newBridge(t)
	i := b.dispatch(t, local, "honest")
	honest, _ := b.home.SuggestUpdate()

	// The forged tree: the attacker's own message, under a root the Home never had.
	forgedRaw := append([]byte{}, b.raw[i]...)
	forgedRaw[len(forgedRaw)-1] ^= 0xff
	var forged fullTreeOf
	forged.insert(forgedRaw)
	fraudulent := honest
	fraudulent.NewRoot = forged.root()
	if err := b.replica.Update(b.store, testkeys.Quorum(fraudulent, 1, 2), t0); err != nil {
		t.Fatal(err)
	}

	// A watcher sees it within the window and submits the true update.
	fraud, err := b.replica.DoubleUpdateFromHistory(b.store, fraudulent.NewRoot, testkeys.Quorum(honest, 2, 3))
	if err != nil || fraud.Equivocators[0] != testkeys.Addr(2) || !b.replica.Halted() {
		t.Fatalf("fraud %+v, err %v", fraud, err)
	}
	after := uint64(t0 + 10*optimistic)
	if ok, _ := b.replica.AcceptableRoot(b.store, fraudulent.NewRoot, after); ok {
		t.Fatal("a halted replica accepts a root")
	}
	p := forged.proof(t)
	if _, err := b.replica.ProveAndProcess(b.store, forgedRaw, &p.Path, p.Index, after, nil); !errors.Is(err, ErrHalted) {
		t.Fatalf("forged message after halt: %v", err)
	}
	if err := b.replica.Update(b.store, testkeys.Quorum(update.Update{HomeDomain: origin, OldRoot: fraudulent.NewRoot, NewRoot: keccak.Hash{4}}, 1, 2), after); !errors.Is(err, ErrHalted) {
		t.Fatalf("update after halt: %v", err)
	}
	if _, err := b.replica.DoubleUpdateFromHistory(b.store, keccak.Hash{8}, testkeys.Quorum(honest, 2)); !errors.Is(err, ErrHalted) && !errors.Is(err, ErrNotFraud) {
		t.Fatalf("second proof: %v", err)
	}
}

func TestReplica_halted_refusesEverything(t *testing.T) {
	b := newBridge(t)
	i := b.dispatch(t, local, "proven before the halt")
	b.signAndRelay(t, t0)
	now := uint64(t0 + optimistic)
	p := b.proof(t, i)
	if err := b.replica.Prove(b.store, p.Leaf, &p.Path, p.Index, now); err != nil {
		t.Fatal(err)
	}
	a := update.Update{HomeDomain: origin, OldRoot: keccak.Hash{1}, NewRoot: keccak.Hash{2}}
	c := a
	c.NewRoot = keccak.Hash{3}
	if _, err := b.replica.DoubleUpdate(testkeys.Quorum(a, 3), testkeys.Quorum(c, 3)); err != nil {
		t.Fatal(err)
	}
	if _, err := b.replica.Process(b.store, b.raw[i], now, nil); !errors.Is(err, ErrHalted) {
		t.Fatalf("process of a proven message after halt: %v", err)
	}
	if ok, err := b.replica.AcceptableRoot(b.store, b.tree.Root(), now); ok || err != nil {
		t.Fatalf("AcceptableRoot after halt = %v, %v", ok, err)
	}
	if _, err := b.replica.DoubleUpdate(testkeys.Quorum(a, 3), testkeys.Quorum(c, 3)); !errors.Is(err, ErrHalted) {
		t.Fatalf("second halt: %v", err)
	}
}
