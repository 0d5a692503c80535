package token

import (
	"bytes"
	"testing"

	"github.com/atoll-dev/atoll/bridge/internal/codectest"
)

func TestInstruction_Encode(t *testing.T) {
	for _, in := range []Instruction{
		{Tag: TagMint, Origin: 1000, Owner: [32]byte{1}, Amount: 5},
		{Tag: TagTransfer, Owner: [32]byte{2}, Amount: 6},
		{Tag: TagBurn, Amount: 7},
	} {
		b, err := in.Encode()
		if err != nil {
			t.Fatal(err)
		}
		got, err := DecodeInstruction(b)
		if err != nil || got != in {
			t.Fatalf("round trip: %+v, %v", got, err)
		}
		if _, err := DecodeInstruction(append(b, 0)); err == nil {
			t.Fatal("trailing byte accepted")
		}
	}
}

func FuzzDecodeInstruction(f *testing.F) {
	codectest.Codec[Instruction]{Decode: DecodeInstruction, Encode: (*Instruction).Encode}.Fuzz(f, nil, []byte{byte(TagBurn), 0, 0, 0, 0, 0, 0, 0, 1})
}

func FuzzDecodeBalance(f *testing.F) {
	f.Add(make([]byte, 50))
	f.Fuzz(func(t *testing.T, b []byte) {
		bal, err := DecodeBalance(b)
		if err == nil && !bytes.Equal(bal.encode(), b[6:]) {
			t.Fatal("balance re-encodes differently")
		}
	})
}
