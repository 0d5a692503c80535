package sol

import (
	"bytes"
	"errors"
	"testing"
)

func TestAccount_BinaryRoundTrip(t *testing.T) {
	cases := []Account{
		{},
		{Lamports: 1, RentEpoch: ^uint64(0), Owner: Pubkey{1, 2, 3}, Executable: true, Data: []byte("hello")},
		{Lamports: 1 << 63, Data: make([]byte, 1000)},
	}
	for i, a := range cases {
		b, err := a.MarshalBinary()
		if err != nil {
			t.Fatalf("case %d: %v", i, err)
		}
		var got Account
		if err := got.UnmarshalBinary(b); err != nil {
			t.Fatalf("case %d: %v", i, err)
		}
		if !got.Equal(&a) {
			t.Fatalf("case %d: round trip changed the account: %+v != %+v", i, got, a)
		}
		again, _ := got.MarshalBinary()
		if !bytes.Equal(again, b) {
			t.Fatalf("case %d: encoding is not canonical", i)
		}
	}
}

func TestAccount_UnmarshalRejects(t *testing.T) {
	good, _ := (&Account{Lamports: 5, Data: []byte{1, 2}}).MarshalBinary()
	bad := map[string][]byte{
		"short":        good[:10],
		"version":      append([]byte{9}, good[1:]...),
		"exec flag":    func() []byte { b := bytes.Clone(good); b[1+8+8+32] = 2; return b }(),
		"long data":    append(bytes.Clone(good), 0),
		"missing data": good[:len(good)-1],
	}
	for name, b := range bad {
		var a Account
		if err := a.UnmarshalBinary(b); !errors.Is(err, ErrAccountEncoding) {
			t.Errorf("%s: got %v, want ErrAccountEncoding", name, err)
		}
	}
}

func FuzzAccount_UnmarshalBinary(f *testing.F) {
	good, _ := (&Account{Lamports: 5, Data: []byte{1, 2}}).MarshalBinary()
	f.Add(good)
	f.Add([]byte{})
	f.Fuzz(func(t *testing.T, b []byte) {
		var a Account
		if err := a.UnmarshalBinary(b); err != nil {
			return
		}
		again, err := a.MarshalBinary()
		if err != nil || !bytes.Equal(again, b) {
			t.Fatalf("accepted a non-canonical encoding")
		}
	})
}
