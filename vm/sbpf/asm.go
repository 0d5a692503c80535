package sbpf

// This file is the typed assembler: small constructors that produce
// Instruction values, so tests and tools write programs as Go code. Unless a
// name says otherwise, constructors emit the SBPFv0/v1 encoding; the V2
// variants emit the encodings that v2 moved.

// ALUOp selects an arithmetic operation; its methods build instructions.
type ALUOp uint8

// Arithmetic operations, as the high nibble of the opcode.
const (
	Add  ALUOp = 0x00
	Sub  ALUOp = 0x10
	Mul  ALUOp = 0x20
	Div  ALUOp = 0x30
	Or   ALUOp = 0x40
	And  ALUOp = 0x50
	Lsh  ALUOp = 0x60
	Rsh  ALUOp = 0x70
	Neg  ALUOp = 0x80
	Mod  ALUOp = 0x90
	Xor  ALUOp = 0xa0
	Mov  ALUOp = 0xb0
	Arsh ALUOp = 0xc0
	Hor  ALUOp = 0xf0
)

// Imm is the 64-bit operation dst op= imm.
func (a ALUOp) Imm(dst Register, imm int32) Instruction {
	return Instruction{Op: Opcode(a) | ClassALU64 | SrcImm, Dst: dst, Imm: imm}
}

// Reg is the 64-bit operation dst op= src.
func (a ALUOp) Reg(dst, src Register) Instruction {
	return Instruction{Op: Opcode(a) | ClassALU64 | SrcReg, Dst: dst, Src: src}
}

// Imm32 is the 32-bit operation dst op= imm.
func (a ALUOp) Imm32(dst Register, imm int32) Instruction {
	return Instruction{Op: Opcode(a) | ClassALU32 | SrcImm, Dst: dst, Imm: imm}
}

// Reg32 is the 32-bit operation dst op= src.
func (a ALUOp) Reg32(dst, src Register) Instruction {
	return Instruction{Op: Opcode(a) | ClassALU32 | SrcReg, Dst: dst, Src: src}
}

// PQROp selects a v2 product/quotient/remainder operation.
type PQROp uint8

// PQR operations, as the high nibble of the opcode (64-bit adds 0x10).
const (
	Lmul  PQROp = 0x80
	Uhmul PQROp = 0x20
	Udiv  PQROp = 0x40
	Urem  PQROp = 0x60
	Shmul PQROp = 0xa0
	Sdiv  PQROp = 0xc0
	Srem  PQROp = 0xe0
)

// Imm is the 64-bit operation dst op= imm.
func (p PQROp) Imm(dst Register, imm int32) Instruction {
	return Instruction{Op: Opcode(p) | 0x10 | ClassPQR | SrcImm, Dst: dst, Imm: imm}
}

// Reg is the 64-bit operation dst op= src.
func (p PQROp) Reg(dst, src Register) Instruction {
	return Instruction{Op: Opcode(p) | 0x10 | ClassPQR | SrcReg, Dst: dst, Src: src}
}

// Imm32 is the 32-bit operation dst op= imm.
func (p PQROp) Imm32(dst Register, imm int32) Instruction {
	return Instruction{Op: Opcode(p) | ClassPQR | SrcImm, Dst: dst, Imm: imm}
}

// Reg32 is the 32-bit operation dst op= src.
func (p PQROp) Reg32(dst, src Register) Instruction {
	return Instruction{Op: Opcode(p) | ClassPQR | SrcReg, Dst: dst, Src: src}
}

// JumpOp selects a comparison; its methods build conditional jumps whose off
// is relative to the next slot.
type JumpOp uint8

// Comparisons, as the high nibble of the opcode.
const (
	JEq  JumpOp = 0x10
	JGt  JumpOp = 0x20
	JGe  JumpOp = 0x30
	JSet JumpOp = 0x40
	JNe  JumpOp = 0x50
	JSgt JumpOp = 0x60
	JSge JumpOp = 0x70
	JLt  JumpOp = 0xa0
	JLe  JumpOp = 0xb0
	JSlt JumpOp = 0xc0
	JSle JumpOp = 0xd0
)

// Imm jumps by off if dst cmp imm.
func (j JumpOp) Imm(dst Register, imm int32, off int16) Instruction {
	return Instruction{Op: Opcode(j) | ClassJMP | SrcImm, Dst: dst, Imm: imm, Off: off}
}

// Reg jumps by off if dst cmp src.
func (j JumpOp) Reg(dst, src Register, off int16) Instruction {
	return Instruction{Op: Opcode(j) | ClassJMP | SrcReg, Dst: dst, Src: src, Off: off}
}

// Size is the width of a memory access.
type Size uint8

// Access widths.
const (
	Byte  Size = 1
	Half  Size = 2
	Word  Size = 4
	DWord Size = 8
)

func (s Size) classicBits() Opcode {
	switch s {
	case Byte:
		return 0x10
	case Half:
		return 0x08
	case Word:
		return 0x00
	default:
		return 0x18
	}
}

func (s Size) v2Bits() Opcode {
	switch s {
	case Byte:
		return 0x20
	case Half:
		return 0x30
	case Word:
		return 0x80
	default:
		return 0x90
	}
}

// Load is dst = *(size *)(src + off).
func Load(size Size, dst, src Register, off int16) Instruction {
	return Instruction{Op: 0x60 | size.classicBits() | ClassLDX, Dst: dst, Src: src, Off: off}
}

// StoreImm is *(size *)(dst + off) = imm.
func StoreImm(size Size, dst Register, off int16, imm int32) Instruction {
	return Instruction{Op: 0x60 | size.classicBits() | ClassST, Dst: dst, Off: off, Imm: imm}
}

// Store is *(size *)(dst + off) = src.
func Store(size Size, dst Register, off int16, src Register) Instruction {
	return Instruction{Op: 0x60 | size.classicBits() | ClassSTX, Dst: dst, Src: src, Off: off}
}

// LoadV2 is Load in the v2 encoding.
func LoadV2(size Size, dst, src Register, off int16) Instruction {
	return Instruction{Op: size.v2Bits() | SrcReg | ClassALU32, Dst: dst, Src: src, Off: off}
}

// StoreImmV2 is StoreImm in the v2 encoding.
func StoreImmV2(size Size, dst Register, off int16, imm int32) Instruction {
	return Instruction{Op: size.v2Bits() | SrcImm | ClassALU64, Dst: dst, Off: off, Imm: imm}
}

// StoreV2 is Store in the v2 encoding.
func StoreV2(size Size, dst Register, off int16, src Register) Instruction {
	return Instruction{Op: size.v2Bits() | SrcReg | ClassALU64, Dst: dst, Src: src, Off: off}
}

// LoadImm64 is the two-slot lddw dst, v.
func LoadImm64(dst Register, v uint64) [2]Instruction {
	return [2]Instruction{
		{Op: OpLdDW, Dst: dst, Imm: int32(uint32(v))},
		{Imm: int32(uint32(v >> 32))},
	}
}

// Endian converts the low bits of dst: Be swaps to big-endian, Le truncates.
func Endian(big bool, dst Register, bits int32) Instruction {
	op := OpLe
	if big {
		op = OpBe
	}
	return Instruction{Op: op, Dst: dst, Imm: bits}
}

// Ja jumps unconditionally by off.
func Ja(off int16) Instruction { return Instruction{Op: OpJa, Off: off} }

// Call calls the function or syscall keyed by key (see FunctionKey, SymbolHash).
func Call(key uint32) Instruction { return Instruction{Op: OpCall, Imm: int32(key)} }

// CallSyscall calls the syscall named name.
func CallSyscall(name string) Instruction { return Call(SymbolHash(name)) }

// Callx calls the address held in r (v0/v1 encoding: register in imm).
func Callx(r Register) Instruction { return Instruction{Op: OpCallx, Imm: int32(r)} }

// CallxV2 calls the address held in r (v2 encoding: register in src).
func CallxV2(r Register) Instruction { return Instruction{Op: OpCallx, Src: r} }

// Exit returns from the current function, or ends the program with r0.
func Exit() Instruction { return Instruction{Op: OpExit} }

// Text flattens instructions and two-slot lddw pairs into one slice; each
// argument is an Instruction, a [2]Instruction or a []Instruction.
func Text(parts ...any) []Instruction {
	var out []Instruction
	for _, p := range parts {
		switch v := p.(type) {
		case Instruction:
			out = append(out, v)
		case [2]Instruction:
			out = append(out, v[0], v[1])
		case []Instruction:
			out = append(out, v...)
		default:
			panic("sbpf.Text: argument is not an instruction")
		}
	}
	return out
}
