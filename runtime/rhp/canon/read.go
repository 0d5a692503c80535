package canon

import (
	"encoding/binary"
	"unicode/utf8"
)

// Reader decodes the canonical subset of CBOR from a byte slice. It never
// panics and never allocates more than the input justifies: an array's
// announced length is checked against the bytes left before anything is
// made for it. The first item it cannot accept (a wrong type, a
// non-shortest head, an indefinite length, a key out of order, a byte
// string of the wrong size) marks the Reader failed; every later read then
// returns a zero value, so a codec checks OK once at the end. A failed
// Reader says only that the input is outside the subset: the caller falls
// back to the reference decoder for the verdict and the error.
type Reader struct {
	b   []byte
	bad bool
}

// NewReader reads b. Byte strings returned by Bytes alias b.
func NewReader(b []byte) Reader { return Reader{b: b} }

// Fail marks the Reader failed.
func (r *Reader) Fail() { r.bad, r.b = true, nil }

// OK reports whether every read so far was accepted.
func (r *Reader) OK() bool { return !r.bad }

// Done reports whether every read was accepted and the input is used up.
func (r *Reader) Done() bool { return !r.bad && len(r.b) == 0 }

// head reads the head of an item of major type major and returns its
// argument, which must be in its shortest form.
func (r *Reader) head(major byte) uint64 {
	if len(r.b) == 0 || r.b[0]&0xe0 != major {
		r.Fail()
		return 0
	}
	info := r.b[0] & 0x1f
	var n uint64
	switch {
	case info < 24:
		r.b = r.b[1:]
		return uint64(info)
	case info == 24 && len(r.b) >= 2:
		n, r.b = uint64(r.b[1]), r.b[2:]
		if n < 24 {
			r.Fail()
		}
	case info == 25 && len(r.b) >= 3:
		n, r.b = uint64(binary.BigEndian.Uint16(r.b[1:])), r.b[3:]
		if n <= 0xff {
			r.Fail()
		}
	case info == 26 && len(r.b) >= 5:
		n, r.b = uint64(binary.BigEndian.Uint32(r.b[1:])), r.b[5:]
		if n <= 0xffff {
			r.Fail()
		}
	case info == 27 && len(r.b) >= 9:
		n, r.b = binary.BigEndian.Uint64(r.b[1:]), r.b[9:]
		if n <= 0xffffffff {
			r.Fail()
		}
	default: // 28..31 (reserved, indefinite) or truncated
		r.Fail()
	}
	if r.bad {
		return 0
	}
	return n
}

// Uint reads an unsigned integer.
func (r *Reader) Uint() uint64 { return r.head(MajorUint) }

// Uint32 reads an unsigned integer that fits 32 bits.
func (r *Reader) Uint32() uint32 {
	v := r.head(MajorUint)
	if v > 0xffffffff {
		r.Fail()
		return 0
	}
	return uint32(v)
}

// Int reads a signed integer that fits 64 bits.
func (r *Reader) Int() int64 {
	if len(r.b) > 0 && r.b[0]&0xe0 == MajorNeg {
		n := r.head(MajorNeg)
		if n > 1<<63-1 {
			r.Fail()
			return 0
		}
		return -1 - int64(n)
	}
	v := r.head(MajorUint)
	if v > 1<<63-1 {
		r.Fail()
		return 0
	}
	return int64(v)
}

// Bool reads true or false.
func (r *Reader) Bool() bool {
	if len(r.b) == 0 || (r.b[0] != True && r.b[0] != False) {
		r.Fail()
		return false
	}
	v := r.b[0] == True
	r.b = r.b[1:]
	return v
}

// Bytes reads a byte string. The result aliases the input and is never nil
// (an empty byte string reads as an empty, non-nil slice).
func (r *Reader) Bytes() []byte {
	n := r.head(MajorBytes)
	if r.bad || n > uint64(len(r.b)) {
		r.Fail()
		return nil
	}
	v := r.b[:n:n]
	r.b = r.b[n:]
	return v
}

// Fixed reads a byte string of exactly len(dst) bytes into dst.
func (r *Reader) Fixed(dst []byte) {
	if v := r.Bytes(); len(v) == len(dst) {
		copy(dst, v)
	} else {
		r.Fail()
	}
}

// Text reads a text string of valid UTF-8, copied.
func (r *Reader) Text() string {
	n := r.head(MajorText)
	if r.bad || n > uint64(len(r.b)) || !utf8.Valid(r.b[:n]) {
		r.Fail()
		return ""
	}
	v := string(r.b[:n])
	r.b = r.b[n:]
	return v
}

// ArrayLen reads the head of an array of at most max elements, each of
// which takes at least minSize bytes (so a hostile count cannot make the
// caller allocate beyond the input).
func (r *Reader) ArrayLen(max, minSize int) int {
	n := r.head(MajorArray)
	if r.bad || n > uint64(max) || n*uint64(minSize) > uint64(len(r.b)) {
		r.Fail()
		return 0
	}
	return int(n)
}

// Texts reads an array of at most max text strings. An empty array reads
// as an empty, non-nil slice.
func (r *Reader) Texts(max int) []string {
	n := r.ArrayLen(max, 1)
	if r.bad {
		return nil
	}
	out := make([]string, n)
	for i := range out {
		out[i] = r.Text()
	}
	return out
}

// BytesList reads an array of at most max byte strings, aliasing the
// input. An empty array reads as an empty, non-nil slice.
func (r *Reader) BytesList(max int) [][]byte {
	n := r.ArrayLen(max, 1)
	if r.bad {
		return nil
	}
	out := make([][]byte, n)
	for i := range out {
		out[i] = r.Bytes()
	}
	return out
}

// MapLen reads the head of a map with at most max pairs.
func (r *Reader) MapLen(max int) int {
	n := r.head(MajorMap)
	if r.bad || n > uint64(max) || 2*n > uint64(len(r.b)) {
		r.Fail()
		return 0
	}
	return int(n)
}

// Key reads the next map key, which must be one of keys at or after
// *next (keys come in canonical order, so none repeats), and returns its
// index, advancing *next past it. A key that is unknown, out of order or
// not a text string fails the Reader and returns -1: the reference decoder
// decides (it ignores unknown keys, and matches names case-insensitively).
func (r *Reader) Key(keys Keys, next *int) int {
	for i := *next; i < len(keys); i++ {
		k := keys[i]
		if len(r.b) >= len(k) && string(r.b[:len(k)]) == string(k) {
			r.b = r.b[len(k):]
			*next = i + 1
			return i
		}
	}
	r.Fail()
	return -1
}
