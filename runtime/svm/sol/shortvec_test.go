package sol

import (
	"bytes"
	"errors"
	"testing"
)

func TestCompactU16_Vectors(t *testing.T) {
	// Vectors from Solana's short_vec documentation.
	cases := []struct {
		v   uint16
		enc []byte
	}{
		{0x0, []byte{0x00}},
		{0x7f, []byte{0x7f}},
		{0x80, []byte{0x80, 0x01}},
		{0xff, []byte{0xff, 0x01}},
		{0x100, []byte{0x80, 0x02}},
		{0x7fff, []byte{0xff, 0xff, 0x01}},
		{0xffff, []byte{0xff, 0xff, 0x03}},
	}
	for _, c := range cases {
		if got := AppendCompactU16(nil, c.v); !bytes.Equal(got, c.enc) {
			t.Errorf("encode %#x: got %x want %x", c.v, got, c.enc)
		}
		v, n, err := DecodeCompactU16(c.enc)
		if err != nil || v != c.v || n != len(c.enc) {
			t.Errorf("decode %x: got %#x/%d/%v", c.enc, v, n, err)
		}
	}
}

func TestDecodeCompactU16_Rejects(t *testing.T) {
	cases := []struct {
		enc  []byte
		want error
	}{
		{nil, ErrShortVecTruncated},
		{[]byte{0x80}, ErrShortVecTruncated},
		{[]byte{0x80, 0x00}, ErrShortVecNonCanonical},
		{[]byte{0xff, 0x80, 0x00}, ErrShortVecNonCanonical},
		{[]byte{0xff, 0xff, 0x04}, ErrShortVecOverflow},
		{[]byte{0x80, 0x80, 0x80, 0x01}, ErrShortVecOverflow},
	}
	for _, c := range cases {
		if _, _, err := DecodeCompactU16(c.enc); !errors.Is(err, c.want) {
			t.Errorf("%x: got %v want %v", c.enc, err, c.want)
		}
	}
}
