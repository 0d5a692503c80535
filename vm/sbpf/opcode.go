package sbpf

import "fmt"

// Opcode is the first byte of an instruction slot:
//
//	bit 7      4   3   2     0
//	+----------+---+--------+
//	| op       | s | class  |   ALU and jump classes (s: 0 = imm, 1 = register)
//	+----------+---+--------+
//	| mode | size  | class  |   classic memory classes (v0, v1)
//	+------+-------+--------+
//
// The same byte can mean different things in different versions: 0x2c is
// mul32 reg in v0/v1 and ldxb in v2. Names below are the v0 meaning unless the
// constant carries a V2 suffix.
type Opcode uint8

// Instruction classes (low three bits).
const (
	ClassLD    Opcode = 0x00
	ClassLDX   Opcode = 0x01
	ClassST    Opcode = 0x02
	ClassSTX   Opcode = 0x03
	ClassALU32 Opcode = 0x04
	ClassJMP   Opcode = 0x05
	ClassPQR   Opcode = 0x06
	ClassALU64 Opcode = 0x07
)

// Operand source bit.
const (
	SrcImm Opcode = 0x00
	SrcReg Opcode = 0x08
)

// Opcodes.
const (
	OpLdDW Opcode = 0x18

	OpLdxB  Opcode = 0x71
	OpLdxH  Opcode = 0x69
	OpLdxW  Opcode = 0x61
	OpLdxDW Opcode = 0x79
	OpStB   Opcode = 0x72
	OpStH   Opcode = 0x6a
	OpStW   Opcode = 0x62
	OpStDW  Opcode = 0x7a
	OpStxB  Opcode = 0x73
	OpStxH  Opcode = 0x6b
	OpStxW  Opcode = 0x63
	OpStxDW Opcode = 0x7b

	// v2 memory instructions, moved into the ALU classes.
	OpLdxBV2  Opcode = 0x2c
	OpLdxHV2  Opcode = 0x3c
	OpLdxWV2  Opcode = 0x8c
	OpLdxDWV2 Opcode = 0x9c
	OpStBV2   Opcode = 0x27
	OpStHV2   Opcode = 0x37
	OpStWV2   Opcode = 0x87
	OpStDWV2  Opcode = 0x97
	OpStxBV2  Opcode = 0x2f
	OpStxHV2  Opcode = 0x3f
	OpStxWV2  Opcode = 0x8f
	OpStxDWV2 Opcode = 0x9f

	OpAdd32Imm  Opcode = 0x04
	OpAdd32Reg  Opcode = 0x0c
	OpSub32Imm  Opcode = 0x14
	OpSub32Reg  Opcode = 0x1c
	OpMul32Imm  Opcode = 0x24
	OpMul32Reg  Opcode = 0x2c
	OpDiv32Imm  Opcode = 0x34
	OpDiv32Reg  Opcode = 0x3c
	OpOr32Imm   Opcode = 0x44
	OpOr32Reg   Opcode = 0x4c
	OpAnd32Imm  Opcode = 0x54
	OpAnd32Reg  Opcode = 0x5c
	OpLsh32Imm  Opcode = 0x64
	OpLsh32Reg  Opcode = 0x6c
	OpRsh32Imm  Opcode = 0x74
	OpRsh32Reg  Opcode = 0x7c
	OpNeg32     Opcode = 0x84
	OpMod32Imm  Opcode = 0x94
	OpMod32Reg  Opcode = 0x9c
	OpXor32Imm  Opcode = 0xa4
	OpXor32Reg  Opcode = 0xac
	OpMov32Imm  Opcode = 0xb4
	OpMov32Reg  Opcode = 0xbc
	OpArsh32Imm Opcode = 0xc4
	OpArsh32Reg Opcode = 0xcc
	OpLe        Opcode = 0xd4
	OpBe        Opcode = 0xdc

	OpAdd64Imm  Opcode = 0x07
	OpAdd64Reg  Opcode = 0x0f
	OpSub64Imm  Opcode = 0x17
	OpSub64Reg  Opcode = 0x1f
	OpMul64Imm  Opcode = 0x27
	OpMul64Reg  Opcode = 0x2f
	OpDiv64Imm  Opcode = 0x37
	OpDiv64Reg  Opcode = 0x3f
	OpOr64Imm   Opcode = 0x47
	OpOr64Reg   Opcode = 0x4f
	OpAnd64Imm  Opcode = 0x57
	OpAnd64Reg  Opcode = 0x5f
	OpLsh64Imm  Opcode = 0x67
	OpLsh64Reg  Opcode = 0x6f
	OpRsh64Imm  Opcode = 0x77
	OpRsh64Reg  Opcode = 0x7f
	OpNeg64     Opcode = 0x87
	OpMod64Imm  Opcode = 0x97
	OpMod64Reg  Opcode = 0x9f
	OpXor64Imm  Opcode = 0xa7
	OpXor64Reg  Opcode = 0xaf
	OpMov64Imm  Opcode = 0xb7
	OpMov64Reg  Opcode = 0xbf
	OpArsh64Imm Opcode = 0xc7
	OpArsh64Reg Opcode = 0xcf
	OpHor64Imm  Opcode = 0xf7

	// PQR class (v2).
	OpLmul32Imm  Opcode = 0x86
	OpLmul32Reg  Opcode = 0x8e
	OpUdiv32Imm  Opcode = 0x46
	OpUdiv32Reg  Opcode = 0x4e
	OpUrem32Imm  Opcode = 0x66
	OpUrem32Reg  Opcode = 0x6e
	OpSdiv32Imm  Opcode = 0xc6
	OpSdiv32Reg  Opcode = 0xce
	OpSrem32Imm  Opcode = 0xe6
	OpSrem32Reg  Opcode = 0xee
	OpLmul64Imm  Opcode = 0x96
	OpLmul64Reg  Opcode = 0x9e
	OpUhmul64Imm Opcode = 0x36
	OpUhmul64Reg Opcode = 0x3e
	OpUdiv64Imm  Opcode = 0x56
	OpUdiv64Reg  Opcode = 0x5e
	OpUrem64Imm  Opcode = 0x76
	OpUrem64Reg  Opcode = 0x7e
	OpShmul64Imm Opcode = 0xb6
	OpShmul64Reg Opcode = 0xbe
	OpSdiv64Imm  Opcode = 0xd6
	OpSdiv64Reg  Opcode = 0xde
	OpSrem64Imm  Opcode = 0xf6
	OpSrem64Reg  Opcode = 0xfe

	OpJa      Opcode = 0x05
	OpJeqImm  Opcode = 0x15
	OpJeqReg  Opcode = 0x1d
	OpJgtImm  Opcode = 0x25
	OpJgtReg  Opcode = 0x2d
	OpJgeImm  Opcode = 0x35
	OpJgeReg  Opcode = 0x3d
	OpJsetImm Opcode = 0x45
	OpJsetReg Opcode = 0x4d
	OpJneImm  Opcode = 0x55
	OpJneReg  Opcode = 0x5d
	OpJsgtImm Opcode = 0x65
	OpJsgtReg Opcode = 0x6d
	OpJsgeImm Opcode = 0x75
	OpJsgeReg Opcode = 0x7d
	OpCall    Opcode = 0x85
	OpCallx   Opcode = 0x8d
	OpExit    Opcode = 0x95
	OpJltImm  Opcode = 0xa5
	OpJltReg  Opcode = 0xad
	OpJleImm  Opcode = 0xb5
	OpJleReg  Opcode = 0xbd
	OpJsltImm Opcode = 0xc5
	OpJsltReg Opcode = 0xcd
	OpJsleImm Opcode = 0xd5
	OpJsleReg Opcode = 0xdd
)

// Class returns the instruction class.
func (op Opcode) Class() Opcode { return op & 0x07 }

// String names the opcode as SBPFv0 reads it, e.g. "add64" or "op(0xff)".
func (op Opcode) String() string { return op.Name(V0) }

// Name names the opcode as version v reads it.
func (op Opcode) Name(v Version) string {
	if info := opTable[v][op]; info.x != xInvalid {
		return info.name
	}
	return fmt.Sprintf("op(%#02x)", uint8(op))
}

// xop is the interpreter's own operation code: one per distinct semantics, so
// that version differences are resolved once, when a program is built, and
// the hot loop switches on a dense byte.
type xop uint8

const (
	xInvalid xop = iota
	xLddw
	xLd1
	xLd2
	xLd4
	xLd8
	xSt1Imm
	xSt2Imm
	xSt4Imm
	xSt8Imm
	xSt1Reg
	xSt2Reg
	xSt4Reg
	xSt8Reg

	xAdd32ImmSX
	xAdd32RegSX
	xSub32ImmSX
	xSub32RegSX
	xMul32ImmSX
	xMul32RegSX
	xAdd32ImmZX
	xAdd32RegZX
	xSub32ImmRevZX
	xSub32RegZX
	xDiv32Imm
	xDiv32Reg
	xOr32Imm
	xOr32Reg
	xAnd32Imm
	xAnd32Reg
	xLsh32Imm
	xLsh32Reg
	xRsh32Imm
	xRsh32Reg
	xNeg32
	xMod32Imm
	xMod32Reg
	xXor32Imm
	xXor32Reg
	xMov32Imm
	xMov32Reg
	xMov32RegSX
	xArsh32Imm
	xArsh32Reg
	xLe16
	xLe32
	xLe64
	xBe16
	xBe32
	xBe64
	xEndBad

	xAdd64Imm
	xAdd64Reg
	xSub64Imm
	xSub64ImmRev
	xSub64Reg
	xMul64Imm
	xMul64Reg
	xDiv64Imm
	xDiv64Reg
	xOr64Imm
	xOr64Reg
	xAnd64Imm
	xAnd64Reg
	xLsh64Imm
	xLsh64Reg
	xRsh64Imm
	xRsh64Reg
	xNeg64
	xMod64Imm
	xMod64Reg
	xXor64Imm
	xXor64Reg
	xMov64Imm
	xMov64Reg
	xArsh64Imm
	xArsh64Reg
	xHor64Imm

	xLmul32Imm
	xLmul32Reg
	xUdiv32Imm
	xUdiv32Reg
	xUrem32Imm
	xUrem32Reg
	xSdiv32Imm
	xSdiv32Reg
	xSrem32Imm
	xSrem32Reg
	xLmul64Imm
	xLmul64Reg
	xUhmul64Imm
	xUhmul64Reg
	xUdiv64Imm
	xUdiv64Reg
	xUrem64Imm
	xUrem64Reg
	xShmul64Imm
	xShmul64Reg
	xSdiv64Imm
	xSdiv64Reg
	xSrem64Imm
	xSrem64Reg

	xJa
	xJeqImm
	xJeqReg
	xJgtImm
	xJgtReg
	xJgeImm
	xJgeReg
	xJsetImm
	xJsetReg
	xJneImm
	xJneReg
	xJsgtImm
	xJsgtReg
	xJsgeImm
	xJsgeReg
	xJltImm
	xJltReg
	xJleImm
	xJleReg
	xJsltImm
	xJsltReg
	xJsleImm
	xJsleReg

	xCall        // internal call, off = target pc
	xSyscall     // off = index into Program.syscalls
	xCallUnknown // imm names neither a function nor a syscall
	xCallxImm    // v0/v1: register number in imm
	xCallxSrc    // v2: register in src
	xExit
	xOverrun // sentinel past the last slot
)

// form tells the disassembler how to print operands and the verifier which
// extra check applies.
type form uint8

const (
	fAluImm form = iota
	fAluReg
	fUnary
	fEndian
	fLddw
	fLoad
	fStoreImm
	fStoreReg
	fJa
	fJmpImm
	fJmpReg
	fCall
	fCallx
	fExit
)

type check uint8

const (
	cNone check = iota
	cNonZeroImm
	cShift32
	cShift64
	cEndian
	cLddw
	cJump
	cCallx
	cStackBump // add64 with dst r10 in v1/v2
)

type opInfo struct {
	name  string
	x     xop
	form  form
	check check
	store bool
}

const numVersions = 3

// opTable[v][op] describes what op means in version v; x == xInvalid means
// the opcode does not exist there.
var opTable [numVersions][256]opInfo

type vmask uint8

const (
	mV0      vmask = 1 << V0
	mV1      vmask = 1 << V1
	mV2      vmask = 1 << V2
	mAll           = mV0 | mV1 | mV2
	mClassic       = mV0 | mV1
)

func def(m vmask, op Opcode, name string, x xop, f form, c check) {
	for v := Version(0); v < numVersions; v++ {
		if m&(1<<v) != 0 {
			opTable[v][op] = opInfo{name: name, x: x, form: f, check: c,
				store: f == fStoreImm || f == fStoreReg}
		}
	}
}

func init() {
	def(mClassic, OpLdDW, "lddw", xLddw, fLddw, cLddw)

	def(mClassic, OpLdxB, "ldxb", xLd1, fLoad, cNone)
	def(mClassic, OpLdxH, "ldxh", xLd2, fLoad, cNone)
	def(mClassic, OpLdxW, "ldxw", xLd4, fLoad, cNone)
	def(mClassic, OpLdxDW, "ldxdw", xLd8, fLoad, cNone)
	def(mClassic, OpStB, "stb", xSt1Imm, fStoreImm, cNone)
	def(mClassic, OpStH, "sth", xSt2Imm, fStoreImm, cNone)
	def(mClassic, OpStW, "stw", xSt4Imm, fStoreImm, cNone)
	def(mClassic, OpStDW, "stdw", xSt8Imm, fStoreImm, cNone)
	def(mClassic, OpStxB, "stxb", xSt1Reg, fStoreReg, cNone)
	def(mClassic, OpStxH, "stxh", xSt2Reg, fStoreReg, cNone)
	def(mClassic, OpStxW, "stxw", xSt4Reg, fStoreReg, cNone)
	def(mClassic, OpStxDW, "stxdw", xSt8Reg, fStoreReg, cNone)

	def(mV2, OpLdxBV2, "ldxb", xLd1, fLoad, cNone)
	def(mV2, OpLdxHV2, "ldxh", xLd2, fLoad, cNone)
	def(mV2, OpLdxWV2, "ldxw", xLd4, fLoad, cNone)
	def(mV2, OpLdxDWV2, "ldxdw", xLd8, fLoad, cNone)
	def(mV2, OpStBV2, "stb", xSt1Imm, fStoreImm, cNone)
	def(mV2, OpStHV2, "sth", xSt2Imm, fStoreImm, cNone)
	def(mV2, OpStWV2, "stw", xSt4Imm, fStoreImm, cNone)
	def(mV2, OpStDWV2, "stdw", xSt8Imm, fStoreImm, cNone)
	def(mV2, OpStxBV2, "stxb", xSt1Reg, fStoreReg, cNone)
	def(mV2, OpStxHV2, "stxh", xSt2Reg, fStoreReg, cNone)
	def(mV2, OpStxWV2, "stxw", xSt4Reg, fStoreReg, cNone)
	def(mV2, OpStxDWV2, "stxdw", xSt8Reg, fStoreReg, cNone)

	// 32-bit ALU: add, sub and mul sign-extend their result before v2.
	def(mClassic, OpAdd32Imm, "add32", xAdd32ImmSX, fAluImm, cNone)
	def(mClassic, OpAdd32Reg, "add32", xAdd32RegSX, fAluReg, cNone)
	def(mClassic, OpSub32Imm, "sub32", xSub32ImmSX, fAluImm, cNone)
	def(mClassic, OpSub32Reg, "sub32", xSub32RegSX, fAluReg, cNone)
	def(mClassic, OpMul32Imm, "mul32", xMul32ImmSX, fAluImm, cNone)
	def(mClassic, OpMul32Reg, "mul32", xMul32RegSX, fAluReg, cNone)
	def(mClassic, OpDiv32Imm, "div32", xDiv32Imm, fAluImm, cNonZeroImm)
	def(mClassic, OpDiv32Reg, "div32", xDiv32Reg, fAluReg, cNone)
	def(mClassic, OpNeg32, "neg32", xNeg32, fUnary, cNone)
	def(mClassic, OpMod32Imm, "mod32", xMod32Imm, fAluImm, cNonZeroImm)
	def(mClassic, OpMod32Reg, "mod32", xMod32Reg, fAluReg, cNone)
	def(mClassic, OpMov32Reg, "mov32", xMov32Reg, fAluReg, cNone)
	def(mClassic, OpLe, "le", xLe64, fEndian, cEndian)
	def(mV2, OpAdd32Imm, "add32", xAdd32ImmZX, fAluImm, cNone)
	def(mV2, OpAdd32Reg, "add32", xAdd32RegZX, fAluReg, cNone)
	def(mV2, OpSub32Imm, "sub32", xSub32ImmRevZX, fAluImm, cNone)
	def(mV2, OpSub32Reg, "sub32", xSub32RegZX, fAluReg, cNone)
	def(mV2, OpMov32Reg, "mov32", xMov32RegSX, fAluReg, cNone)
	def(mAll, OpOr32Imm, "or32", xOr32Imm, fAluImm, cNone)
	def(mAll, OpOr32Reg, "or32", xOr32Reg, fAluReg, cNone)
	def(mAll, OpAnd32Imm, "and32", xAnd32Imm, fAluImm, cNone)
	def(mAll, OpAnd32Reg, "and32", xAnd32Reg, fAluReg, cNone)
	def(mAll, OpLsh32Imm, "lsh32", xLsh32Imm, fAluImm, cShift32)
	def(mAll, OpLsh32Reg, "lsh32", xLsh32Reg, fAluReg, cNone)
	def(mAll, OpRsh32Imm, "rsh32", xRsh32Imm, fAluImm, cShift32)
	def(mAll, OpRsh32Reg, "rsh32", xRsh32Reg, fAluReg, cNone)
	def(mAll, OpXor32Imm, "xor32", xXor32Imm, fAluImm, cNone)
	def(mAll, OpXor32Reg, "xor32", xXor32Reg, fAluReg, cNone)
	def(mAll, OpMov32Imm, "mov32", xMov32Imm, fAluImm, cNone)
	def(mAll, OpArsh32Imm, "arsh32", xArsh32Imm, fAluImm, cShift32)
	def(mAll, OpArsh32Reg, "arsh32", xArsh32Reg, fAluReg, cNone)
	def(mAll, OpBe, "be", xBe64, fEndian, cEndian)

	def(mAll, OpAdd64Imm, "add64", xAdd64Imm, fAluImm, cStackBump)
	def(mAll, OpAdd64Reg, "add64", xAdd64Reg, fAluReg, cNone)
	def(mClassic, OpSub64Imm, "sub64", xSub64Imm, fAluImm, cNone)
	def(mV2, OpSub64Imm, "sub64", xSub64ImmRev, fAluImm, cNone)
	def(mAll, OpSub64Reg, "sub64", xSub64Reg, fAluReg, cNone)
	def(mClassic, OpMul64Imm, "mul64", xMul64Imm, fAluImm, cNone)
	def(mClassic, OpMul64Reg, "mul64", xMul64Reg, fAluReg, cNone)
	def(mClassic, OpDiv64Imm, "div64", xDiv64Imm, fAluImm, cNonZeroImm)
	def(mClassic, OpDiv64Reg, "div64", xDiv64Reg, fAluReg, cNone)
	def(mClassic, OpNeg64, "neg64", xNeg64, fUnary, cNone)
	def(mClassic, OpMod64Imm, "mod64", xMod64Imm, fAluImm, cNonZeroImm)
	def(mClassic, OpMod64Reg, "mod64", xMod64Reg, fAluReg, cNone)
	def(mAll, OpOr64Imm, "or64", xOr64Imm, fAluImm, cNone)
	def(mAll, OpOr64Reg, "or64", xOr64Reg, fAluReg, cNone)
	def(mAll, OpAnd64Imm, "and64", xAnd64Imm, fAluImm, cNone)
	def(mAll, OpAnd64Reg, "and64", xAnd64Reg, fAluReg, cNone)
	def(mAll, OpLsh64Imm, "lsh64", xLsh64Imm, fAluImm, cShift64)
	def(mAll, OpLsh64Reg, "lsh64", xLsh64Reg, fAluReg, cNone)
	def(mAll, OpRsh64Imm, "rsh64", xRsh64Imm, fAluImm, cShift64)
	def(mAll, OpRsh64Reg, "rsh64", xRsh64Reg, fAluReg, cNone)
	def(mAll, OpXor64Imm, "xor64", xXor64Imm, fAluImm, cNone)
	def(mAll, OpXor64Reg, "xor64", xXor64Reg, fAluReg, cNone)
	def(mAll, OpMov64Imm, "mov64", xMov64Imm, fAluImm, cNone)
	def(mAll, OpMov64Reg, "mov64", xMov64Reg, fAluReg, cNone)
	def(mAll, OpArsh64Imm, "arsh64", xArsh64Imm, fAluImm, cShift64)
	def(mAll, OpArsh64Reg, "arsh64", xArsh64Reg, fAluReg, cNone)
	def(mV2, OpHor64Imm, "hor64", xHor64Imm, fAluImm, cNone)

	def(mV2, OpLmul32Imm, "lmul32", xLmul32Imm, fAluImm, cNone)
	def(mV2, OpLmul32Reg, "lmul32", xLmul32Reg, fAluReg, cNone)
	def(mV2, OpUdiv32Imm, "udiv32", xUdiv32Imm, fAluImm, cNonZeroImm)
	def(mV2, OpUdiv32Reg, "udiv32", xUdiv32Reg, fAluReg, cNone)
	def(mV2, OpUrem32Imm, "urem32", xUrem32Imm, fAluImm, cNonZeroImm)
	def(mV2, OpUrem32Reg, "urem32", xUrem32Reg, fAluReg, cNone)
	def(mV2, OpSdiv32Imm, "sdiv32", xSdiv32Imm, fAluImm, cNonZeroImm)
	def(mV2, OpSdiv32Reg, "sdiv32", xSdiv32Reg, fAluReg, cNone)
	def(mV2, OpSrem32Imm, "srem32", xSrem32Imm, fAluImm, cNonZeroImm)
	def(mV2, OpSrem32Reg, "srem32", xSrem32Reg, fAluReg, cNone)
	def(mV2, OpLmul64Imm, "lmul64", xLmul64Imm, fAluImm, cNone)
	def(mV2, OpLmul64Reg, "lmul64", xLmul64Reg, fAluReg, cNone)
	def(mV2, OpUhmul64Imm, "uhmul64", xUhmul64Imm, fAluImm, cNone)
	def(mV2, OpUhmul64Reg, "uhmul64", xUhmul64Reg, fAluReg, cNone)
	def(mV2, OpUdiv64Imm, "udiv64", xUdiv64Imm, fAluImm, cNonZeroImm)
	def(mV2, OpUdiv64Reg, "udiv64", xUdiv64Reg, fAluReg, cNone)
	def(mV2, OpUrem64Imm, "urem64", xUrem64Imm, fAluImm, cNonZeroImm)
	def(mV2, OpUrem64Reg, "urem64", xUrem64Reg, fAluReg, cNone)
	def(mV2, OpShmul64Imm, "shmul64", xShmul64Imm, fAluImm, cNone)
	def(mV2, OpShmul64Reg, "shmul64", xShmul64Reg, fAluReg, cNone)
	def(mV2, OpSdiv64Imm, "sdiv64", xSdiv64Imm, fAluImm, cNonZeroImm)
	def(mV2, OpSdiv64Reg, "sdiv64", xSdiv64Reg, fAluReg, cNone)
	def(mV2, OpSrem64Imm, "srem64", xSrem64Imm, fAluImm, cNonZeroImm)
	def(mV2, OpSrem64Reg, "srem64", xSrem64Reg, fAluReg, cNone)

	def(mAll, OpJa, "ja", xJa, fJa, cJump)
	jumps := []struct {
		imm, reg Opcode
		name     string
		xi, xr   xop
	}{
		{OpJeqImm, OpJeqReg, "jeq", xJeqImm, xJeqReg},
		{OpJgtImm, OpJgtReg, "jgt", xJgtImm, xJgtReg},
		{OpJgeImm, OpJgeReg, "jge", xJgeImm, xJgeReg},
		{OpJsetImm, OpJsetReg, "jset", xJsetImm, xJsetReg},
		{OpJneImm, OpJneReg, "jne", xJneImm, xJneReg},
		{OpJsgtImm, OpJsgtReg, "jsgt", xJsgtImm, xJsgtReg},
		{OpJsgeImm, OpJsgeReg, "jsge", xJsgeImm, xJsgeReg},
		{OpJltImm, OpJltReg, "jlt", xJltImm, xJltReg},
		{OpJleImm, OpJleReg, "jle", xJleImm, xJleReg},
		{OpJsltImm, OpJsltReg, "jslt", xJsltImm, xJsltReg},
		{OpJsleImm, OpJsleReg, "jsle", xJsleImm, xJsleReg},
	}
	for _, j := range jumps {
		def(mAll, j.imm, j.name, j.xi, fJmpImm, cJump)
		def(mAll, j.reg, j.name, j.xr, fJmpReg, cJump)
	}
	def(mAll, OpCall, "call", xCall, fCall, cNone)
	def(mClassic, OpCallx, "callx", xCallxImm, fCallx, cCallx)
	def(mV2, OpCallx, "callx", xCallxSrc, fCallx, cCallx)
	def(mAll, OpExit, "exit", xExit, fExit, cNone)
}
