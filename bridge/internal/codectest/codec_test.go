package codectest

import (
	"errors"
	"testing"
)

// pair is a toy format: two bytes, the second at most the first.
type pair struct{ a, b byte }

func (p *pair) encode() ([]byte, error) {
	if p.b > p.a {
		return nil, errors.New("b above a")
	}
	return []byte{p.a, p.b}, nil
}

func decodePair(b []byte) (pair, error) {
	if len(b) != 2 || b[1] > b[0] {
		return pair{}, errors.New("not a pair")
	}
	return pair{b[0], b[1]}, nil
}

var pairs = Codec[pair]{Decode: decodePair, Encode: (*pair).encode}

func TestCodec_RoundTrip(t *testing.T) {
	got := pairs.RoundTrip(t, []pair{{3, 1}, {0, 0}})
	if len(got) != 2 || string(got[0]) != "\x03\x01" || string(got[1]) != "\x00\x00" {
		t.Fatalf("encodings %x", got)
	}
}

func TestCodec_Canonical(t *testing.T) {
	for _, b := range [][]byte{nil, {1}, {1, 2}, {2, 1}, {5, 5, 5}} {
		pairs.Canonical(t, b)
	}
}

func FuzzCodec(f *testing.F) {
	pairs.Fuzz(f, []pair{{9, 4}}, []byte{1, 2})
}
