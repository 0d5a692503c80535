package recipient

import (
	"bytes"
	"errors"
	"testing"
)

func TestHandle_Encode(t *testing.T) {
	h := Handle{Origin: 1000, Nonce: 7, Body: []byte("hello")}
	h.Sender[31] = 9
	got, err := Decode(h.Encode())
	if err != nil {
		t.Fatal(err)
	}
	if got.Origin != h.Origin || got.Nonce != h.Nonce || got.Sender != h.Sender || !bytes.Equal(got.Body, h.Body) {
		t.Fatalf("round trip: %+v != %+v", got, h)
	}
	for _, bad := range [][]byte{nil, Discriminator[:], append(Discriminator[:], make([]byte, 39)...), append(append(Discriminator[:], make([]byte, 40)...), make([]byte, 2049)...)} {
		if _, err := Decode(bad); !errors.Is(err, ErrEncoding) {
			t.Errorf("Decode(%d bytes) = %v", len(bad), err)
		}
	}
}

func FuzzDecode(f *testing.F) {
	h := Handle{Origin: 1, Nonce: 2, Body: []byte{3}}
	f.Add(h.Encode())
	f.Add([]byte{})
	f.Fuzz(func(t *testing.T, b []byte) {
		h, err := Decode(b)
		if err != nil {
			return
		}
		if !bytes.Equal(h.Encode(), b) {
			t.Fatal("decode/encode mismatch")
		}
	})
}
