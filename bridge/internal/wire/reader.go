package wire

import (
	"encoding/binary"
	"fmt"
)

// Reader consumes a byte slice front to back. After the first short read,
// every call returns zero values and Err stays set, so a decoder can read a
// whole record and check Err once. Returned slices alias the input.
type Reader struct {
	b        []byte
	off      int
	err      error
	sentinel error
}

// NewReader reads b; errors wrap sentinel.
func NewReader(b []byte, sentinel error) *Reader { return &Reader{b: b, sentinel: sentinel} }

// Err returns the first error.
func (r *Reader) Err() error { return r.err }

// Remaining returns the unread length.
func (r *Reader) Remaining() int { return len(r.b) - r.off }

// Rest returns the unread bytes without consuming them.
func (r *Reader) Rest() []byte { return r.b[r.off:] }

// Skip consumes n bytes that a nested decoder has read from Rest.
func (r *Reader) Skip(n int) { r.Bytes(n) }

// Fail records err (wrapped with the sentinel) unless an error is already set.
func (r *Reader) Fail(format string, args ...any) {
	if r.err == nil {
		r.err = fmt.Errorf("%w: %s", r.sentinel, fmt.Sprintf(format, args...))
	}
}

// Bytes consumes n bytes.
func (r *Reader) Bytes(n int) []byte {
	if r.err != nil || n < 0 || r.Remaining() < n {
		r.Fail("truncated at byte %d", r.off)
		return make([]byte, max(n, 0))
	}
	v := r.b[r.off : r.off+n]
	r.off += n
	return v
}

// Byte consumes one byte.
func (r *Reader) Byte() byte { return r.Bytes(1)[0] }

// Bool consumes a byte that must be 0 or 1.
func (r *Reader) Bool() bool {
	v := r.Byte()
	if v > 1 {
		r.Fail("boolean byte %d", v)
	}
	return v == 1
}

// U32 consumes a big-endian uint32.
func (r *Reader) U32() uint32 { return binary.BigEndian.Uint32(r.Bytes(4)) }

// U64 consumes a big-endian uint64.
func (r *Reader) U64() uint64 { return binary.BigEndian.Uint64(r.Bytes(8)) }

// Count consumes a uint32 element count and fails unless count elements of
// at least minSize bytes each can still follow, so a decoder never allocates
// for elements that are not there.
func (r *Reader) Count(minSize int) int {
	n := r.U32()
	if r.err == nil && uint64(n)*uint64(minSize) > uint64(r.Remaining()) {
		r.Fail("count %d exceeds the remaining %d bytes", n, r.Remaining())
		return 0
	}
	return int(n)
}

// Finish fails if bytes remain, and returns Err.
func (r *Reader) Finish() error {
	if r.err == nil && r.Remaining() != 0 {
		r.Fail("%d trailing bytes", r.Remaining())
	}
	return r.err
}
