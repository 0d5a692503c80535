package merkle

import (
	"bytes"
	"testing"
)

func FuzzProofUnmarshal(f *testing.F) {
	var ft FullTree
	for i := 0; i < 3; i++ {
		ft.Insert(leafN(i))
	}
	p, _ := ft.Proof(2)
	b, _ := p.MarshalBinary()
	f.Add(b)
	f.Add(make([]byte, ProofSize))
	f.Add([]byte{0})
	f.Fuzz(func(t *testing.T, b []byte) {
		var p Proof
		if err := p.UnmarshalBinary(b); err != nil {
			return
		}
		again, _ := p.MarshalBinary()
		if !bytes.Equal(again, b) {
			t.Fatal("round trip changed the bytes")
		}
		_ = p.Root()
	})
}

func FuzzTreeUnmarshal(f *testing.F) {
	var tr Tree
	tr.Insert(leafN(1))
	b, _ := tr.MarshalBinary()
	f.Add(b)
	f.Add(make([]byte, TreeSize))
	f.Fuzz(func(t *testing.T, b []byte) {
		var tr Tree
		if err := tr.UnmarshalBinary(b); err != nil {
			return
		}
		again, _ := tr.MarshalBinary()
		if !bytes.Equal(again, b) {
			t.Fatal("round trip changed the bytes")
		}
		_ = tr.Root()
		_ = tr.Insert(leafN(0))
	})
}
