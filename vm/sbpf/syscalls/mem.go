package syscalls

import (
	"bytes"
	"encoding/binary"

	"github.com/atoll-dev/atoll/vm/sbpf"
)

func (s *set) memCost(m *sbpf.Machine, n uint64) error {
	return m.Consume(max(s.c.MemOpBase, n/s.c.CPIBytesPerUnit))
}

func (s *set) memcpy(m *sbpf.Machine, dst, src, n, _, _ uint64) (uint64, error) {
	if err := s.memCost(m, n); err != nil {
		return 0, err
	}
	if !nonOverlapping(src, n, dst, n) {
		return 0, ErrCopyOverlapping
	}
	return 0, move(m, dst, src, n)
}

func (s *set) memmove(m *sbpf.Machine, dst, src, n, _, _ uint64) (uint64, error) {
	if err := s.memCost(m, n); err != nil {
		return 0, err
	}
	return 0, move(m, dst, src, n)
}

func move(m *sbpf.Machine, dst, src, n uint64) error {
	d, err := m.Store(dst, n)
	if err != nil {
		return err
	}
	sb, err := m.Load(src, n)
	if err != nil {
		return err
	}
	copy(d, sb) // copy handles overlap like memmove
	return nil
}

func (s *set) memset(m *sbpf.Machine, dst, c, n, _, _ uint64) (uint64, error) {
	if err := s.memCost(m, n); err != nil {
		return 0, err
	}
	d, err := m.Store(dst, n)
	if err != nil {
		return 0, err
	}
	for i := range d {
		d[i] = byte(c)
	}
	return 0, nil
}

func (s *set) memcmp(m *sbpf.Machine, a, b, n, result, _ uint64) (uint64, error) {
	if err := s.memCost(m, n); err != nil {
		return 0, err
	}
	x, err := m.Load(a, n)
	if err != nil {
		return 0, err
	}
	y, err := m.Load(b, n)
	if err != nil {
		return 0, err
	}
	// The result is the difference of the first differing bytes, as C's
	// memcmp on the network computes it, not just its sign.
	var r int32
	if i := firstDiff(x, y); i >= 0 {
		r = int32(x[i]) - int32(y[i])
	}
	if err := aligned(m, result, 4); err != nil {
		return 0, err
	}
	out, err := m.Store(result, 4)
	if err != nil {
		return 0, err
	}
	binary.LittleEndian.PutUint32(out, uint32(r))
	return 0, nil
}

func firstDiff(x, y []byte) int {
	if bytes.Equal(x, y) {
		return -1
	}
	for i := range x {
		if x[i] != y[i] {
			return i
		}
	}
	return -1
}
