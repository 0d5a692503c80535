package sol

import "errors"

// Errors of the compact-u16 ("short vec") length encoding.
var (
	ErrShortVecTruncated    = errors.New("sol: compact-u16 length is truncated")
	ErrShortVecNonCanonical = errors.New("sol: compact-u16 length is not minimally encoded")
	ErrShortVecOverflow     = errors.New("sol: compact-u16 length exceeds 65535")
)

// AppendCompactU16 appends v in Solana's compact-u16 encoding: 7 bits per
// byte, least significant group first, high bit set on all but the last byte.
func AppendCompactU16(b []byte, v uint16) []byte {
	x := uint32(v)
	for x >= 0x80 {
		b = append(b, byte(x)|0x80)
		x >>= 7
	}
	return append(b, byte(x))
}

// DecodeCompactU16 reads a compact-u16 from the front of b and returns the
// value and the number of bytes read. Aliased encodings (a trailing zero
// group), more than three bytes and values above 65535 are rejected, as Solana does.
func DecodeCompactU16(b []byte) (uint16, int, error) {
	var v uint32
	for i := 0; i < 3; i++ {
		if i >= len(b) {
			return 0, 0, ErrShortVecTruncated
		}
		c := b[i]
		if i > 0 && c == 0 {
			return 0, 0, ErrShortVecNonCanonical
		}
		if i == 2 && c > 0x03 {
			return 0, 0, ErrShortVecOverflow
		}
		v |= uint32(c&0x7f) << (7 * i)
		if c&0x80 == 0 {
			return uint16(v), i + 1, nil
		}
	}
	return 0, 0, ErrShortVecOverflow
}
