package tokenbridge

import (
	"bytes"
	"testing"
)

func TestTransfer_Encode(t *testing.T) {
	tr := Transfer{AssetOrigin: 1000, Recipient: [32]byte{1}, Amount: 5}
	got, err := DecodeTransfer(tr.Encode())
	if err != nil || got != tr {
		t.Fatalf("round trip %+v %v", got, err)
	}
	s := Send{Destination: 2000, Recipient: [32]byte{2}, Amount: 9, AssetOrigin: 1000}
	gs, err := DecodeSend(s.Encode())
	if err != nil || gs != s {
		t.Fatalf("round trip %+v %v", gs, err)
	}
}

func FuzzDecodeTransfer(f *testing.F) {
	f.Add(make([]byte, BodySize))
	f.Fuzz(func(t *testing.T, b []byte) {
		tr, err := DecodeTransfer(b)
		if err == nil && !bytes.Equal(tr.Encode(), b) {
			t.Fatal("re-encodes differently")
		}
	})
}

func FuzzDecodeSend(f *testing.F) {
	f.Add((&Send{Destination: 1}).Encode())
	f.Fuzz(func(t *testing.T, b []byte) {
		s, err := DecodeSend(b)
		if err == nil && !bytes.Equal(s.Encode(), b) {
			t.Fatal("re-encodes differently")
		}
	})
}
