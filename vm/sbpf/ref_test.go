package sbpf

import (
	"math"
	"math/bits"
	"math/rand"
	"testing"
)

// refALU is a deliberately plain reference for the ALU instructions,
// written from the opcode bytes and version rules rather than from the
// interpreter's pre-decoded operations. ok is false for division faults.
func refALU(v Version, ins Instruction, r *[11]uint64) (ok bool) {
	d, s := ins.Dst, ins.Src
	imm := int64(ins.Imm)
	op := ins.Op
	is64 := op.Class() == ClassALU64
	isPQR := op.Class() == ClassPQR
	var src uint64
	if op&SrcReg != 0 {
		src = r[s]
	} else {
		src = uint64(imm)
	}
	ext32 := func(x uint32, signed bool) uint64 {
		if signed && v != V2 {
			return uint64(int64(int32(x)))
		}
		return uint64(x)
	}
	if isPQR {
		is64 := op&0x10 != 0
		kind := op & 0xe0
		if !is64 {
			kind = op & 0xf0
		}
		x := r[d]
		if op&SrcReg == 0 && (kind == 0x20 || kind == 0x40 || kind == 0x60 || kind == 0x50 || kind == 0x70) {
			src = uint64(uint32(imm)) // unsigned high-multiply, divide, remainder: zero-extended imm
		}
		switch {
		case is64 && kind == 0x80:
			r[d] = x * src
		case is64 && kind == 0x20:
			r[d], _ = bits.Mul64(x, src)
		case is64 && kind == 0xa0:
			r[d] = mulHighSigned(int64(x), int64(src))
		case is64 && (kind == 0x40 || kind == 0x60):
			if src == 0 {
				return false
			}
			if kind == 0x40 {
				r[d] = x / src
			} else {
				r[d] = x % src
			}
		case is64 && (kind == 0xc0 || kind == 0xe0):
			a, b := int64(x), int64(src)
			if b == 0 || a == math.MinInt64 && b == -1 {
				return false
			}
			if kind == 0xc0 {
				r[d] = uint64(a / b)
			} else {
				r[d] = uint64(a % b)
			}
		case kind == 0x80:
			r[d] = uint64(uint32(x) * uint32(src))
		case kind == 0x40 || kind == 0x60:
			if uint32(src) == 0 {
				return false
			}
			if kind == 0x40 {
				r[d] = uint64(uint32(x) / uint32(src))
			} else {
				r[d] = uint64(uint32(x) % uint32(src))
			}
		case kind == 0xc0 || kind == 0xe0:
			a, b := int32(x), int32(src)
			if b == 0 || a == math.MinInt32 && b == -1 {
				return false
			}
			if kind == 0xc0 {
				r[d] = uint64(uint32(a / b))
			} else {
				r[d] = uint64(uint32(a % b))
			}
		}
		return true
	}
	x := r[d]
	switch ALUOp(op & 0xf0) {
	case Add:
		if is64 {
			r[d] = x + src
		} else {
			r[d] = ext32(uint32(x)+uint32(src), true)
		}
	case Sub:
		if op&SrcReg == 0 && v == V2 {
			x, src = src, x
			if !is64 {
				x, src = uint64(uint32(x)), uint64(uint32(src))
			}
		}
		if is64 {
			r[d] = x - src
		} else {
			r[d] = ext32(uint32(x)-uint32(src), true)
		}
	case Mul:
		if is64 {
			r[d] = x * src
		} else {
			r[d] = ext32(uint32(x)*uint32(src), true)
		}
	case Div, Mod:
		if is64 {
			if src == 0 {
				return false
			}
			if ALUOp(op&0xf0) == Div {
				r[d] = x / src
			} else {
				r[d] = x % src
			}
		} else {
			if uint32(src) == 0 {
				return false
			}
			if ALUOp(op&0xf0) == Div {
				r[d] = uint64(uint32(x) / uint32(src))
			} else {
				r[d] = uint64(uint32(x) % uint32(src))
			}
		}
	case Or:
		if is64 {
			r[d] = x | src
		} else {
			r[d] = uint64(uint32(x) | uint32(src))
		}
	case And:
		if is64 {
			r[d] = x & src
		} else {
			r[d] = uint64(uint32(x) & uint32(src))
		}
	case Xor:
		if is64 {
			r[d] = x ^ src
		} else {
			r[d] = uint64(uint32(x) ^ uint32(src))
		}
	case Lsh:
		if is64 {
			r[d] = x << (src % 64)
		} else {
			r[d] = uint64(uint32(x) << (src % 32))
		}
	case Rsh:
		if is64 {
			r[d] = x >> (src % 64)
		} else {
			r[d] = uint64(uint32(x) >> (src % 32))
		}
	case Arsh:
		if is64 {
			r[d] = uint64(int64(x) >> (src % 64))
		} else {
			r[d] = uint64(uint32(int32(x) >> (src % 32)))
		}
	case Neg:
		if is64 {
			r[d] = -x
		} else {
			r[d] = uint64(uint32(-int32(x)))
		}
	case Mov:
		switch {
		case is64:
			r[d] = src
		case op&SrcReg != 0 && v == V2:
			r[d] = uint64(int64(int32(src)))
		default:
			r[d] = uint64(uint32(src))
		}
	case Hor:
		r[d] = x | uint64(uint32(imm))<<32
	}
	return true
}

// TestRun_DifferentialALU runs random straight-line ALU programs through the
// interpreter and the reference and compares every register.
func TestRun_DifferentialALU(t *testing.T) {
	rng := rand.New(rand.NewSource(42))
	for v := V0; v <= V2; v++ {
		var ops []Opcode
		for op := 0; op < 256; op++ {
			info := opTable[v][op]
			if info.x != xInvalid && (info.form == fAluImm || info.form == fAluReg || info.form == fUnary) &&
				Opcode(op).Class() != ClassLDX && info.name[:2] != "ld" && info.name[:2] != "st" {
				ops = append(ops, Opcode(op))
			}
		}
		for trial := 0; trial < 300; trial++ {
			var text []Instruction
			var init [11]uint64
			for r := R0; r <= R9; r++ {
				init[r] = rng.Uint64() >> uint(rng.Intn(64))
				text = append(text, LoadImm64V(v, r, init[r])...)
			}
			for i := 0; i < 40; i++ {
				op := ops[rng.Intn(len(ops))]
				ins := Instruction{Op: op, Dst: Register(rng.Intn(10)), Src: Register(rng.Intn(10)), Imm: int32(rng.Uint32()) >> uint(rng.Intn(32))}
				switch opTable[v][op].check {
				case cShift32:
					ins.Imm &= 31
				case cShift64:
					ins.Imm &= 63
				case cNonZeroImm:
					if ins.Imm == 0 {
						ins.Imm = 3
					}
				}
				text = append(text, ins)
			}
			// Fold every register into r0.
			for r := R1; r <= R9; r++ {
				text = append(text, Xor.Reg(R0, r), Lsh.Imm(R0, 7), Xor.Imm(R0, int32(r)))
			}
			text = append(text, Exit())
			p, err := NewProgram(ProgramSpec{Version: v, Text: text}, nil)
			if err != nil {
				t.Fatalf("%v: %v", v, err)
			}
			got, _, runErr := Run(p, nil, RunOptions{Budget: 10_000})

			ref := init
			ok := true
			for _, ins := range text[len(text)-40-28 : len(text)-28] {
				if !refALU(v, ins, &ref) {
					ok = false
					break
				}
			}
			if !ok {
				if runErr == nil {
					t.Fatalf("%v trial %d: reference faulted, interpreter did not", v, trial)
				}
				continue
			}
			want := ref[0]
			for r := R1; r <= R9; r++ {
				want = (want^ref[r])<<7 ^ uint64(r)
			}
			if runErr != nil || got != want {
				t.Fatalf("%v trial %d: got %#x (%v), want %#x\n%s", v, trial, got, runErr, want, Disassemble(v, text, nil))
			}
		}
	}
}

// LoadImm64V loads v into r with the instructions version ver has.
func LoadImm64V(ver Version, r Register, v uint64) []Instruction {
	if ver != V2 {
		l := LoadImm64(r, v)
		return l[:]
	}
	return []Instruction{Mov.Imm32(r, int32(uint32(v))), Hor.Imm(r, int32(uint32(v>>32)))}
}
