package codectest

import (
	"bytes"
	"testing"
)

// Codec is a wire format's decoder and encoder; Encode is usually a method
// expression such as (*Instruction).Encode.
type Codec[T any] struct {
	Decode func([]byte) (T, error)
	Encode func(*T) ([]byte, error)
}

// RoundTrip encodes each sample, decodes it and checks that the result
// re-encodes to the same bytes; it returns the samples' encodings.
func (c Codec[T]) RoundTrip(t testing.TB, samples []T) [][]byte {
	t.Helper()
	var out [][]byte
	for i := range samples {
		b, err := c.Encode(&samples[i])
		if err != nil {
			t.Fatalf("sample %d: encode: %v", i, err)
		}
		got, err := c.Decode(b)
		if err != nil {
			t.Fatalf("sample %d: decode: %v", i, err)
		}
		again, err := c.Encode(&got)
		if err != nil || !bytes.Equal(again, b) {
			t.Fatalf("sample %d: round trip differs (%v)\n got %x\nwant %x", i, err, again, b)
		}
		out = append(out, b)
	}
	return out
}

// Canonical fails t when Decode accepts b but the value does not re-encode
// to b.
func (c Codec[T]) Canonical(t *testing.T, b []byte) {
	t.Helper()
	v, err := c.Decode(b)
	if err != nil {
		return
	}
	again, err := c.Encode(&v)
	if err != nil || !bytes.Equal(again, b) {
		t.Fatalf("decoded input re-encodes differently (%v)\n got %x\nwant %x", err, again, b)
	}
}

// Fuzz seeds f with the encodings of samples and with seeds, then fuzzes
// Canonical.
func (c Codec[T]) Fuzz(f *testing.F, samples []T, seeds ...[]byte) {
	f.Helper()
	for _, b := range c.RoundTrip(f, samples) {
		f.Add(b)
	}
	for _, b := range seeds {
		f.Add(b)
	}
	f.Fuzz(c.Canonical)
}
