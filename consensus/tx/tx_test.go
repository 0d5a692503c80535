package tx

import (
	"bytes"
	"crypto/rand"
	"errors"
	"testing"

	"github.com/atoll-dev/atoll/consensus/codec"
	"github.com/atoll-dev/atoll/consensus/signature"
)

var chainA = bytes.Repeat([]byte{0xaa}, 32)

func testSigner(t testing.TB) *signature.Signer {
	s, err := signature.SignerFromSeed(bytes.Repeat([]byte{7}, 32))
	if err != nil {
		t.Fatal(err)
	}
	return s
}

type transferBody struct {
	To     []byte `cbor:"to"`
	Amount uint64 `cbor:"amount"`
}

func TestSignedTransaction_RoundTrip(t *testing.T) {
	s := testSigner(t)
	in := New(5, Fee{Amount: 10, Gas: 1000}, "staking.Transfer", transferBody{To: []byte{1, 2}, Amount: 9})
	wire := Sign(s, chainA, in).Encode()
	st, got, err := Decode(wire, 1<<16, chainA)
	if err != nil {
		t.Fatal(err)
	}
	if st.Signer != s.Public() || got.Nonce != 5 || got.Fee != in.Fee || got.Method != in.Method || !bytes.Equal(got.Body, in.Body) {
		t.Fatalf("round trip changed the transaction: %+v", got)
	}
	var body transferBody
	if err := codec.Unmarshal(got.Body, &body); err != nil || body.Amount != 9 {
		t.Fatalf("body %+v, %v", body, err)
	}
}

func TestDecode_Errors(t *testing.T) {
	s := testSigner(t)
	good := Sign(s, chainA, New(1, Fee{}, "staking.Transfer", transferBody{})).Encode()
	other, _ := signature.NewSigner(rand.Reader)
	forged := Sign(s, chainA, New(1, Fee{}, "staking.Transfer", transferBody{}))
	forged.Signer = other.Public()
	withMethod := func(m string) []byte { return Sign(s, chainA, New(1, Fee{}, m, transferBody{})).Encode() }
	nonCanonical := append([]byte(nil), good...)
	// A map header with a wrong (non-minimal) length encoding breaks canonicality.
	nonCanonical = append([]byte{0xb8, 0x03}, nonCanonical[1:]...)

	cases := []struct {
		name string
		wire []byte
		max  int
		want error
	}{
		{"too large", good, 10, ErrTooLarge},
		{"empty", nil, 100, ErrMalformed},
		{"garbage", []byte{0xff, 0x00}, 100, ErrMalformed},
		{"trailing bytes", append(bytes.Clone(good), 0), 1 << 16, ErrMalformed},
		{"non-canonical envelope", nonCanonical, 1 << 16, ErrNonCanonical},
		{"other chain", good, 1 << 16, nil},
		{"wrong signer", forged.Encode(), 1 << 16, ErrBadSignature},
		{"method without dot", withMethod("transfer"), 1 << 16, ErrBadMethod},
		{"method with two dots", withMethod("a.b.c"), 1 << 16, ErrBadMethod},
		{"method with space", withMethod("a.b c"), 1 << 16, ErrBadMethod},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			chain := chainA
			want := c.want
			if c.name == "other chain" {
				chain = bytes.Repeat([]byte{0xbb}, 32)
				want = ErrBadSignature
			}
			_, _, err := Decode(c.wire, c.max, chain)
			if !errors.Is(err, want) {
				t.Fatalf("got %v, want %v", err, want)
			}
		})
	}
}

func FuzzDecode(f *testing.F) {
	s := testSigner(f)
	f.Add(Sign(s, chainA, New(1, Fee{Amount: 1, Gas: 2}, "staking.Transfer", transferBody{To: []byte{1}})).Encode())
	f.Add([]byte{0xa0})
	f.Add([]byte{})
	f.Fuzz(func(t *testing.T, wire []byte) {
		st, tx, err := Decode(wire, 1<<16, chainA)
		if err != nil {
			return
		}
		// Anything accepted must re-encode to the same bytes.
		if !bytes.Equal(st.Encode(), wire) || !bytes.Equal(codec.Marshal(tx), st.Tx) {
			t.Fatal("accepted transaction is not canonical")
		}
	})
}

func BenchmarkDecode(b *testing.B) {
	s := testSigner(b)
	wire := Sign(s, chainA, New(1, Fee{Amount: 1, Gas: 2}, "staking.Transfer", transferBody{To: make([]byte, 20), Amount: 5})).Encode()
	b.ReportAllocs()
	for i := 0; i < b.N; i++ {
		if _, _, err := Decode(wire, 1<<16, chainA); err != nil {
			b.Fatal(err)
		}
	}
}

func TestDecodeBatch_MatchesDecode(t *testing.T) {
	s := testSigner(t)
	other, _ := signature.NewSigner(rand.Reader)
	var wires [][]byte
	for i := 0; i < 20; i++ {
		st := Sign(s, chainA, New(uint64(i), Fee{}, "staking.Transfer", transferBody{Amount: uint64(i)}))
		switch i % 5 {
		case 1:
			st.Signer = other.Public() // forged
		case 3:
			wires = append(wires, []byte{0xff}) // garbage
			continue
		}
		wires = append(wires, st.Encode())
	}
	got := DecodeBatch(wires, 1<<16, chainA)
	for i, w := range wires {
		_, _, err := Decode(w, 1<<16, chainA)
		if (err == nil) != (got[i].Err == nil) || (err != nil && err.Error() != got[i].Err.Error()) {
			t.Fatalf("tx %d: batch %v, single %v", i, got[i].Err, err)
		}
	}
}

func BenchmarkDecodeBatch100(b *testing.B) {
	s := testSigner(b)
	wires := make([][]byte, 100)
	for i := range wires {
		wires[i] = Sign(s, chainA, New(uint64(i), Fee{Amount: 1, Gas: 2}, "staking.Transfer", transferBody{To: make([]byte, 20), Amount: 5})).Encode()
	}
	b.ReportAllocs()
	for i := 0; i < b.N; i++ {
		for _, d := range DecodeBatch(wires, 1<<16, chainA) {
			if d.Err != nil {
				b.Fatal(d.Err)
			}
		}
	}
}
