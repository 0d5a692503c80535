package sbpf

import (
	"encoding/binary"
	"math"
	"math/bits"
)

// run is the interpreter. Registers live in a local array indexed by
// 4-bit-masked numbers (no bounds checks); the meter is a local counter
// compared against a local limit and reconciled with m.remaining only at
// syscalls and on exit, which is also where tracing hooks in (the limit is
// then a one-instruction checkpoint).
func (m *Machine) run() (uint64, error) {
	var reg [16]uint64
	p := m.prog
	code := p.code
	v := p.spec.Version
	reg[1] = InputStart
	if v.dynamicStackFrames() {
		reg[10] = StackStart + StackSize
	} else {
		reg[10] = StackStart + StackFrameSize
	}
	frameBump := uint64(0)
	if !v.dynamicStackFrames() {
		frameBump = StackFrameSize
		if v.stackFrameGaps() {
			frameBump = 2 * StackFrameSize
		}
	}
	textAddr := p.textAddr
	nslots := uint64(len(code) - 1)

	pc := m.pc
	var executed uint64
	limit := m.remaining
	stop := limit
	if m.trace != nil && stop > 0 {
		stop = 0
	}

	for {
		if executed >= stop {
			if executed >= limit {
				return 0, m.fault(ErrExceededMaxInstructions, pc, executed)
			}
			m.traceStep(pc, &reg)
			stop = executed + 1
		}
		executed++
		ins := &code[pc]
		cur := pc
		pc++
		d, s := ins.dst&15, ins.src&15
		switch ins.x {
		case xLddw:
			reg[d] = uint64(ins.imm)
			pc++

		case xLd1:
			a := reg[s] + uint64(int64(ins.off))
			b := m.access(a, 1, false)
			if b == nil {
				return 0, m.memFault(cur, executed, a, 1, false)
			}
			reg[d] = uint64(b[0])
		case xLd2:
			a := reg[s] + uint64(int64(ins.off))
			b := m.access(a, 2, false)
			if b == nil {
				return 0, m.memFault(cur, executed, a, 2, false)
			}
			reg[d] = uint64(binary.LittleEndian.Uint16(b))
		case xLd4:
			a := reg[s] + uint64(int64(ins.off))
			b := m.access(a, 4, false)
			if b == nil {
				return 0, m.memFault(cur, executed, a, 4, false)
			}
			reg[d] = uint64(binary.LittleEndian.Uint32(b))
		case xLd8:
			a := reg[s] + uint64(int64(ins.off))
			b := m.access(a, 8, false)
			if b == nil {
				return 0, m.memFault(cur, executed, a, 8, false)
			}
			reg[d] = binary.LittleEndian.Uint64(b)
		case xSt1Imm, xSt1Reg:
			a := reg[d] + uint64(int64(ins.off))
			b := m.access(a, 1, true)
			if b == nil {
				return 0, m.memFault(cur, executed, a, 1, true)
			}
			val := uint64(ins.imm)
			if ins.x == xSt1Reg {
				val = reg[s]
			}
			b[0] = byte(val)
		case xSt2Imm, xSt2Reg:
			a := reg[d] + uint64(int64(ins.off))
			b := m.access(a, 2, true)
			if b == nil {
				return 0, m.memFault(cur, executed, a, 2, true)
			}
			val := uint64(ins.imm)
			if ins.x == xSt2Reg {
				val = reg[s]
			}
			binary.LittleEndian.PutUint16(b, uint16(val))
		case xSt4Imm, xSt4Reg:
			a := reg[d] + uint64(int64(ins.off))
			b := m.access(a, 4, true)
			if b == nil {
				return 0, m.memFault(cur, executed, a, 4, true)
			}
			val := uint64(ins.imm)
			if ins.x == xSt4Reg {
				val = reg[s]
			}
			binary.LittleEndian.PutUint32(b, uint32(val))
		case xSt8Imm, xSt8Reg:
			a := reg[d] + uint64(int64(ins.off))
			b := m.access(a, 8, true)
			if b == nil {
				return 0, m.memFault(cur, executed, a, 8, true)
			}
			val := uint64(ins.imm)
			if ins.x == xSt8Reg {
				val = reg[s]
			}
			binary.LittleEndian.PutUint64(b, val)

		// 32-bit arithmetic. Before v2, add/sub/mul sign-extend the 32-bit
		// result into 64 bits; everything else zero-extends.
		case xAdd32ImmSX:
			reg[d] = uint64(int64(int32(reg[d]) + int32(ins.imm)))
		case xAdd32RegSX:
			reg[d] = uint64(int64(int32(reg[d]) + int32(reg[s])))
		case xSub32ImmSX:
			reg[d] = uint64(int64(int32(reg[d]) - int32(ins.imm)))
		case xSub32RegSX:
			reg[d] = uint64(int64(int32(reg[d]) - int32(reg[s])))
		case xMul32ImmSX:
			reg[d] = uint64(int64(int32(reg[d]) * int32(ins.imm)))
		case xMul32RegSX:
			reg[d] = uint64(int64(int32(reg[d]) * int32(reg[s])))
		case xAdd32ImmZX:
			reg[d] = uint64(uint32(reg[d]) + uint32(ins.imm))
		case xAdd32RegZX:
			reg[d] = uint64(uint32(reg[d]) + uint32(reg[s]))
		case xSub32ImmRevZX:
			reg[d] = uint64(uint32(ins.imm) - uint32(reg[d]))
		case xSub32RegZX:
			reg[d] = uint64(uint32(reg[d]) - uint32(reg[s]))
		case xDiv32Imm:
			reg[d] = uint64(uint32(reg[d]) / uint32(ins.imm))
		case xDiv32Reg:
			if uint32(reg[s]) == 0 {
				return 0, m.fault(ErrDivideByZero, cur, executed)
			}
			reg[d] = uint64(uint32(reg[d]) / uint32(reg[s]))
		case xOr32Imm:
			reg[d] = uint64(uint32(reg[d]) | uint32(ins.imm))
		case xOr32Reg:
			reg[d] = uint64(uint32(reg[d]) | uint32(reg[s]))
		case xAnd32Imm:
			reg[d] = uint64(uint32(reg[d]) & uint32(ins.imm))
		case xAnd32Reg:
			reg[d] = uint64(uint32(reg[d]) & uint32(reg[s]))
		case xLsh32Imm:
			reg[d] = uint64(uint32(reg[d]) << (uint32(ins.imm) & 31))
		case xLsh32Reg:
			reg[d] = uint64(uint32(reg[d]) << (uint32(reg[s]) & 31))
		case xRsh32Imm:
			reg[d] = uint64(uint32(reg[d]) >> (uint32(ins.imm) & 31))
		case xRsh32Reg:
			reg[d] = uint64(uint32(reg[d]) >> (uint32(reg[s]) & 31))
		case xNeg32:
			reg[d] = uint64(uint32(-int32(reg[d])))
		case xMod32Imm:
			reg[d] = uint64(uint32(reg[d]) % uint32(ins.imm))
		case xMod32Reg:
			if uint32(reg[s]) == 0 {
				return 0, m.fault(ErrDivideByZero, cur, executed)
			}
			reg[d] = uint64(uint32(reg[d]) % uint32(reg[s]))
		case xXor32Imm:
			reg[d] = uint64(uint32(reg[d]) ^ uint32(ins.imm))
		case xXor32Reg:
			reg[d] = uint64(uint32(reg[d]) ^ uint32(reg[s]))
		case xMov32Imm:
			reg[d] = uint64(uint32(ins.imm))
		case xMov32Reg:
			reg[d] = uint64(uint32(reg[s]))
		case xMov32RegSX:
			reg[d] = uint64(int64(int32(reg[s])))
		case xArsh32Imm:
			reg[d] = uint64(uint32(int32(reg[d]) >> (uint32(ins.imm) & 31)))
		case xArsh32Reg:
			reg[d] = uint64(uint32(int32(reg[d]) >> (uint32(reg[s]) & 31)))
		case xLe16:
			reg[d] = uint64(uint16(reg[d]))
		case xLe32:
			reg[d] = uint64(uint32(reg[d]))
		case xLe64:
		case xBe16:
			reg[d] = uint64(bits.ReverseBytes16(uint16(reg[d])))
		case xBe32:
			reg[d] = uint64(bits.ReverseBytes32(uint32(reg[d])))
		case xBe64:
			reg[d] = bits.ReverseBytes64(reg[d])
		case xEndBad:
			return 0, m.fault(ErrInvalidInstruction, cur, executed)

		case xAdd64Imm:
			reg[d] += uint64(ins.imm)
		case xAdd64Reg:
			reg[d] += reg[s]
		case xSub64Imm:
			reg[d] -= uint64(ins.imm)
		case xSub64ImmRev:
			reg[d] = uint64(ins.imm) - reg[d]
		case xSub64Reg:
			reg[d] -= reg[s]
		case xMul64Imm:
			reg[d] *= uint64(ins.imm)
		case xMul64Reg:
			reg[d] *= reg[s]
		case xDiv64Imm:
			reg[d] /= uint64(ins.imm)
		case xDiv64Reg:
			if reg[s] == 0 {
				return 0, m.fault(ErrDivideByZero, cur, executed)
			}
			reg[d] /= reg[s]
		case xOr64Imm:
			reg[d] |= uint64(ins.imm)
		case xOr64Reg:
			reg[d] |= reg[s]
		case xAnd64Imm:
			reg[d] &= uint64(ins.imm)
		case xAnd64Reg:
			reg[d] &= reg[s]
		case xLsh64Imm:
			reg[d] <<= uint64(ins.imm) & 63
		case xLsh64Reg:
			reg[d] <<= reg[s] & 63
		case xRsh64Imm:
			reg[d] >>= uint64(ins.imm) & 63
		case xRsh64Reg:
			reg[d] >>= reg[s] & 63
		case xNeg64:
			reg[d] = -reg[d]
		case xMod64Imm:
			reg[d] %= uint64(ins.imm)
		case xMod64Reg:
			if reg[s] == 0 {
				return 0, m.fault(ErrDivideByZero, cur, executed)
			}
			reg[d] %= reg[s]
		case xXor64Imm:
			reg[d] ^= uint64(ins.imm)
		case xXor64Reg:
			reg[d] ^= reg[s]
		case xMov64Imm:
			reg[d] = uint64(ins.imm)
		case xMov64Reg:
			reg[d] = reg[s]
		case xArsh64Imm:
			reg[d] = uint64(int64(reg[d]) >> (uint64(ins.imm) & 63))
		case xArsh64Reg:
			reg[d] = uint64(int64(reg[d]) >> (reg[s] & 63))
		case xHor64Imm:
			reg[d] |= uint64(ins.imm) << 32

		// PQR (v2). Immediates of the unsigned high-multiply, divide and
		// remainder are zero-extended; the others are sign-extended.
		case xLmul32Imm:
			reg[d] = uint64(uint32(reg[d]) * uint32(ins.imm))
		case xLmul32Reg:
			reg[d] = uint64(uint32(reg[d]) * uint32(reg[s]))
		case xUdiv32Imm:
			reg[d] = uint64(uint32(reg[d]) / uint32(ins.imm))
		case xUdiv32Reg:
			if uint32(reg[s]) == 0 {
				return 0, m.fault(ErrDivideByZero, cur, executed)
			}
			reg[d] = uint64(uint32(reg[d]) / uint32(reg[s]))
		case xUrem32Imm:
			reg[d] = uint64(uint32(reg[d]) % uint32(ins.imm))
		case xUrem32Reg:
			if uint32(reg[s]) == 0 {
				return 0, m.fault(ErrDivideByZero, cur, executed)
			}
			reg[d] = uint64(uint32(reg[d]) % uint32(reg[s]))
		case xSdiv32Imm, xSdiv32Reg, xSrem32Imm, xSrem32Reg:
			x, y := int32(reg[d]), int32(ins.imm)
			if ins.x == xSdiv32Reg || ins.x == xSrem32Reg {
				y = int32(reg[s])
				if y == 0 {
					return 0, m.fault(ErrDivideByZero, cur, executed)
				}
			}
			if x == math.MinInt32 && y == -1 {
				return 0, m.fault(ErrDivideOverflow, cur, executed)
			}
			if ins.x == xSdiv32Imm || ins.x == xSdiv32Reg {
				reg[d] = uint64(uint32(x / y))
			} else {
				reg[d] = uint64(uint32(x % y))
			}
		case xLmul64Imm:
			reg[d] *= uint64(ins.imm)
		case xLmul64Reg:
			reg[d] *= reg[s]
		case xUhmul64Imm:
			reg[d], _ = bits.Mul64(reg[d], uint64(uint32(ins.imm)))
		case xUhmul64Reg:
			reg[d], _ = bits.Mul64(reg[d], reg[s])
		case xUdiv64Imm:
			reg[d] /= uint64(uint32(ins.imm))
		case xUdiv64Reg:
			if reg[s] == 0 {
				return 0, m.fault(ErrDivideByZero, cur, executed)
			}
			reg[d] /= reg[s]
		case xUrem64Imm:
			reg[d] %= uint64(uint32(ins.imm))
		case xUrem64Reg:
			if reg[s] == 0 {
				return 0, m.fault(ErrDivideByZero, cur, executed)
			}
			reg[d] %= reg[s]
		case xShmul64Imm:
			reg[d] = mulHighSigned(int64(reg[d]), ins.imm)
		case xShmul64Reg:
			reg[d] = mulHighSigned(int64(reg[d]), int64(reg[s]))
		case xSdiv64Imm, xSdiv64Reg, xSrem64Imm, xSrem64Reg:
			x, y := int64(reg[d]), ins.imm
			if ins.x == xSdiv64Reg || ins.x == xSrem64Reg {
				y = int64(reg[s])
				if y == 0 {
					return 0, m.fault(ErrDivideByZero, cur, executed)
				}
			}
			if x == math.MinInt64 && y == -1 {
				return 0, m.fault(ErrDivideOverflow, cur, executed)
			}
			if ins.x == xSdiv64Imm || ins.x == xSdiv64Reg {
				reg[d] = uint64(x / y)
			} else {
				reg[d] = uint64(x % y)
			}

		case xJa:
			pc = int(ins.off)
		case xJeqImm:
			if reg[d] == uint64(ins.imm) {
				pc = int(ins.off)
			}
		case xJeqReg:
			if reg[d] == reg[s] {
				pc = int(ins.off)
			}
		case xJgtImm:
			if reg[d] > uint64(ins.imm) {
				pc = int(ins.off)
			}
		case xJgtReg:
			if reg[d] > reg[s] {
				pc = int(ins.off)
			}
		case xJgeImm:
			if reg[d] >= uint64(ins.imm) {
				pc = int(ins.off)
			}
		case xJgeReg:
			if reg[d] >= reg[s] {
				pc = int(ins.off)
			}
		case xJsetImm:
			if reg[d]&uint64(ins.imm) != 0 {
				pc = int(ins.off)
			}
		case xJsetReg:
			if reg[d]&reg[s] != 0 {
				pc = int(ins.off)
			}
		case xJneImm:
			if reg[d] != uint64(ins.imm) {
				pc = int(ins.off)
			}
		case xJneReg:
			if reg[d] != reg[s] {
				pc = int(ins.off)
			}
		case xJsgtImm:
			if int64(reg[d]) > ins.imm {
				pc = int(ins.off)
			}
		case xJsgtReg:
			if int64(reg[d]) > int64(reg[s]) {
				pc = int(ins.off)
			}
		case xJsgeImm:
			if int64(reg[d]) >= ins.imm {
				pc = int(ins.off)
			}
		case xJsgeReg:
			if int64(reg[d]) >= int64(reg[s]) {
				pc = int(ins.off)
			}
		case xJltImm:
			if reg[d] < uint64(ins.imm) {
				pc = int(ins.off)
			}
		case xJltReg:
			if reg[d] < reg[s] {
				pc = int(ins.off)
			}
		case xJleImm:
			if reg[d] <= uint64(ins.imm) {
				pc = int(ins.off)
			}
		case xJleReg:
			if reg[d] <= reg[s] {
				pc = int(ins.off)
			}
		case xJsltImm:
			if int64(reg[d]) < ins.imm {
				pc = int(ins.off)
			}
		case xJsltReg:
			if int64(reg[d]) < int64(reg[s]) {
				pc = int(ins.off)
			}
		case xJsleImm:
			if int64(reg[d]) <= ins.imm {
				pc = int(ins.off)
			}
		case xJsleReg:
			if int64(reg[d]) <= int64(reg[s]) {
				pc = int(ins.off)
			}

		case xCall, xCallxImm, xCallxSrc:
			target := uint64(ins.off)
			if ins.x != xCall {
				target = (reg[s] - textAddr) / SlotSize
			}
			f := &m.frames[m.depth]
			f.saved = [4]uint64{reg[6], reg[7], reg[8], reg[9]}
			f.fp = reg[10]
			f.ret = pc
			m.depth++
			if m.depth == MaxCallDepth {
				return 0, m.fault(ErrCallDepthExceeded, cur, executed)
			}
			reg[10] += frameBump
			if target >= nslots {
				return 0, m.fault(ErrCallOutsideTextSegment, cur, executed)
			}
			pc = int(target)
		case xSyscall:
			sc := p.syscalls[ins.off]
			m.remaining -= executed
			executed = 0
			m.pc = cur
			r, err := sc.Fn(m, reg[1], reg[2], reg[3], reg[4], reg[5])
			if err != nil {
				return 0, &SyscallError{Name: sc.Name, PC: cur, Err: err}
			}
			reg[0] = r
			limit = m.remaining
			stop = limit
			if m.trace != nil && stop > 0 {
				stop = 0
			}
		case xCallUnknown, xCallBad, xInvalid:
			return 0, m.fault(ErrUnsupportedInstruction, cur, executed)
		case xExit:
			if m.depth == 0 {
				m.remaining -= executed
				m.pc = cur
				return reg[0], nil
			}
			m.depth--
			f := &m.frames[m.depth]
			reg[6], reg[7], reg[8], reg[9] = f.saved[0], f.saved[1], f.saved[2], f.saved[3]
			reg[10] = f.fp
			pc = f.ret
		case xOverrun:
			return 0, m.fault(ErrExecutionOverrun, cur, executed)
		default:
			return 0, m.fault(ErrUnsupportedInstruction, cur, executed)
		}
	}
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
