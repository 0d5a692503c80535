package canon

import (
	"encoding/binary"
	"fmt"
)

// Major types, in the top three bits of an item's first byte.
const (
	MajorUint  byte = 0 << 5
	MajorNeg   byte = 1 << 5
	MajorBytes byte = 2 << 5
	MajorText  byte = 3 << 5
	MajorArray byte = 4 << 5
	MajorMap   byte = 5 << 5
)

// Simple values used by the protocol.
const (
	False byte = 0xf4
	True  byte = 0xf5
)

// HeadSize is the size of the shortest head carrying argument n:
//
//	n < 24            1 byte  (major | n)
//	n ≤ 0xff          2 bytes (major | 24, n)
//	n ≤ 0xffff        3 bytes (major | 25, n BE)
//	n ≤ 0xffffffff    5 bytes (major | 26, n BE)
//	otherwise         9 bytes (major | 27, n BE)
func HeadSize(n uint64) int {
	switch {
	case n < 24:
		return 1
	case n <= 0xff:
		return 2
	case n <= 0xffff:
		return 3
	case n <= 0xffffffff:
		return 5
	}
	return 9
}

// AppendHead appends the shortest head of major type major with argument n.
func AppendHead(b []byte, major byte, n uint64) []byte {
	switch {
	case n < 24:
		return append(b, major|byte(n))
	case n <= 0xff:
		return append(b, major|24, byte(n))
	case n <= 0xffff:
		return binary.BigEndian.AppendUint16(append(b, major|25), uint16(n))
	case n <= 0xffffffff:
		return binary.BigEndian.AppendUint32(append(b, major|26), uint32(n))
	}
	return binary.BigEndian.AppendUint64(append(b, major|27), n)
}

// UintSize is the encoded size of an unsigned integer.
func UintSize(v uint64) int { return HeadSize(v) }

// AppendUint appends an unsigned integer.
func AppendUint(b []byte, v uint64) []byte { return AppendHead(b, MajorUint, v) }

// IntSize is the encoded size of a signed integer.
func IntSize(v int64) int {
	if v < 0 {
		return HeadSize(uint64(-(v + 1)))
	}
	return HeadSize(uint64(v))
}

// AppendInt appends a signed integer: major type 1 carries -1-v.
func AppendInt(b []byte, v int64) []byte {
	if v < 0 {
		return AppendHead(b, MajorNeg, uint64(-(v + 1)))
	}
	return AppendHead(b, MajorUint, uint64(v))
}

// AppendBool appends true or false.
func AppendBool(b []byte, v bool) []byte {
	if v {
		return append(b, True)
	}
	return append(b, False)
}

// BytesSize is the encoded size of a byte or text string of n bytes.
func BytesSize(n int) int { return HeadSize(uint64(n)) + n }

// AppendBytes appends a byte string.
func AppendBytes(b, v []byte) []byte { return append(AppendHead(b, MajorBytes, uint64(len(v))), v...) }

// AppendText appends a text string; s must be valid UTF-8.
func AppendText(b []byte, s string) []byte {
	return append(AppendHead(b, MajorText, uint64(len(s))), s...)
}

// TextsSize is the encoded size of an array of text strings.
func TextsSize(ss []string) int {
	n := HeadSize(uint64(len(ss)))
	for _, s := range ss {
		n += BytesSize(len(s))
	}
	return n
}

// AppendTexts appends an array of text strings.
func AppendTexts(b []byte, ss []string) []byte {
	b = AppendHead(b, MajorArray, uint64(len(ss)))
	for _, s := range ss {
		b = AppendText(b, s)
	}
	return b
}

// BytesListSize is the encoded size of an array of byte strings.
func BytesListSize(list [][]byte) int {
	n := HeadSize(uint64(len(list)))
	for _, v := range list {
		n += BytesSize(len(v))
	}
	return n
}

// AppendBytesList appends an array of byte strings.
func AppendBytesList(b []byte, list [][]byte) []byte {
	b = AppendHead(b, MajorArray, uint64(len(list)))
	for _, v := range list {
		b = AppendBytes(b, v)
	}
	return b
}

// Keys are the encoded text keys of one struct's CBOR map, in canonical
// order (shorter first, then bytewise). A codec refers to a key by its
// index.
type Keys [][]byte

// NewKeys encodes names, which must be given in canonical order: a codec's
// field indices follow that order, so a list out of order is a programming
// error and panics when the package initialises.
func NewKeys(names ...string) Keys {
	ks := make(Keys, len(names))
	for i, name := range names {
		ks[i] = AppendText(nil, name)
		if i > 0 && string(ks[i-1]) >= string(ks[i]) {
			panic(fmt.Sprintf("canon: key %q is not after %q in canonical order", name, names[i-1]))
		}
	}
	return ks
}

// Size is the encoded size of key i.
func (k Keys) Size(i int) int { return len(k[i]) }

// Append appends key i.
func (k Keys) Append(b []byte, i int) []byte { return append(b, k[i]...) }
