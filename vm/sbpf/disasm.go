package sbpf

import (
	"fmt"
	"strings"
)

// Format renders the slot at index pc as assembly for version v; next is
// the following slot (needed for lddw, ignored otherwise). Jump targets are
// printed as absolute instruction indices.
func (ins Instruction) Format(v Version, pc int, next Instruction) string {
	info := opTable[v%numVersions][ins.Op]
	if v >= numVersions || info.x == xInvalid {
		return fmt.Sprintf(".slot %#02x, r%d, r%d, %d, %d", uint8(ins.Op), ins.Dst, ins.Src, ins.Off, ins.Imm)
	}
	n := info.name
	switch info.form {
	case fAluImm:
		return fmt.Sprintf("%s %v, %d", n, ins.Dst, ins.Imm)
	case fAluReg:
		return fmt.Sprintf("%s %v, %v", n, ins.Dst, ins.Src)
	case fUnary:
		return fmt.Sprintf("%s %v", n, ins.Dst)
	case fEndian:
		return fmt.Sprintf("%s%d %v", n, ins.Imm, ins.Dst)
	case fLddw:
		val := uint64(uint32(ins.Imm)) | uint64(uint32(next.Imm))<<32
		return fmt.Sprintf("%s %v, %#x", n, ins.Dst, val)
	case fLoad:
		return fmt.Sprintf("%s %v, [%v%s]", n, ins.Dst, ins.Src, signedOff(ins.Off))
	case fStoreImm:
		return fmt.Sprintf("%s [%v%s], %d", n, ins.Dst, signedOff(ins.Off), ins.Imm)
	case fStoreReg:
		return fmt.Sprintf("%s [%v%s], %v", n, ins.Dst, signedOff(ins.Off), ins.Src)
	case fJa:
		return fmt.Sprintf("%s %d", n, pc+1+int(ins.Off))
	case fJmpImm:
		return fmt.Sprintf("%s %v, %d, %d", n, ins.Dst, ins.Imm, pc+1+int(ins.Off))
	case fJmpReg:
		return fmt.Sprintf("%s %v, %v, %d", n, ins.Dst, ins.Src, pc+1+int(ins.Off))
	case fCall:
		return fmt.Sprintf("%s %#x", n, uint32(ins.Imm))
	case fCallx:
		if v.callxUsesSrc() {
			return fmt.Sprintf("%s %v", n, ins.Src)
		}
		return fmt.Sprintf("%s r%d", n, ins.Imm)
	}
	return n
}

func signedOff(off int16) string {
	if off < 0 {
		return fmt.Sprintf("-%#x", -int(off))
	}
	return fmt.Sprintf("+%#x", off)
}

// Disassemble renders text as one line per instruction, "pc: asm". Call
// immediates that name a registered syscall or function are annotated when
// p is given.
func Disassemble(v Version, text []Instruction, p *Program) string {
	var sb strings.Builder
	names := map[uint32]string{}
	if p != nil {
		for _, s := range p.syscalls {
			names[s.Hash] = s.Name
		}
		for k, pc := range p.spec.Functions {
			if k == EntrypointKey {
				names[k] = "entrypoint"
			} else if _, ok := names[k]; !ok {
				names[k] = fmt.Sprintf("function_%d", pc)
			}
		}
	}
	for pc := 0; pc < len(text); pc++ {
		var next Instruction
		if pc+1 < len(text) {
			next = text[pc+1]
		}
		line := text[pc].Format(v, pc, next)
		if text[pc].Op == OpCall {
			if name, ok := names[uint32(text[pc].Imm)]; ok {
				line += " ; " + name
			}
		}
		fmt.Fprintf(&sb, "%5d: %s\n", pc, line)
		if opTable[v%numVersions][text[pc].Op].form == fLddw && v < numVersions {
			pc++
		}
	}
	return sb.String()
}

// traceStep writes one line of the execution trace: the instruction about
// to run and the registers before it.
func (m *Machine) traceStep(pc int, reg *[16]uint64) {
	text := m.prog.spec.Text
	line := "<past end of text>"
	if pc < len(text) {
		var next Instruction
		if pc+1 < len(text) {
			next = text[pc+1]
		}
		line = text[pc].Format(m.prog.spec.Version, pc, next)
	}
	fmt.Fprintf(m.trace, "%5d: %-32s r0=%#x r1=%#x r2=%#x r3=%#x r4=%#x r5=%#x r6=%#x r7=%#x r8=%#x r9=%#x r10=%#x\n",
		pc, line, reg[0], reg[1], reg[2], reg[3], reg[4], reg[5], reg[6], reg[7], reg[8], reg[9], reg[10])
}
