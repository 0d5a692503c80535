package syscalls

import (
	"encoding/base64"
	"encoding/binary"
	"fmt"
	"strings"
	"unicode/utf8"

	"github.com/atoll-dev/atoll/runtime/svm/sol"
	"github.com/atoll-dev/atoll/vm/sbpf"
)

// vmSlice is the 16-byte {ptr u64, len u64} pair programs pass for byte
// slices (seeds, hash inputs, log data fields).
const vmSliceSize = 16

func (s *set) abort(*sbpf.Machine, uint64, uint64, uint64, uint64, uint64) (uint64, error) {
	return 0, ErrAbort
}

func (s *set) panic(m *sbpf.Machine, file, n, line, col, _ uint64) (uint64, error) {
	if err := m.Consume(n); err != nil {
		return 0, err
	}
	str, err := loadString(m, file, n)
	if err != nil {
		return 0, err
	}
	return 0, &PanicError{File: str, Line: line, Column: col}
}

func loadString(m *sbpf.Machine, addr, n uint64) (string, error) {
	b, err := m.Load(addr, n)
	if err != nil {
		return "", err
	}
	if !utf8.Valid(b) {
		return "", fmt.Errorf("%w: %q", ErrInvalidString, b)
	}
	return string(b), nil
}

func (s *set) log(m *sbpf.Machine, addr, n, _, _, _ uint64) (uint64, error) {
	if err := m.Consume(max(s.c.SyscallBase, n)); err != nil {
		return 0, err
	}
	h, err := host(m)
	if err != nil {
		return 0, err
	}
	str, err := loadString(m, addr, n)
	if err != nil {
		return 0, err
	}
	h.Log("Program log: " + str)
	return 0, nil
}

func (s *set) log64(m *sbpf.Machine, a, b, c, d, e uint64) (uint64, error) {
	if err := m.Consume(s.c.LogU64); err != nil {
		return 0, err
	}
	h, err := host(m)
	if err != nil {
		return 0, err
	}
	h.Log(fmt.Sprintf("Program log: %#x, %#x, %#x, %#x, %#x", a, b, c, d, e))
	return 0, nil
}

func (s *set) logPubkey(m *sbpf.Machine, addr, _, _, _, _ uint64) (uint64, error) {
	if err := m.Consume(s.c.LogPubkey); err != nil {
		return 0, err
	}
	h, err := host(m)
	if err != nil {
		return 0, err
	}
	b, err := m.Load(addr, sol.PubkeySize)
	if err != nil {
		return 0, err
	}
	h.Log("Program log: " + sol.Pubkey(b).String())
	return 0, nil
}

func (s *set) logComputeUnits(m *sbpf.Machine, _, _, _, _, _ uint64) (uint64, error) {
	if err := m.Consume(s.c.SyscallBase); err != nil {
		return 0, err
	}
	h, err := host(m)
	if err != nil {
		return 0, err
	}
	h.Log(fmt.Sprintf("Program consumption: %d units remaining", m.Remaining()))
	return 0, nil
}

func (s *set) logData(m *sbpf.Machine, addr, n, _, _, _ uint64) (uint64, error) {
	if err := m.Consume(s.c.SyscallBase); err != nil {
		return 0, err
	}
	h, err := host(m)
	if err != nil {
		return 0, err
	}
	fields, err := loadSlices(m, addr, n)
	if err != nil {
		return 0, err
	}
	if err := m.Consume(s.c.SyscallBase * uint64(len(fields))); err != nil {
		return 0, err
	}
	var total uint64
	for _, f := range fields {
		total += f[1]
	}
	if err := m.Consume(total); err != nil {
		return 0, err
	}
	parts := make([]string, len(fields))
	for i, f := range fields {
		b, err := m.Load(f[0], f[1])
		if err != nil {
			return 0, err
		}
		parts[i] = base64.StdEncoding.EncodeToString(b)
	}
	h.Log("Program data: " + strings.Join(parts, " "))
	return 0, nil
}

// loadSlices reads n {ptr, len} pairs at addr, which must be 8-byte aligned
// unless the run allows unaligned pointers.
func loadSlices(m *sbpf.Machine, addr, n uint64) ([][2]uint64, error) {
	if n > (1<<32)/vmSliceSize {
		return nil, fmt.Errorf("%w: %d slices", sbpf.ErrAccessViolation, n)
	}
	if err := aligned(m, addr, 8); err != nil {
		return nil, err
	}
	raw, err := m.Load(addr, n*vmSliceSize)
	if err != nil {
		return nil, err
	}
	out := make([][2]uint64, n)
	for i := range out {
		out[i] = [2]uint64{binary.LittleEndian.Uint64(raw[i*16:]), binary.LittleEndian.Uint64(raw[i*16+8:])}
	}
	return out, nil
}

func aligned(m *sbpf.Machine, addr, align uint64) error {
	if m.CheckAligned() && addr%align != 0 {
		return fmt.Errorf("%w: %#x", ErrUnalignedPointer, addr)
	}
	return nil
}

func (s *set) allocFree(m *sbpf.Machine, size, free, _, _, _ uint64) (uint64, error) {
	if free != 0 {
		return 0, nil // freeing is a no-op, as on the network
	}
	align := uint64(1)
	if m.CheckAligned() {
		align = 8
	}
	if size > 1<<62 {
		return 0, nil
	}
	return m.HeapAlloc(size, align), nil
}

func (s *set) getStackHeight(m *sbpf.Machine, _, _, _, _, _ uint64) (uint64, error) {
	if err := m.Consume(s.c.SyscallBase); err != nil {
		return 0, err
	}
	h, err := host(m)
	if err != nil {
		return 0, err
	}
	return h.StackHeight(), nil
}

func (s *set) remainingComputeUnits(m *sbpf.Machine, _, _, _, _, _ uint64) (uint64, error) {
	if err := m.Consume(s.c.SyscallBase); err != nil {
		return 0, err
	}
	return m.Remaining(), nil
}

func (s *set) setReturnData(m *sbpf.Machine, addr, n, _, _, _ uint64) (uint64, error) {
	if err := m.Consume(n/s.c.CPIBytesPerUnit + s.c.SyscallBase); err != nil {
		return 0, err
	}
	h, err := host(m)
	if err != nil {
		return 0, err
	}
	if n > MaxReturnData {
		return 0, fmt.Errorf("%w: %d > %d", ErrReturnDataTooLarge, n, MaxReturnData)
	}
	data, err := m.Load(addr, n)
	if err != nil {
		return 0, err
	}
	h.SetReturnData(append([]byte(nil), data...))
	return 0, nil
}

func (s *set) getReturnData(m *sbpf.Machine, addr, n, programAddr, _, _ uint64) (uint64, error) {
	if err := m.Consume(s.c.SyscallBase); err != nil {
		return 0, err
	}
	h, err := host(m)
	if err != nil {
		return 0, err
	}
	program, data := h.ReturnData()
	length := min(n, uint64(len(data)))
	if length != 0 {
		if err := m.Consume((length + sol.PubkeySize) / s.c.CPIBytesPerUnit); err != nil {
			return 0, err
		}
		if !nonOverlapping(addr, length, programAddr, sol.PubkeySize) {
			return 0, ErrCopyOverlapping
		}
		dst, err := m.Store(addr, length)
		if err != nil {
			return 0, err
		}
		copy(dst, data[:length])
		pk, err := m.Store(programAddr, sol.PubkeySize)
		if err != nil {
			return 0, err
		}
		copy(pk, program[:])
	}
	return uint64(len(data)), nil
}

func nonOverlapping(a, alen, b, blen uint64) bool {
	if a > b {
		return a-b >= blen
	}
	return b-a >= alen
}
