package replica

import (
	"bytes"
	"errors"
	"testing"

	"github.com/atoll-dev/atoll/bridge/internal/testkeys"
	"github.com/atoll-dev/atoll/bridge/keccak"
	"github.com/atoll-dev/atoll/bridge/update"
)

// busyBridge runs the same sequence of operations every time it is called.
func busyBridge(t testing.TB) *bridge {
	b := newBridge(t)
	var leaves []uint32
	for i := 0; i < 6; i++ {
		leaves = append(leaves, b.dispatch(t, local, string(rune('a'+i))))
		if i%2 == 1 {
			b.signAndRelay(t, t0+uint64(i))
		}
	}
	now := uint64(t0 + optimistic + 10)
	for _, i := range leaves[:4] {
		p := b.proof(t, i)
		if err := b.replica.Prove(b.store, p.Leaf, &p.Path, p.Index, now); err != nil {
			t.Fatal(err)
		}
	}
	if _, err := b.replica.Process(b.store, b.raw[leaves[1]], now, nil); err != nil {
		t.Fatal(err)
	}
	return b
}

func TestReplica_MarshalBinary(t *testing.T) {
	b := busyBridge(t)
	enc, err := b.replica.MarshalBinary()
	if err != nil {
		t.Fatal(err)
	}
	var back Replica
	if err := back.UnmarshalBinary(enc); err != nil {
		t.Fatal(err)
	}
	r := b.replica
	if back.committedRoot != r.committedRoot || !back.updaters.Equal(r.updaters) || back.localDomain != r.localDomain ||
		back.remoteDomain != r.remoteDomain || back.owner != r.owner || back.optimisticSeconds != r.optimisticSeconds || back.halted != r.halted {
		t.Fatal("round trip changed the replica")
	}
	again, _ := back.MarshalBinary()
	if !bytes.Equal(again, enc) {
		t.Fatal("re-encoding differs")
	}
	for n := 0; n < len(enc); n++ {
		if err := back.UnmarshalBinary(enc[:n]); !errors.Is(err, ErrEncoding) {
			t.Fatalf("truncated to %d: %v", n, err)
		}
	}
	bad := append([]byte{}, enc...)
	bad[1] = 2
	if err := back.UnmarshalBinary(bad); !errors.Is(err, ErrEncoding) {
		t.Fatalf("halted flag 2: %v", err)
	}
	if err := back.UnmarshalBinary(append(enc, 0)); !errors.Is(err, ErrEncoding) {
		t.Fatalf("trailing byte: %v", err)
	}
}

func TestMemStore_MarshalBinary(t *testing.T) {
	b := busyBridge(t)
	enc, err := b.store.MarshalBinary()
	if err != nil {
		t.Fatal(err)
	}
	back := NewMemStore()
	if err := back.UnmarshalBinary(enc); err != nil {
		t.Fatal(err)
	}
	again, _ := back.MarshalBinary()
	if !bytes.Equal(again, enc) {
		t.Fatal("round trip changed the store")
	}
	if back.Roots() != 3 || len(back.messages) != 4 {
		t.Fatalf("%d roots, %d messages", back.Roots(), len(back.messages))
	}
	// Canonical: the same operations give the same bytes, whatever the map order.
	for i := 0; i < 10; i++ {
		other := busyBridge(t)
		o, _ := other.store.MarshalBinary()
		r1, _ := other.replica.MarshalBinary()
		r0, _ := b.replica.MarshalBinary()
		if !bytes.Equal(o, enc) || !bytes.Equal(r0, r1) {
			t.Fatal("encoding is not deterministic")
		}
	}
	for n := 0; n < len(enc); n += 7 {
		if err := back.UnmarshalBinary(enc[:n]); !errors.Is(err, ErrEncoding) {
			t.Fatalf("truncated to %d: %v", n, err)
		}
	}
}

func TestRootEntry_MarshalBinary(t *testing.T) {
	e := RootEntry{Update: *testkeys.Quorum(update.Update{HomeDomain: origin, OldRoot: keccak.Hash{1}, NewRoot: keccak.Hash{2}}, 1, 2), ConfirmAt: 77}
	enc, _ := e.MarshalBinary()
	var back RootEntry
	if err := back.UnmarshalBinary(enc); err != nil || back.ConfirmAt != 77 || back.Root() != e.Root() || len(back.Update.Signatures) != 2 {
		t.Fatalf("round trip: %+v, %v", back, err)
	}
	zero := e
	zero.Update.NewRoot = keccak.Zero
	enc, _ = zero.MarshalBinary()
	if err := back.UnmarshalBinary(enc); !errors.Is(err, ErrEncoding) {
		t.Fatalf("entry for 0x0: %v", err)
	}
}

func TestMessageRecord_MarshalBinary(t *testing.T) {
	tests := []struct {
		name    string
		rec     MessageRecord
		wantErr error
	}{
		{"proven", MessageRecord{Proven, keccak.Hash{1}}, nil},
		{"processed", MessageRecord{Processed, keccak.Hash{1}}, nil},
		{"none", MessageRecord{None, keccak.Hash{1}}, ErrEncoding},
		{"unknown status", MessageRecord{3, keccak.Hash{1}}, ErrEncoding},
		{"under 0x0", MessageRecord{Proven, keccak.Zero}, ErrEncoding},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			enc, err := tt.rec.MarshalBinary()
			if !errors.Is(err, tt.wantErr) {
				t.Fatalf("err = %v, want %v", err, tt.wantErr)
			}
			raw := append([]byte{byte(tt.rec.Status)}, tt.rec.Root[:]...)
			var back MessageRecord
			if err := back.UnmarshalBinary(raw); !errors.Is(err, tt.wantErr) {
				t.Fatalf("decode err = %v, want %v", err, tt.wantErr)
			}
			if err == nil && (back != tt.rec || !bytes.Equal(enc, raw)) {
				t.Fatal("round trip")
			}
		})
	}
}

func FuzzReplicaUnmarshal(f *testing.F) {
	b := newBridge(f)
	enc, _ := b.replica.MarshalBinary()
	f.Add(enc)
	f.Fuzz(func(t *testing.T, enc []byte) {
		var r Replica
		if err := r.UnmarshalBinary(enc); err != nil {
			return
		}
		again, err := r.MarshalBinary()
		if err != nil || !bytes.Equal(again, enc) {
			t.Fatalf("round trip: %v", err)
		}
		if r.CommittedRoot().IsZero() {
			t.Fatal("decoded a zero committed root")
		}
	})
}

func FuzzMemStoreUnmarshal(f *testing.F) {
	b := busyBridge(f)
	enc, _ := b.store.MarshalBinary()
	f.Add(enc)
	f.Add([]byte{1, 0, 0, 0, 0, 0, 0, 0, 0})
	f.Fuzz(func(t *testing.T, enc []byte) {
		s := NewMemStore()
		if err := s.UnmarshalBinary(enc); err != nil {
			return
		}
		again, err := s.MarshalBinary()
		if err != nil || !bytes.Equal(again, enc) {
			t.Fatalf("round trip: %v", err)
		}
		if _, ok, _ := s.RootEntry(keccak.Zero); ok {
			t.Fatal("decoded a history entry for 0x0")
		}
	})
}

func FuzzRootEntryUnmarshal(f *testing.F) {
	e := RootEntry{Update: *testkeys.Quorum(update.Update{HomeDomain: origin, NewRoot: keccak.Hash{2}}, 1), ConfirmAt: 5}
	enc, _ := e.MarshalBinary()
	f.Add(enc)
	f.Fuzz(func(t *testing.T, enc []byte) {
		var e RootEntry
		if err := e.UnmarshalBinary(enc); err != nil {
			return
		}
		again, err := e.MarshalBinary()
		if err != nil || !bytes.Equal(again, enc) {
			t.Fatalf("round trip: %v", err)
		}
	})
}

func FuzzMessageRecordUnmarshal(f *testing.F) {
	f.Add(append([]byte{1}, make([]byte, 32)...))
	f.Add(append([]byte{2}, bytes.Repeat([]byte{7}, 32)...))
	f.Fuzz(func(t *testing.T, enc []byte) {
		var m MessageRecord
		if err := m.UnmarshalBinary(enc); err != nil {
			return
		}
		if m.Root.IsZero() || (m.Status != Proven && m.Status != Processed) {
			t.Fatalf("decoded an invalid record %+v", m)
		}
	})
}
