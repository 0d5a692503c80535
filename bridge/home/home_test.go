package home

import (
	"bytes"
	"errors"
	"testing"

	"github.com/atoll-dev/atoll/bridge/internal/testkeys"
	"github.com/atoll-dev/atoll/bridge/keccak"
	"github.com/atoll-dev/atoll/bridge/merkle"
	"github.com/atoll-dev/atoll/bridge/message"
	"github.com/atoll-dev/atoll/bridge/update"
	"github.com/atoll-dev/atoll/runtime/svm/sol"
)

const local, remote = 1000, 2000

var owner = sol.Pubkey{1}

// newHome returns a Home with a 2-of-3 updater set of keys 1, 2 and 3.
func newHome(t *testing.T) *Home {
	t.Helper()
	h, err := New(Config{LocalDomain: local, Owner: owner, Updaters: testkeys.Set(t, 2, 1, 2, 3)})
	if err != nil {
		t.Fatal(err)
	}
	return h
}

func dispatchN(t *testing.T, h *Home, n int) []Dispatched {
	t.Helper()
	var out []Dispatched
	for i := 0; i < n; i++ {
		d, err := h.Dispatch(keccak.Hash{0xaa}, remote, keccak.Hash{0xbb}, []byte{byte(i)})
		if err != nil {
			t.Fatal(err)
		}
		out = append(out, d)
	}
	return out
}

func TestNew(t *testing.T) {
	h := newHome(t)
	if h.CommittedRoot() != merkle.EmptyRoot() || h.CommittedRoot().IsZero() {
		t.Fatalf("initial committed root %s, want the empty-tree root", h.CommittedRoot())
	}
	if _, ok := h.SuggestUpdate(); ok {
		t.Fatal("suggested an update with nothing queued")
	}
	if _, err := New(Config{LocalDomain: local, Updaters: testkeys.Set(t, 1, 1)}); !errors.Is(err, ErrConfig) {
		t.Fatalf("zero owner: %v", err)
	}
	if _, err := New(Config{LocalDomain: local, Owner: owner}); !errors.Is(err, ErrConfig) {
		t.Fatalf("no updaters: %v", err)
	}
}

func TestHome_Dispatch(t *testing.T) {
	h := newHome(t)
	var ft merkle.FullTree
	for i, dest := range []uint32{remote, remote, 3000, remote} {
		d, err := h.Dispatch(keccak.Hash{0xaa}, dest, keccak.Hash{0xbb}, []byte("hi"))
		if err != nil {
			t.Fatal(err)
		}
		wantNonce := map[int]uint32{0: 0, 1: 1, 2: 0, 3: 2}[i]
		if d.Message.Nonce != wantNonce || d.LeafIndex != uint32(i) || d.Message.Origin != local {
			t.Fatalf("dispatch %d: nonce %d index %d", i, d.Message.Nonce, d.LeafIndex)
		}
		if d.DestinationAndNonce != message.DestinationAndNonce(dest, wantNonce) {
			t.Fatal("destinationAndNonce")
		}
		if message.Leaf(d.Raw) != d.Leaf {
			t.Fatal("leaf is not keccak of the raw message")
		}
		ft.Insert(d.Leaf)
		if d.Root != ft.Root() || h.Root() != ft.Root() {
			t.Fatal("root disagrees with a full tree")
		}
	}
	if h.Nonce(remote) != 3 || h.Nonce(3000) != 1 || h.Nonce(4000) != 0 || len(h.Queue()) != 4 {
		t.Fatalf("nonces %d %d, queue %d", h.Nonce(remote), h.Nonce(3000), len(h.Queue()))
	}
	u, ok := h.SuggestUpdate()
	if !ok || u.OldRoot != merkle.EmptyRoot() || u.NewRoot != h.Root() || u.HomeDomain != local {
		t.Fatalf("SuggestUpdate = %+v, %v", u, ok)
	}

	tests := []struct {
		name    string
		dest    uint32
		body    []byte
		wantErr error
	}{
		{"body too long", remote, make([]byte, message.MaxBodySize+1), message.ErrBodyTooLong},
		{"to itself", local, nil, ErrDestination},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			before, _ := h.MarshalBinary()
			if _, err := h.Dispatch(keccak.Hash{}, tt.dest, keccak.Hash{}, tt.body); !errors.Is(err, tt.wantErr) {
				t.Fatalf("err = %v, want %v", err, tt.wantErr)
			}
			after, _ := h.MarshalBinary()
			if !bytes.Equal(before, after) {
				t.Fatal("a failed dispatch changed the state")
			}
		})
	}
}

func TestHome_Update(t *testing.T) {
	type result struct {
		err   error
		fraud FraudKind
	}
	tests := []struct {
		name string
		// build returns the update to submit, given the dispatched roots.
		build   func(roots []keccak.Hash) *update.QuorumUpdate
		want    result
		slashed []update.Address
		// committed is the index of the expected committed root in roots, or -1.
		committed int
	}{
		{"quorum to the newest root", func(r []keccak.Hash) *update.QuorumUpdate {
			return testkeys.Quorum(update.Update{HomeDomain: local, OldRoot: merkle.EmptyRoot(), NewRoot: r[2]}, 1, 2)
		}, result{}, nil, 2},
		{"quorum to an intermediate root", func(r []keccak.Hash) *update.QuorumUpdate {
			return testkeys.Quorum(update.Update{HomeDomain: local, OldRoot: merkle.EmptyRoot(), NewRoot: r[0]}, 3, 1)
		}, result{}, nil, 0},
		{"quorum short by one", func(r []keccak.Hash) *update.QuorumUpdate {
			return testkeys.Quorum(update.Update{HomeDomain: local, OldRoot: merkle.EmptyRoot(), NewRoot: r[2]}, 1)
		}, result{err: update.ErrQuorum}, nil, -1},
		{"duplicated signer", func(r []keccak.Hash) *update.QuorumUpdate {
			return testkeys.Quorum(update.Update{HomeDomain: local, OldRoot: merkle.EmptyRoot(), NewRoot: r[2]}, 1, 1)
		}, result{err: update.ErrDuplicateSigner}, nil, -1},
		{"non-member signer", func(r []keccak.Hash) *update.QuorumUpdate {
			return testkeys.Quorum(update.Update{HomeDomain: local, OldRoot: merkle.EmptyRoot(), NewRoot: r[2]}, 1, 9)
		}, result{err: update.ErrNotMember}, nil, -1},
		{"high-s signature", func(r []keccak.Hash) *update.QuorumUpdate {
			q := testkeys.Quorum(update.Update{HomeDomain: local, OldRoot: merkle.EmptyRoot(), NewRoot: r[2]}, 1, 2)
			q.Signatures[1] = testkeys.HighS(q.Signatures[1])
			return q
		}, result{err: update.ErrHighS}, nil, -1},
		{"other home domain", func(r []keccak.Hash) *update.QuorumUpdate {
			return testkeys.Quorum(update.Update{HomeDomain: remote, OldRoot: merkle.EmptyRoot(), NewRoot: r[2]}, 1, 2)
		}, result{err: ErrDomain}, nil, -1},
		{"from the zero root", func(r []keccak.Hash) *update.QuorumUpdate {
			return testkeys.Quorum(update.Update{HomeDomain: local, NewRoot: r[2]}, 1, 2)
		}, result{err: ErrNotCurrent}, nil, -1},
		{"improper update by a quorum", func(r []keccak.Hash) *update.QuorumUpdate {
			return testkeys.Quorum(update.Update{HomeDomain: local, OldRoot: merkle.EmptyRoot(), NewRoot: keccak.Hash{0xee}}, 1, 2)
		}, result{fraud: ImproperUpdate}, []update.Address{testkeys.Addr(1), testkeys.Addr(2)}, -1},
		{"improper update by one updater", func(r []keccak.Hash) *update.QuorumUpdate {
			return testkeys.Quorum(update.Update{HomeDomain: local, OldRoot: merkle.EmptyRoot(), NewRoot: keccak.Hash{0xee}}, 3)
		}, result{fraud: ImproperUpdate}, []update.Address{testkeys.Addr(3)}, -1},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			h := newHome(t)
			var roots []keccak.Hash
			for _, d := range dispatchN(t, h, 3) {
				roots = append(roots, d.Root)
			}
			before, _ := h.MarshalBinary()
			fraud, err := h.Update(tt.build(roots))
			if !errors.Is(err, tt.want.err) {
				t.Fatalf("err = %v, want %v", err, tt.want.err)
			}
			if err != nil {
				after, _ := h.MarshalBinary()
				if !bytes.Equal(before, after) {
					t.Fatal("a rejected update changed the state")
				}
				return
			}
			if tt.want.fraud != 0 {
				if fraud == nil || fraud.Kind != tt.want.fraud || !h.Failed() {
					t.Fatalf("fraud = %+v, failed %v", fraud, h.Failed())
				}
				if len(fraud.Slashed) != len(tt.slashed) {
					t.Fatalf("slashed %v, want %v", fraud.Slashed, tt.slashed)
				}
				for i := range tt.slashed {
					if fraud.Slashed[i] != tt.slashed[i] {
						t.Fatalf("slashed %v, want %v", fraud.Slashed, tt.slashed)
					}
				}
				if _, err := h.Dispatch(keccak.Hash{}, remote, keccak.Hash{}, nil); !errors.Is(err, ErrFailed) {
					t.Fatalf("dispatch on a failed home: %v", err)
				}
				return
			}
			if fraud != nil {
				t.Fatalf("unexpected fraud %+v", fraud)
			}
			if h.CommittedRoot() != roots[tt.committed] {
				t.Fatal("committed root not advanced")
			}
			if got := len(h.Queue()); got != 2-tt.committed {
				t.Fatalf("queue has %d roots", got)
			}
		})
	}
}

func TestHome_ImproperUpdate(t *testing.T) {
	h := newHome(t)
	d := dispatchN(t, h, 2)
	proper := testkeys.Quorum(update.Update{HomeDomain: local, OldRoot: merkle.EmptyRoot(), NewRoot: d[1].Root}, 1, 2)
	if _, err := h.ImproperUpdate(proper); !errors.Is(err, ErrNotFraud) {
		t.Fatalf("proper update reported as fraud: %v", err)
	}
	improper := testkeys.Quorum(update.Update{HomeDomain: local, OldRoot: merkle.EmptyRoot(), NewRoot: keccak.Hash{7}}, 2)
	fraud, err := h.ImproperUpdate(improper)
	if err != nil || fraud.Kind != ImproperUpdate || !h.Failed() || fraud.Slashed[0] != testkeys.Addr(2) {
		t.Fatalf("fraud %+v, err %v", fraud, err)
	}
	if _, err := h.ImproperUpdate(improper); !errors.Is(err, ErrFailed) {
		t.Fatalf("second proof on a failed home: %v", err)
	}
}

func TestHome_DoubleUpdate(t *testing.T) {
	base := update.Update{HomeDomain: local, OldRoot: keccak.Hash{1}, NewRoot: keccak.Hash{2}}
	other := base
	other.NewRoot = keccak.Hash{3}
	tests := []struct {
		name    string
		a, b    *update.QuorumUpdate
		slashed []update.Address
		wantErr error
	}{
		{"by a quorum", testkeys.Quorum(base, 1, 2), testkeys.Quorum(other, 2, 3), []update.Address{testkeys.Addr(2)}, nil},
		{"by a single updater", testkeys.Quorum(base, 3), testkeys.Quorum(other, 3), []update.Address{testkeys.Addr(3)}, nil},
		{"by the whole set", testkeys.Quorum(base, 1, 2, 3), testkeys.Quorum(other, 3, 2, 1), []update.Address{testkeys.Addr(1), testkeys.Addr(2), testkeys.Addr(3)}, nil},
		{"different updaters", testkeys.Quorum(base, 1), testkeys.Quorum(other, 2), nil, ErrNotFraud},
		{"same new root", testkeys.Quorum(base, 1), testkeys.Quorum(base, 1, 2), nil, ErrNotFraud},
		{"different old roots", testkeys.Quorum(base, 1), testkeys.Quorum(update.Update{HomeDomain: local, OldRoot: keccak.Hash{9}, NewRoot: keccak.Hash{3}}, 1), nil, ErrNotFraud},
		{"non-member", testkeys.Quorum(base, 8), testkeys.Quorum(other, 8), nil, update.ErrNotMember},
		{"other domain", testkeys.Quorum(update.Update{HomeDomain: remote, NewRoot: keccak.Hash{2}}, 1), testkeys.Quorum(update.Update{HomeDomain: remote, NewRoot: keccak.Hash{3}}, 1), nil, ErrDomain},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			h := newHome(t)
			fraud, err := h.DoubleUpdate(tt.a, tt.b)
			if !errors.Is(err, tt.wantErr) {
				t.Fatalf("err = %v, want %v", err, tt.wantErr)
			}
			if err != nil {
				if h.Failed() {
					t.Fatal("a rejected proof failed the home")
				}
				return
			}
			if !h.Failed() || fraud.Kind != DoubleUpdate || len(fraud.Evidence) != 2 {
				t.Fatalf("fraud %+v", fraud)
			}
			if len(fraud.Slashed) != len(tt.slashed) {
				t.Fatalf("slashed %v, want %v", fraud.Slashed, tt.slashed)
			}
			for i := range tt.slashed {
				if fraud.Slashed[i] != tt.slashed[i] {
					t.Fatalf("slashed %v, want %v", fraud.Slashed, tt.slashed)
				}
			}
		})
	}
}

func TestHome_SetUpdaters(t *testing.T) {
	h := newHome(t)
	next := testkeys.Set(t, 1, 7)
	if err := h.SetUpdaters(sol.Pubkey{2}, next); !errors.Is(err, ErrNotOwner) {
		t.Fatalf("stranger: %v", err)
	}
	if err := h.SetUpdaters(owner, next); err != nil {
		t.Fatal(err)
	}
	d := dispatchN(t, h, 1)
	if _, err := h.Update(testkeys.Quorum(update.Update{HomeDomain: local, OldRoot: merkle.EmptyRoot(), NewRoot: d[0].Root}, 1, 2)); !errors.Is(err, update.ErrNotMember) {
		t.Fatalf("old set still accepted: %v", err)
	}
	if _, err := h.Update(testkeys.Quorum(update.Update{HomeDomain: local, OldRoot: merkle.EmptyRoot(), NewRoot: d[0].Root}, 7)); err != nil {
		t.Fatalf("new set refused: %v", err)
	}
	if err := h.SetOwner(owner, sol.Pubkey{5}); err != nil || h.Owner() != (sol.Pubkey{5}) {
		t.Fatalf("SetOwner: %v", err)
	}
	if err := h.SetOwner(owner, sol.Pubkey{6}); !errors.Is(err, ErrNotOwner) {
		t.Fatalf("former owner: %v", err)
	}
}
