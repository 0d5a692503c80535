package sbpf

import (
	"encoding/binary"
	"math"
	"math/bits"
	"unsafe"
)

// run is the interpreter. Registers live in a local array indexed by
// 4-bit-masked numbers (no bounds checks); the meter is a local counter
// compared against a local limit and reconciled with m.remaining only at
// syscalls and on exit, which is also where tracing hooks in (the limit is
// then a one-instruction checkpoint).
func (m *Machine) run() (uint64, error) {
	var reg [16]uint64
	p := m.prog
	v := p.spec.Version
	reg[1] = InputStart
	if v.dynamicStackFrames() {
		reg[10] = StackStart + StackSize
	} else {
		reg[10] = StackStart + StackFrameSize
	}
	m.frameBump = 0
	if !v.dynamicStackFrames() {
		m.frameBump = StackFrameSize
		if v.stackFrameGaps() {
			m.frameBump = 2 * StackFrameSize
		}
	}
	code := p.code
	codeBase := unsafe.Pointer(unsafe.SliceData(code))
	pc := m.pc
	var executed uint64
	m.limit = m.remaining
	stop := m.checkpoint(0)

	for {
		if executed >= stop {
			if executed >= m.limit {
				return 0, m.fault(ErrExceededMaxInstructions, pc, executed)
			}
			m.traceStep(pc, &reg)
			stop = executed + 1
		}
		executed++
		// pc is always within code: the verifier keeps jumps inside the
		// text, calls are checked before they are taken, return addresses
		// were valid when saved, and falling off the end (or an lddw at the
		// end) lands on the overrun sentinel at index len(code)-1.
		ins := (*decoded)(unsafe.Add(codeBase, uintptr(pc)*unsafe.Sizeof(decoded{})))
		pc++
		switch ins.x {
		case xLddw:
			reg[ins.dst&15] = uint64(ins.imm)
			pc++

		case xLd1:
			a := reg[ins.src&15] + uint64(int64(ins.off))
			b := m.load(a, 1)
			if b == nil {
				return 0, m.memFault(pc-1, executed, a, 1, false)
			}
			reg[ins.dst&15] = uint64(b[0])
		case xLd2:
			a := reg[ins.src&15] + uint64(int64(ins.off))
			b := m.load(a, 2)
			if b == nil {
				return 0, m.memFault(pc-1, executed, a, 2, false)
			}
			reg[ins.dst&15] = uint64(binary.LittleEndian.Uint16(b))
		case xLd4:
			a := reg[ins.src&15] + uint64(int64(ins.off))
			b := m.load(a, 4)
			if b == nil {
				return 0, m.memFault(pc-1, executed, a, 4, false)
			}
			reg[ins.dst&15] = uint64(binary.LittleEndian.Uint32(b))
		case xLd8:
			a := reg[ins.src&15] + uint64(int64(ins.off))
			b := m.load(a, 8)
			if b == nil {
				return 0, m.memFault(pc-1, executed, a, 8, false)
			}
			reg[ins.dst&15] = binary.LittleEndian.Uint64(b)
		case xSt1Imm, xSt1Reg:
			a := reg[ins.dst&15] + uint64(int64(ins.off))
			b := m.store(a, 1)
			if b == nil {
				return 0, m.memFault(pc-1, executed, a, 1, true)
			}
			val := uint64(ins.imm)
			if ins.x == xSt1Reg {
				val = reg[ins.src&15]
			}
			b[0] = byte(val)
		case xSt2Imm, xSt2Reg:
			a := reg[ins.dst&15] + uint64(int64(ins.off))
			b := m.store(a, 2)
			if b == nil {
				return 0, m.memFault(pc-1, executed, a, 2, true)
			}
			val := uint64(ins.imm)
			if ins.x == xSt2Reg {
				val = reg[ins.src&15]
			}
			binary.LittleEndian.PutUint16(b, uint16(val))
		case xSt4Imm, xSt4Reg:
			a := reg[ins.dst&15] + uint64(int64(ins.off))
			b := m.store(a, 4)
			if b == nil {
				return 0, m.memFault(pc-1, executed, a, 4, true)
			}
			val := uint64(ins.imm)
			if ins.x == xSt4Reg {
				val = reg[ins.src&15]
			}
			binary.LittleEndian.PutUint32(b, uint32(val))
		case xSt8Imm, xSt8Reg:
			a := reg[ins.dst&15] + uint64(int64(ins.off))
			b := m.store(a, 8)
			if b == nil {
				return 0, m.memFault(pc-1, executed, a, 8, true)
			}
			val := uint64(ins.imm)
			if ins.x == xSt8Reg {
				val = reg[ins.src&15]
			}
			binary.LittleEndian.PutUint64(b, val)

		// 32-bit arithmetic. Before v2, add/sub/mul sign-extend the 32-bit
		// result into 64 bits; everything else zero-extends.
		case xAdd32ImmSX:
			reg[ins.dst&15] = uint64(int64(int32(reg[ins.dst&15]) + int32(ins.imm)))
		case xAdd32RegSX:
			reg[ins.dst&15] = uint64(int64(int32(reg[ins.dst&15]) + int32(reg[ins.src&15])))
		case xSub32ImmSX:
			reg[ins.dst&15] = uint64(int64(int32(reg[ins.dst&15]) - int32(ins.imm)))
		case xSub32RegSX:
			reg[ins.dst&15] = uint64(int64(int32(reg[ins.dst&15]) - int32(reg[ins.src&15])))
		case xMul32ImmSX:
			reg[ins.dst&15] = uint64(int64(int32(reg[ins.dst&15]) * int32(ins.imm)))
		case xMul32RegSX:
			reg[ins.dst&15] = uint64(int64(int32(reg[ins.dst&15]) * int32(reg[ins.src&15])))
		case xAdd32ImmZX:
			reg[ins.dst&15] = uint64(uint32(reg[ins.dst&15]) + uint32(ins.imm))
		case xAdd32RegZX:
			reg[ins.dst&15] = uint64(uint32(reg[ins.dst&15]) + uint32(reg[ins.src&15]))
		case xSub32ImmRevZX:
			reg[ins.dst&15] = uint64(uint32(ins.imm) - uint32(reg[ins.dst&15]))
		case xSub32RegZX:
			reg[ins.dst&15] = uint64(uint32(reg[ins.dst&15]) - uint32(reg[ins.src&15]))
		case xDiv32Imm:
			reg[ins.dst&15] = uint64(uint32(reg[ins.dst&15]) / uint32(ins.imm))
		case xDiv32Reg:
			if uint32(reg[ins.src&15]) == 0 {
				return 0, m.fault(ErrDivideByZero, pc-1, executed)
			}
			reg[ins.dst&15] = uint64(uint32(reg[ins.dst&15]) / uint32(reg[ins.src&15]))
		case xOr32Imm:
			reg[ins.dst&15] = uint64(uint32(reg[ins.dst&15]) | uint32(ins.imm))
		case xOr32Reg:
			reg[ins.dst&15] = uint64(uint32(reg[ins.dst&15]) | uint32(reg[ins.src&15]))
		case xAnd32Imm:
			reg[ins.dst&15] = uint64(uint32(reg[ins.dst&15]) & uint32(ins.imm))
		case xAnd32Reg:
			reg[ins.dst&15] = uint64(uint32(reg[ins.dst&15]) & uint32(reg[ins.src&15]))
		case xLsh32Imm:
			reg[ins.dst&15] = uint64(uint32(reg[ins.dst&15]) << (uint32(ins.imm) & 31))
		case xLsh32Reg:
			reg[ins.dst&15] = uint64(uint32(reg[ins.dst&15]) << (uint32(reg[ins.src&15]) & 31))
		case xRsh32Imm:
			reg[ins.dst&15] = uint64(uint32(reg[ins.dst&15]) >> (uint32(ins.imm) & 31))
		case xRsh32Reg:
			reg[ins.dst&15] = uint64(uint32(reg[ins.dst&15]) >> (uint32(reg[ins.src&15]) & 31))
		case xNeg32:
			reg[ins.dst&15] = uint64(uint32(-int32(reg[ins.dst&15])))
		case xMod32Imm:
			reg[ins.dst&15] = uint64(uint32(reg[ins.dst&15]) % uint32(ins.imm))
		case xMod32Reg:
			if uint32(reg[ins.src&15]) == 0 {
				return 0, m.fault(ErrDivideByZero, pc-1, executed)
			}
			reg[ins.dst&15] = uint64(uint32(reg[ins.dst&15]) % uint32(reg[ins.src&15]))
		case xXor32Imm:
			reg[ins.dst&15] = uint64(uint32(reg[ins.dst&15]) ^ uint32(ins.imm))
		case xXor32Reg:
			reg[ins.dst&15] = uint64(uint32(reg[ins.dst&15]) ^ uint32(reg[ins.src&15]))
		case xMov32Imm:
			reg[ins.dst&15] = uint64(uint32(ins.imm))
		case xMov32Reg:
			reg[ins.dst&15] = uint64(uint32(reg[ins.src&15]))
		case xMov32RegSX:
			reg[ins.dst&15] = uint64(int64(int32(reg[ins.src&15])))
		case xArsh32Imm:
			reg[ins.dst&15] = uint64(uint32(int32(reg[ins.dst&15]) >> (uint32(ins.imm) & 31)))
		case xArsh32Reg:
			reg[ins.dst&15] = uint64(uint32(int32(reg[ins.dst&15]) >> (uint32(reg[ins.src&15]) & 31)))
		case xLe16:
			reg[ins.dst&15] = uint64(uint16(reg[ins.dst&15]))
		case xLe32:
			reg[ins.dst&15] = uint64(uint32(reg[ins.dst&15]))
		case xLe64:
		case xBe16:
			reg[ins.dst&15] = uint64(bits.ReverseBytes16(uint16(reg[ins.dst&15])))
		case xBe32:
			reg[ins.dst&15] = uint64(bits.ReverseBytes32(uint32(reg[ins.dst&15])))
		case xBe64:
			reg[ins.dst&15] = bits.ReverseBytes64(reg[ins.dst&15])
		case xEndBad:
			return 0, m.fault(ErrInvalidInstruction, pc-1, executed)

		case xAdd64Imm:
			reg[ins.dst&15] += uint64(ins.imm)
		case xAdd64Reg:
			reg[ins.dst&15] += reg[ins.src&15]
		case xSub64Imm:
			reg[ins.dst&15] -= uint64(ins.imm)
		case xSub64ImmRev:
			reg[ins.dst&15] = uint64(ins.imm) - reg[ins.dst&15]
		case xSub64Reg:
			reg[ins.dst&15] -= reg[ins.src&15]
		case xMul64Imm:
			reg[ins.dst&15] *= uint64(ins.imm)
		case xMul64Reg:
			reg[ins.dst&15] *= reg[ins.src&15]
		case xDiv64Imm:
			reg[ins.dst&15] /= uint64(ins.imm)
		case xDiv64Reg:
			if reg[ins.src&15] == 0 {
				return 0, m.fault(ErrDivideByZero, pc-1, executed)
			}
			reg[ins.dst&15] /= reg[ins.src&15]
		case xOr64Imm:
			reg[ins.dst&15] |= uint64(ins.imm)
		case xOr64Reg:
			reg[ins.dst&15] |= reg[ins.src&15]
		case xAnd64Imm:
			reg[ins.dst&15] &= uint64(ins.imm)
		case xAnd64Reg:
			reg[ins.dst&15] &= reg[ins.src&15]
		case xLsh64Imm:
			reg[ins.dst&15] <<= uint64(ins.imm) & 63
		case xLsh64Reg:
			reg[ins.dst&15] <<= reg[ins.src&15] & 63
		case xRsh64Imm:
			reg[ins.dst&15] >>= uint64(ins.imm) & 63
		case xRsh64Reg:
			reg[ins.dst&15] >>= reg[ins.src&15] & 63
		case xNeg64:
			reg[ins.dst&15] = -reg[ins.dst&15]
		case xMod64Imm:
			reg[ins.dst&15] %= uint64(ins.imm)
		case xMod64Reg:
			if reg[ins.src&15] == 0 {
				return 0, m.fault(ErrDivideByZero, pc-1, executed)
			}
			reg[ins.dst&15] %= reg[ins.src&15]
		case xXor64Imm:
			reg[ins.dst&15] ^= uint64(ins.imm)
		case xXor64Reg:
			reg[ins.dst&15] ^= reg[ins.src&15]
		case xMov64Imm:
			reg[ins.dst&15] = uint64(ins.imm)
		case xMov64Reg:
			reg[ins.dst&15] = reg[ins.src&15]
		case xArsh64Imm:
			reg[ins.dst&15] = uint64(int64(reg[ins.dst&15]) >> (uint64(ins.imm) & 63))
		case xArsh64Reg:
			reg[ins.dst&15] = uint64(int64(reg[ins.dst&15]) >> (reg[ins.src&15] & 63))
		case xHor64Imm:
			reg[ins.dst&15] |= uint64(ins.imm) << 32

		// PQR (v2). Immediates of the unsigned high-multiply, divide and
		// remainder are zero-extended; the others are sign-extended.
		case xLmul32Imm:
			reg[ins.dst&15] = uint64(uint32(reg[ins.dst&15]) * uint32(ins.imm))
		case xLmul32Reg:
			reg[ins.dst&15] = uint64(uint32(reg[ins.dst&15]) * uint32(reg[ins.src&15]))
		case xUdiv32Imm:
			reg[ins.dst&15] = uint64(uint32(reg[ins.dst&15]) / uint32(ins.imm))
		case xUdiv32Reg:
			if uint32(reg[ins.src&15]) == 0 {
				return 0, m.fault(ErrDivideByZero, pc-1, executed)
			}
			reg[ins.dst&15] = uint64(uint32(reg[ins.dst&15]) / uint32(reg[ins.src&15]))
		case xUrem32Imm:
			reg[ins.dst&15] = uint64(uint32(reg[ins.dst&15]) % uint32(ins.imm))
		case xUrem32Reg:
			if uint32(reg[ins.src&15]) == 0 {
				return 0, m.fault(ErrDivideByZero, pc-1, executed)
			}
			reg[ins.dst&15] = uint64(uint32(reg[ins.dst&15]) % uint32(reg[ins.src&15]))
		case xSdiv32Imm, xSdiv32Reg, xSrem32Imm, xSrem32Reg:
			x, y := int32(reg[ins.dst&15]), int32(ins.imm)
			if ins.x == xSdiv32Reg || ins.x == xSrem32Reg {
				y = int32(reg[ins.src&15])
				if y == 0 {
					return 0, m.fault(ErrDivideByZero, pc-1, executed)
				}
			}
			if x == math.MinInt32 && y == -1 {
				return 0, m.fault(ErrDivideOverflow, pc-1, executed)
			}
			if ins.x == xSdiv32Imm || ins.x == xSdiv32Reg {
				reg[ins.dst&15] = uint64(uint32(x / y))
			} else {
				reg[ins.dst&15] = uint64(uint32(x % y))
			}
		case xLmul64Imm:
			reg[ins.dst&15] *= uint64(ins.imm)
		case xLmul64Reg:
			reg[ins.dst&15] *= reg[ins.src&15]
		case xUhmul64Imm:
			reg[ins.dst&15], _ = bits.Mul64(reg[ins.dst&15], uint64(uint32(ins.imm)))
		case xUhmul64Reg:
			reg[ins.dst&15], _ = bits.Mul64(reg[ins.dst&15], reg[ins.src&15])
		case xUdiv64Imm:
			reg[ins.dst&15] /= uint64(uint32(ins.imm))
		case xUdiv64Reg:
			if reg[ins.src&15] == 0 {
				return 0, m.fault(ErrDivideByZero, pc-1, executed)
			}
			reg[ins.dst&15] /= reg[ins.src&15]
		case xUrem64Imm:
			reg[ins.dst&15] %= uint64(uint32(ins.imm))
		case xUrem64Reg:
			if reg[ins.src&15] == 0 {
				return 0, m.fault(ErrDivideByZero, pc-1, executed)
			}
			reg[ins.dst&15] %= reg[ins.src&15]
		case xShmul64Imm:
			reg[ins.dst&15] = mulHighSigned(int64(reg[ins.dst&15]), ins.imm)
		case xShmul64Reg:
			reg[ins.dst&15] = mulHighSigned(int64(reg[ins.dst&15]), int64(reg[ins.src&15]))
		case xSdiv64Imm, xSdiv64Reg, xSrem64Imm, xSrem64Reg:
			x, y := int64(reg[ins.dst&15]), ins.imm
			if ins.x == xSdiv64Reg || ins.x == xSrem64Reg {
				y = int64(reg[ins.src&15])
				if y == 0 {
					return 0, m.fault(ErrDivideByZero, pc-1, executed)
				}
			}
			if x == math.MinInt64 && y == -1 {
				return 0, m.fault(ErrDivideOverflow, pc-1, executed)
			}
			if ins.x == xSdiv64Imm || ins.x == xSdiv64Reg {
				reg[ins.dst&15] = uint64(x / y)
			} else {
				reg[ins.dst&15] = uint64(x % y)
			}

		case xJa:
			pc = int(ins.off)
		case xJeqImm:
			if reg[ins.dst&15] == uint64(ins.imm) {
				pc = int(ins.off)
			}
		case xJeqReg:
			if reg[ins.dst&15] == reg[ins.src&15] {
				pc = int(ins.off)
			}
		case xJgtImm:
			if reg[ins.dst&15] > uint64(ins.imm) {
				pc = int(ins.off)
			}
		case xJgtReg:
			if reg[ins.dst&15] > reg[ins.src&15] {
				pc = int(ins.off)
			}
		case xJgeImm:
			if reg[ins.dst&15] >= uint64(ins.imm) {
				pc = int(ins.off)
			}
		case xJgeReg:
			if reg[ins.dst&15] >= reg[ins.src&15] {
				pc = int(ins.off)
			}
		case xJsetImm:
			if reg[ins.dst&15]&uint64(ins.imm) != 0 {
				pc = int(ins.off)
			}
		case xJsetReg:
			if reg[ins.dst&15]&reg[ins.src&15] != 0 {
				pc = int(ins.off)
			}
		case xJneImm:
			if reg[ins.dst&15] != uint64(ins.imm) {
				pc = int(ins.off)
			}
		case xJneReg:
			if reg[ins.dst&15] != reg[ins.src&15] {
				pc = int(ins.off)
			}
		case xJsgtImm:
			if int64(reg[ins.dst&15]) > ins.imm {
				pc = int(ins.off)
			}
		case xJsgtReg:
			if int64(reg[ins.dst&15]) > int64(reg[ins.src&15]) {
				pc = int(ins.off)
			}
		case xJsgeImm:
			if int64(reg[ins.dst&15]) >= ins.imm {
				pc = int(ins.off)
			}
		case xJsgeReg:
			if int64(reg[ins.dst&15]) >= int64(reg[ins.src&15]) {
				pc = int(ins.off)
			}
		case xJltImm:
			if reg[ins.dst&15] < uint64(ins.imm) {
				pc = int(ins.off)
			}
		case xJltReg:
			if reg[ins.dst&15] < reg[ins.src&15] {
				pc = int(ins.off)
			}
		case xJleImm:
			if reg[ins.dst&15] <= uint64(ins.imm) {
				pc = int(ins.off)
			}
		case xJleReg:
			if reg[ins.dst&15] <= reg[ins.src&15] {
				pc = int(ins.off)
			}
		case xJsltImm:
			if int64(reg[ins.dst&15]) < ins.imm {
				pc = int(ins.off)
			}
		case xJsltReg:
			if int64(reg[ins.dst&15]) < int64(reg[ins.src&15]) {
				pc = int(ins.off)
			}
		case xJsleImm:
			if int64(reg[ins.dst&15]) <= ins.imm {
				pc = int(ins.off)
			}
		case xJsleReg:
			if int64(reg[ins.dst&15]) <= int64(reg[ins.src&15]) {
				pc = int(ins.off)
			}

		case xCall, xCallxImm, xCallxSrc:
			target := uint64(ins.off)
			if ins.x != xCall {
				target = (reg[ins.src&15] - p.textAddr) / SlotSize
			}
			f := &m.frames[m.depth]
			f.saved = [4]uint64{reg[6], reg[7], reg[8], reg[9]}
			f.fp = reg[10]
			f.ret = pc
			m.depth++
			if m.depth == MaxCallDepth {
				return 0, m.fault(ErrCallDepthExceeded, pc-1, executed)
			}
			reg[10] += m.frameBump
			if target >= uint64(len(code)-1) {
				return 0, m.fault(ErrCallOutsideTextSegment, pc-1, executed)
			}
			pc = int(target)
		case xSyscall:
			sc := p.syscalls[ins.off]
			m.remaining -= executed
			executed = 0
			m.pc = pc - 1
			r, err := sc.Fn(m, reg[1], reg[2], reg[3], reg[4], reg[5])
			if err != nil {
				return 0, &SyscallError{Name: sc.Name, PC: pc - 1, Err: err}
			}
			reg[0] = r
			m.limit = m.remaining
			stop = m.checkpoint(0)
		case xCallUnknown, xInvalid:
			return 0, m.fault(ErrUnsupportedInstruction, pc-1, executed)
		case xExit:
			if m.depth == 0 {
				m.remaining -= executed
				m.pc = pc - 1
				return reg[0], nil
			}
			m.depth--
			f := &m.frames[m.depth]
			reg[6], reg[7], reg[8], reg[9] = f.saved[0], f.saved[1], f.saved[2], f.saved[3]
			reg[10] = f.fp
			pc = f.ret
		case xOverrun:
			return 0, m.fault(ErrExecutionOverrun, pc-1, executed)
		default:
			return 0, m.fault(ErrUnsupportedInstruction, pc-1, executed)
		}
	}
}

// checkpoint is the executed-instruction count at which the loop must next
// leave its fast path: the budget, or the next instruction when tracing.
func (m *Machine) checkpoint(executed uint64) uint64 {
	if m.trace != nil && m.limit > executed {
		return executed
	}
	return m.limit
}

// fault ends a run: it charges the instructions executed since the last
// reconciliation and records where execution stopped. Kept out of line (and
// out of closures) so the interpreter's counters stay in registers.
//
//go:noinline
func (m *Machine) fault(err error, at int, executed uint64) error {
	m.remaining -= executed
	m.pc = at
	return &Trap{Err: err, PC: at}
}

//go:noinline
func (m *Machine) memFault(at int, executed, addr, n uint64, write bool) error {
	m.remaining -= executed
	m.pc = at
	return m.violation(at, addr, n, write)
}

func mulHighSigned(a, b int64) uint64 {
	hi, _ := bits.Mul64(uint64(a), uint64(b))
	// Correct the unsigned high word for negative operands.
	if a < 0 {
		hi -= uint64(b)
	}
	if b < 0 {
		hi -= uint64(a)
	}
	return hi
}
