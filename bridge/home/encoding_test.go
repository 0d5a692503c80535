package home

import (
	"bytes"
	"encoding/binary"
	"errors"
	"testing"

	"github.com/atoll-dev/atoll/bridge/keccak"
)

func busyHome(t *testing.T) *Home {
	t.Helper()
	h := newHome(t)
	for i, dest := range []uint32{5, remote, 3, remote, 77} {
		if _, err := h.Dispatch(keccak.Hash{byte(i)}, dest, keccak.Hash{0xbb}, []byte{byte(i)}); err != nil {
			t.Fatal(err)
		}
	}
	return h
}

func TestHome_MarshalBinary(t *testing.T) {
	h := busyHome(t)
	b, err := h.MarshalBinary()
	if err != nil {
		t.Fatal(err)
	}
	var back Home
	if err := back.UnmarshalBinary(b); err != nil {
		t.Fatal(err)
	}
	again, _ := back.MarshalBinary()
	if !bytes.Equal(again, b) {
		t.Fatal("round trip changed the encoding")
	}
	if back.Root() != h.Root() || back.Nonce(remote) != 2 || back.Nonce(77) != 1 || len(back.Queue()) != 5 ||
		!back.Updaters().Equal(h.Updaters()) || back.CommittedRoot() != h.CommittedRoot() || back.Owner() != owner {
		t.Fatal("decoded state differs")
	}
	// Canonical: the same history gives the same bytes, whatever the map order.
	for i := 0; i < 20; i++ {
		other, _ := busyHome(t).MarshalBinary()
		if !bytes.Equal(other, b) {
			t.Fatal("encoding is not deterministic")
		}
	}
	// Every truncation is an error, never a panic.
	for n := 0; n < len(b); n++ {
		if err := back.UnmarshalBinary(b[:n]); !errors.Is(err, ErrEncoding) {
			t.Fatalf("truncated to %d: %v", n, err)
		}
	}
}

func TestHome_UnmarshalBinary_rejects(t *testing.T) {
	good, _ := busyHome(t).MarshalBinary()
	setEnd := 1098 + busyHome(t).Updaters().Size()
	tests := []struct {
		name  string
		alter func(b []byte) []byte
	}{
		{"version", func(b []byte) []byte { b[0] = 2; return b }},
		{"failed flag", func(b []byte) []byte { b[1] = 2; return b }},
		{"zero owner", func(b []byte) []byte { copy(b[6:38], make([]byte, 32)); return b }},
		{"zero committed root", func(b []byte) []byte { copy(b[38:70], make([]byte, 32)); return b }},
		{"trailing byte", func(b []byte) []byte { return append(b, 0) }},
		{"unsorted nonces", func(b []byte) []byte {
			binary.BigEndian.PutUint32(b[setEnd+4:], 99) // first destination above the second
			return b
		}},
		{"zero nonce entry", func(b []byte) []byte { binary.BigEndian.PutUint32(b[setEnd+8:], 0); return b }},
		{"zero queued root", func(b []byte) []byte { copy(b[len(b)-32:], make([]byte, 32)); return b }},
		{"huge queue count", func(b []byte) []byte {
			binary.BigEndian.PutUint32(b[len(b)-5*32-4:], 1<<31)
			return b
		}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			b := tt.alter(append([]byte{}, good...))
			var h Home
			if err := h.UnmarshalBinary(b); !errors.Is(err, ErrEncoding) {
				t.Fatalf("err = %v, want ErrEncoding", err)
			}
		})
	}
}

func FuzzHomeUnmarshal(f *testing.F) {
	h, _ := New(Config{LocalDomain: local, Owner: owner, Updaters: mustFuzzSet()})
	b, _ := h.MarshalBinary()
	f.Add(b)
	h.Dispatch(keccak.Hash{1}, remote, keccak.Hash{2}, []byte("x"))
	b, _ = h.MarshalBinary()
	f.Add(b)
	f.Fuzz(func(t *testing.T, b []byte) {
		var h Home
		if err := h.UnmarshalBinary(b); err != nil {
			return
		}
		again, err := h.MarshalBinary()
		if err != nil || !bytes.Equal(again, b) {
			t.Fatalf("decoded state does not re-encode to its bytes: %v", err)
		}
		_, _ = h.Dispatch(keccak.Hash{1}, h.LocalDomain()+1, keccak.Hash{2}, nil)
	})
}
