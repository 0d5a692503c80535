package message

import (
	"bytes"
	"testing"
)

func FuzzDecode(f *testing.F) {
	m := sample([]byte("hello"))
	b, _ := m.Encode()
	f.Add(b)
	f.Add(make([]byte, HeaderSize))
	f.Add([]byte{1, 2, 3})
	f.Fuzz(func(t *testing.T, b []byte) {
		m, err := Decode(b)
		if err != nil {
			return
		}
		again, err := m.Encode()
		if err != nil {
			t.Fatalf("decoded message does not encode: %v", err)
		}
		if !bytes.Equal(again, b) {
			t.Fatal("round trip changed the bytes")
		}
	})
}
