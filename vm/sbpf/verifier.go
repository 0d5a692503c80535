package sbpf

// Verify checks program text for version v the way the network's verifier
// does, returning the first rejection as a *VerifyError. It is a pure
// function of its arguments.
//
// Checked: every opcode exists in v; registers are r0..r10 and only stores
// name r10 as dst (plus add64 r10, imm in v1/v2, which must be a multiple of
// 64); jumps land inside the text and not on the second slot of an lddw; no
// lddw is split across the end; no division or remainder by an immediate 0;
// immediate shifts are below the operand width; le/be widths are 16, 32 or
// 64; callx names r0..r9.
func Verify(v Version, text []Instruction) error {
	if v >= numVersions {
		return ErrUnsupportedVersion
	}
	if len(text) == 0 {
		return ErrNoProgram
	}
	table := &opTable[v]
	n := len(text)
	for pc := 0; pc < n; pc++ {
		ins := text[pc]
		info := table[ins.Op]
		if info.x == xInvalid {
			return &VerifyError{PC: pc, Err: ErrUnknownOpcode}
		}
		first := pc
		switch info.check {
		case cLddw:
			if pc+1 >= n {
				return &VerifyError{PC: pc, Err: ErrLddwCannotBeLast}
			}
			if text[pc+1].Op != 0 {
				return &VerifyError{PC: pc, Err: ErrIncompleteLddw}
			}
			pc++
		case cNonZeroImm:
			if ins.Imm == 0 {
				return &VerifyError{PC: pc, Err: ErrDivisionByZeroImm}
			}
		case cShift32:
			if ins.Imm < 0 || ins.Imm >= 32 {
				return &VerifyError{PC: pc, Err: ErrShiftOutOfRange}
			}
		case cShift64:
			if ins.Imm < 0 || ins.Imm >= 64 {
				return &VerifyError{PC: pc, Err: ErrShiftOutOfRange}
			}
		case cEndian:
			if ins.Imm != 16 && ins.Imm != 32 && ins.Imm != 64 {
				return &VerifyError{PC: pc, Err: ErrInvalidEndianWidth}
			}
		case cJump:
			target := pc + 1 + int(ins.Off)
			if target < 0 || target >= n {
				return &VerifyError{PC: pc, Err: ErrJumpOutOfCode}
			}
			if text[target].Op == 0 {
				return &VerifyError{PC: pc, Err: ErrJumpIntoLddw}
			}
		case cCallx:
			reg := int64(ins.Imm)
			if v.callxUsesSrc() {
				reg = int64(ins.Src)
			}
			if reg < 0 || reg > 9 {
				return &VerifyError{PC: pc, Err: ErrInvalidCallxRegister}
			}
		case cStackBump:
			if ins.Dst == R10 && v.dynamicStackFrames() && ins.Imm&63 != 0 {
				return &VerifyError{PC: pc, Err: ErrUnalignedStackBump}
			}
		}
		if ins.Src > R10 {
			return &VerifyError{PC: first, Err: ErrInvalidSrcRegister}
		}
		switch {
		case ins.Dst <= R9:
		case ins.Dst == R10 && info.store:
		case ins.Dst == R10 && info.check == cStackBump && v.dynamicStackFrames():
		case ins.Dst == R10:
			return &VerifyError{PC: first, Err: ErrWriteR10}
		default:
			return &VerifyError{PC: first, Err: ErrInvalidDstRegister}
		}
	}
	return nil
}
