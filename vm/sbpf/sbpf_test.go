package sbpf

import (
	"bytes"
	"errors"
	"fmt"
	"math"
	"strings"
	"testing"
)

func TestMurmur3_Vectors(t *testing.T) {
	for name, want := range map[string]uint32{
		"entrypoint":             0x71e3cf81,
		"sol_log_":               0x207559bd,
		"sol_log_64_":            0x5c2a3178,
		"sol_memcpy_":            0x717cc4a3,
		"sol_invoke_signed_rust": 0xd7449092,
		"sol_invoke_signed_c":    0xa22b9c85,
		"abort":                  0xb6fc1a11,
	} {
		if got := SymbolHash(name); got != want {
			t.Errorf("SymbolHash(%q) = %#x, want %#x", name, got, want)
		}
	}
}

func TestInstruction_BinaryRoundTrip(t *testing.T) {
	for _, ins := range []Instruction{
		Add.Imm(R1, -7),
		Load(DWord, R3, R10, -8),
		Store(Byte, R10, -1, R9),
		JSge.Imm(R4, math.MinInt32, -3),
		Call(0xdeadbeef),
		{Op: 0xff, Dst: 15, Src: 15, Off: math.MaxInt16, Imm: math.MaxInt32},
	} {
		b, _ := ins.MarshalBinary()
		var got Instruction
		if err := got.UnmarshalBinary(b); err != nil || got != ins {
			t.Errorf("round trip of %+v: got %+v, %v", ins, got, err)
		}
	}
	text := Text(LoadImm64(R1, 0x1122334455667788), Exit())
	dec, err := DecodeText(EncodeText(text))
	if err != nil || len(dec) != 3 || dec[0] != text[0] || dec[1] != text[1] {
		t.Fatalf("DecodeText(EncodeText) = %v, %v", dec, err)
	}
	if _, err := DecodeText(make([]byte, 9)); !errors.Is(err, ErrTruncatedText) {
		t.Fatalf("DecodeText(9 bytes) = %v, want ErrTruncatedText", err)
	}
}

func TestDisassemble_Formats(t *testing.T) {
	text := Text(
		LoadImm64(R1, 0x100000000),
		Load(Word, R2, R1, 4),
		Store(DWord, R10, -8, R2),
		JEq.Imm(R2, 0, 1),
		Endian(true, R2, 16),
		CallSyscall("sol_log_"),
		Exit(),
	)
	got := Disassemble(V0, text, nil)
	for _, want := range []string{"lddw r1, 0x100000000", "ldxw r2, [r1+0x4]", "stxdw [r10-0x8], r2", "jeq r2, 0, 6", "be16 r2", "call 0x207559bd", "exit"} {
		if !strings.Contains(got, want) {
			t.Errorf("disassembly lacks %q:\n%s", want, got)
		}
	}
	if OpMul32Reg.Name(V2) != "ldxb" || OpMul32Reg.String() != "mul32" {
		t.Errorf("opcode 0x2c names: v0 %q, v2 %q", OpMul32Reg.String(), OpMul32Reg.Name(V2))
	}
}

func TestVerify_Rejections(t *testing.T) {
	for _, tc := range []struct {
		name string
		v    Version
		text []Instruction
		want error
	}{
		{"empty", V0, nil, ErrNoProgram},
		{"unknown opcode", V0, Text(Instruction{Op: 0xff}, Exit()), ErrUnknownOpcode},
		{"v2 drops mul32", V2, Text(Mul.Imm32(R1, 3), Exit()), ErrUnknownOpcode},
		{"v2 drops lddw", V2, Text(LoadImm64(R1, 1), Exit()), ErrUnknownOpcode},
		{"v2 drops neg32", V2, Text(Neg.Imm32(R1, 0), Exit()), ErrUnknownOpcode},
		{"v2 drops classic ldx", V2, Text(Load(DWord, R1, R10, -8), Exit()), ErrUnknownOpcode},
		{"v0 has no pqr", V0, Text(Udiv.Imm(R1, 3), Exit()), ErrUnknownOpcode},
		{"invalid src", V0, Text(Add.Reg(R1, 11), Exit()), ErrInvalidSrcRegister},
		{"invalid dst", V0, Text(Add.Imm(11, 1), Exit()), ErrInvalidDstRegister},
		{"write r10", V0, Text(Mov.Imm(R10, 1), Exit()), ErrWriteR10},
		{"add r10 in v0", V0, Text(Add.Imm(R10, 64), Exit()), ErrWriteR10},
		{"unaligned stack bump", V1, Text(Add.Imm(R10, 8), Exit()), ErrUnalignedStackBump},
		{"jump past end", V0, Text(Ja(5), Exit()), ErrJumpOutOfCode},
		{"jump before start", V0, Text(JEq.Imm(R1, 0, -2), Exit()), ErrJumpOutOfCode},
		{"jump into lddw", V0, Text(Ja(1), LoadImm64(R1, 1), Exit()), ErrJumpIntoLddw},
		{"lddw last", V0, Text(Exit(), Instruction{Op: OpLdDW, Dst: R1}), ErrLddwCannotBeLast},
		{"lddw incomplete", V0, Text(Instruction{Op: OpLdDW, Dst: R1}, Exit()), ErrIncompleteLddw},
		{"div imm 0", V0, Text(Div.Imm(R1, 0), Exit()), ErrDivisionByZeroImm},
		{"mod32 imm 0", V0, Text(Mod.Imm32(R1, 0), Exit()), ErrDivisionByZeroImm},
		{"sdiv imm 0", V2, Text(Sdiv.Imm(R1, 0), Exit()), ErrDivisionByZeroImm},
		{"lsh64 by 64", V0, Text(Lsh.Imm(R1, 64), Exit()), ErrShiftOutOfRange},
		{"rsh32 by 32", V0, Text(Rsh.Imm32(R1, 32), Exit()), ErrShiftOutOfRange},
		{"arsh negative", V0, Text(Arsh.Imm(R1, -1), Exit()), ErrShiftOutOfRange},
		{"be 8", V0, Text(Endian(true, R1, 8), Exit()), ErrInvalidEndianWidth},
		{"callx r10", V0, Text(Callx(R10), Exit()), ErrInvalidCallxRegister},
		{"callx v2 src r10", V2, Text(CallxV2(R10), Exit()), ErrInvalidCallxRegister},
	} {
		t.Run(tc.name, func(t *testing.T) {
			err := Verify(tc.v, tc.text)
			if !errors.Is(err, tc.want) {
				t.Fatalf("Verify = %v, want %v", err, tc.want)
			}
		})
	}
	if err := Verify(V0, Text(Store(DWord, R10, -8, R1), Mov.Imm(R0, 0), Exit())); err != nil {
		t.Fatalf("store through r10 rejected: %v", err)
	}
	if err := Verify(V1, Text(Add.Imm(R10, -64), Exit())); err != nil {
		t.Fatalf("v1 stack bump rejected: %v", err)
	}
}

func TestNewProgram_Rejections(t *testing.T) {
	reg := NewRegistry()
	if err := reg.Register("sol_log_", func(*Machine, uint64, uint64, uint64, uint64, uint64) (uint64, error) { return 0, nil }); err != nil {
		t.Fatal(err)
	}
	text := Text(Exit())
	if _, err := NewProgram(ProgramSpec{Text: text, Entry: 3}, reg); !errors.Is(err, ErrCallOutsideText) {
		t.Errorf("entry outside text: %v", err)
	}
	if _, err := NewProgram(ProgramSpec{Text: text, Functions: map[uint32]int{7: 9}}, reg); !errors.Is(err, ErrCallOutsideText) {
		t.Errorf("function outside text: %v", err)
	}
	if _, err := NewProgram(ProgramSpec{Text: text, Functions: map[uint32]int{SymbolHash("sol_log_"): 0}}, reg); !errors.Is(err, ErrFunctionSyscallClash) {
		t.Errorf("function/syscall clash: %v", err)
	}
	if err := reg.Register("sol_log_", nil); !errors.Is(err, ErrSyscallRegistered) {
		t.Errorf("double registration: %v", err)
	}
}

// exec builds and runs a hand-assembled program.
func exec(t *testing.T, v Version, text []Instruction, budget uint64, input []byte) (uint64, uint64, error) {
	t.Helper()
	p, err := NewProgram(ProgramSpec{Version: v, Text: text}, nil)
	if err != nil {
		t.Fatalf("NewProgram: %v", err)
	}
	return Run(p, input, RunOptions{Budget: budget})
}

func TestRun_Semantics(t *testing.T) {
	for _, tc := range []struct {
		name string
		v    Version
		text []Instruction
		want uint64
	}{
		{"add32 sign-extends in v0", V0, Text(Mov.Imm(R0, 0x7fffffff), Add.Imm32(R0, 1), Exit()), 0xffffffff80000000},
		{"add32 sign-extends in v1", V1, Text(Mov.Imm(R0, 0x7fffffff), Add.Imm32(R0, 1), Exit()), 0xffffffff80000000},
		{"add32 zero-extends in v2", V2, Text(Mov.Imm(R0, 0x7fffffff), Add.Imm32(R0, 1), Exit()), 0x80000000},
		{"sub32 sign-extends in v0", V0, Text(Mov.Imm(R0, 0), Sub.Imm32(R0, 1), Exit()), math.MaxUint64},
		{"sub32 imm swaps in v2", V2, Text(Mov.Imm(R0, 3), Sub.Imm32(R0, 10), Exit()), 7},
		{"sub64 imm swaps in v2", V2, Text(Mov.Imm(R0, 3), Sub.Imm(R0, 10), Exit()), 7},
		{"mul32 sign-extends", V0, Text(Mov.Imm(R0, -2), Mul.Imm32(R0, 3), Exit()), 0xfffffffffffffffa},
		{"mov32 reg zero-extends v0", V0, Text(Mov.Imm(R1, -1), Mov.Reg32(R0, R1), Exit()), 0xffffffff},
		{"mov32 reg sign-extends v2", V2, Text(Mov.Imm(R1, -1), Mov.Reg32(R0, R1), Exit()), math.MaxUint64},
		{"or32 zero-extends", V0, Text(Mov.Imm(R0, -1), Or.Imm32(R0, 0), Exit()), 0xffffffff},
		{"div64 imm sign-extended", V0, Text(Mov.Imm(R0, -1), Div.Imm(R0, -1), Exit()), 1},
		{"arsh32 result zero-extended", V0, Text(Mov.Imm(R0, -16), Arsh.Imm32(R0, 2), Exit()), 0xfffffffc},
		{"neg32", V0, Text(Mov.Imm(R0, 1), Neg.Imm32(R0, 0), Exit()), 0xffffffff},
		{"lsh32 reg masks", V0, Text(Mov.Imm(R0, 1), Mov.Imm(R1, 33), Lsh.Reg32(R0, R1), Exit()), 2},
		{"lddw", V0, Text(LoadImm64(R0, 0x1122334455667788), Exit()), 0x1122334455667788},
		{"be16", V0, Text(Mov.Imm(R0, 0x11223344), Endian(true, R0, 16), Exit()), 0x4433},
		{"le32 truncates", V0, Text(LoadImm64(R0, 0x1122334455667788), Endian(false, R0, 32), Exit()), 0x55667788},
		{"hor64", V2, Text(Mov.Imm32(R0, 5), Instruction{Op: OpHor64Imm, Dst: R0, Imm: 7}, Exit()), 0x700000005},
		{"uhmul64", V2, Text(Mov.Imm(R0, -1), Uhmul.Imm(R0, -1), Exit()), 0xfffffffe},
		{"shmul64", V2, Text(Mov.Imm(R0, -1), Shmul.Imm(R0, 2), Exit()), math.MaxUint64},
		{"udiv64 imm zero-extended", V2, Text(Mov.Imm(R0, -1), Udiv.Imm(R0, -1), Exit()), 0x100000001},
		{"sdiv32 zero-extends", V2, Text(Mov.Imm(R0, -6), Sdiv.Imm32(R0, 2), Exit()), 0xfffffffd},
		{"srem64", V2, Text(Mov.Imm(R0, -7), Srem.Imm(R0, 2), Exit()), math.MaxUint64},
		{"lmul32", V2, Text(Mov.Imm(R0, -1), Lmul.Imm32(R0, 2), Exit()), 0xfffffffe},
		{"jsgt signed", V0, Text(Mov.Imm(R1, -1), Mov.Imm(R0, 1), JSgt.Imm(R1, 0, 1), Mov.Imm(R0, 2), Exit()), 2},
		{"jgt unsigned", V0, Text(Mov.Imm(R1, -1), Mov.Imm(R0, 1), JGt.Imm(R1, 0, 1), Mov.Imm(R0, 2), Exit()), 1},
		{"stack store/load", V0, Text(Mov.Imm(R1, 42), Store(DWord, R10, -8, R1), Load(DWord, R0, R10, -8), Exit()), 42},
		{"v2 memory encodings", V2, Text(StoreImmV2(Word, R10, -4, 9), LoadV2(Word, R0, R10, -4), Exit()), 9},
		{"callx in v0 takes imm register", V0, Text(
			LoadImm64(R1, ProgramStart+6*SlotSize), Callx(R1), Exit(), Exit(), Exit(),
			Mov.Imm(R0, 77), Exit()), 77},
		{"callx in v2 takes src register", V2, Text(
			Mov.Imm32(R1, 0), Instruction{Op: OpHor64Imm, Dst: R1, Imm: 1}, Add.Imm(R1, 5*SlotSize), CallxV2(R1), Exit(),
			Mov.Imm(R0, 78), Exit()), 78},
	} {
		t.Run(tc.name, func(t *testing.T) {
			r0, _, err := exec(t, tc.v, tc.text, 1000, nil)
			if err != nil || r0 != tc.want {
				t.Fatalf("r0 = %#x, %v; want %#x", r0, err, tc.want)
			}
		})
	}
}

func TestRun_CallSavesRegisters(t *testing.T) {
	// main: r6 = 5, call f, r0 = r6 + r0; f: r6 = 100, r0 = r10 (frame pointer), exit.
	text := Text(
		Mov.Imm(R6, 5),
		Call(FunctionKey(5)),
		Add.Reg(R0, R6),
		Exit(),
		Exit(),
		Mov.Imm(R6, 100),
		Mov.Reg(R0, R10),
		Exit(),
	)
	p, err := NewProgram(ProgramSpec{Text: text, Functions: map[uint32]int{FunctionKey(5): 5}}, nil)
	if err != nil {
		t.Fatal(err)
	}
	r0, used, err := Run(p, nil, RunOptions{Budget: 100})
	want := uint64(StackStart + 3*StackFrameSize + 5) // v0 frames are two frames apart (gap)
	if err != nil || r0 != want || used != 7 {
		t.Fatalf("r0=%#x used=%d err=%v; want r0=%#x used=7", r0, used, err, want)
	}
}

func TestRun_Traps(t *testing.T) {
	recurse := Text(Call(EntrypointKey), Exit())
	for _, tc := range []struct {
		name   string
		v      Version
		text   []Instruction
		funcs  map[uint32]int
		budget uint64
		want   error
	}{
		{"div by zero register", V0, Text(Mov.Imm(R1, 0), Div.Reg(R0, R1), Exit()), nil, 100, ErrDivideByZero},
		{"div32 by register with zero low half", V0, Text(LoadImm64(R1, 1<<32), Div.Reg32(R0, R1), Exit()), nil, 100, ErrDivideByZero},
		{"mod by zero register", V0, Text(Mov.Imm(R1, 0), Mod.Reg(R0, R1), Exit()), nil, 100, ErrDivideByZero},
		{"udiv by zero register", V2, Text(Mov.Imm(R1, 0), Udiv.Reg(R0, R1), Exit()), nil, 100, ErrDivideByZero},
		{"sdiv overflow", V2, Text(LoadImmMin(), Sdiv.Imm(R0, -1), Exit()), nil, 100, ErrDivideOverflow},
		{"srem32 overflow", V2, Text(Mov.Imm32(R0, math.MinInt32), Mov.Imm(R1, -1), Srem.Reg32(R0, R1), Exit()), nil, 100, ErrDivideOverflow},
		{"load unmapped", V0, Text(Mov.Imm(R1, 0), Load(Byte, R0, R1, 0), Exit()), nil, 100, ErrAccessViolation},
		{"store to program", V0, Text(LoadImm64(R1, ProgramStart), Store(Byte, R1, 0, R0), Exit()), nil, 100, ErrAccessViolation},
		{"load past heap", V0, Text(LoadImm64(R1, HeapStart+DefaultHeapSize), Load(Byte, R0, R1, 0), Exit()), nil, 100, ErrAccessViolation},
		{"load input past end", V0, Text(Load(DWord, R0, R1, 0), Exit()), nil, 100, ErrAccessViolation},
		{"stack gap", V0, Text(Load(Byte, R0, R10, 0), Exit()), nil, 100, ErrStackAccessViolation},
		{"below stack", V0, Text(Load(Byte, R0, R10, -StackFrameSize-1), Exit()), nil, 100, ErrStackAccessViolation},
		{"v1 above stack is plain violation", V1, Text(Load(Byte, R0, R10, 0), Exit()), nil, 100, ErrAccessViolation},
		{"call depth", V0, recurse, nil, 10000, ErrCallDepthExceeded},
		{"budget", V0, Text(Ja(-1)), nil, 1000, ErrExceededMaxInstructions},
		{"callx outside text", V0, Text(LoadImm64(R1, ProgramStart+100*SlotSize), Callx(R1), Exit()), nil, 100, ErrCallOutsideTextSegment},
		{"callx below text", V0, Text(Mov.Imm(R1, 0), Callx(R1), Exit()), nil, 100, ErrCallOutsideTextSegment},
		{"unknown call", V0, Text(Call(12345), Exit()), nil, 100, ErrUnsupportedInstruction},
		{"callx into lddw", V0, Text(LoadImm64(R1, ProgramStart+4*SlotSize), Callx(R1), LoadImm64(R2, 0), Exit()), nil, 100, ErrUnsupportedInstruction},
		{"overrun", V0, Text(Mov.Imm(R0, 0)), nil, 100, ErrExecutionOverrun},
	} {
		t.Run(tc.name, func(t *testing.T) {
			p, err := NewProgram(ProgramSpec{Version: tc.v, Text: tc.text, Functions: tc.funcs}, nil)
			if err != nil {
				t.Fatalf("NewProgram: %v", err)
			}
			_, used, err := Run(p, make([]byte, 4), RunOptions{Budget: tc.budget})
			var trap *Trap
			if !errors.Is(err, tc.want) || !errors.As(err, &trap) {
				t.Fatalf("err = %v, want trap %v", err, tc.want)
			}
			if used > tc.budget || used == 0 {
				t.Fatalf("used = %d of %d", used, tc.budget)
			}
			if tc.want == ErrExceededMaxInstructions && used != tc.budget {
				t.Fatalf("budget trap used %d, want all %d", used, tc.budget)
			}
		})
	}
}

// LoadImmMin loads math.MinInt64 into r0 with v2 instructions.
func LoadImmMin() []Instruction {
	return Text(Mov.Imm(R0, 0), Instruction{Op: OpHor64Imm, Dst: R0, Imm: math.MinInt32})
}

func TestRun_ExactBudget(t *testing.T) {
	text := Text(Mov.Imm(R0, 1), Mov.Imm(R0, 2), Exit())
	if r0, used, err := exec(t, V0, text, 3, nil); err != nil || r0 != 2 || used != 3 {
		t.Fatalf("budget 3: r0=%d used=%d err=%v", r0, used, err)
	}
	if _, used, err := exec(t, V0, text, 2, nil); !errors.Is(err, ErrExceededMaxInstructions) || used != 2 {
		t.Fatalf("budget 2: used=%d err=%v", used, err)
	}
}

func TestRun_Syscall(t *testing.T) {
	reg := NewRegistry()
	var seen []uint64
	err := reg.Register("probe", func(m *Machine, a, b, c, d, e uint64) (uint64, error) {
		seen = append(seen, a, b, m.Remaining())
		if err := m.Consume(10); err != nil {
			return 0, err
		}
		buf, err := m.Store(a, 8)
		if err != nil {
			return 0, err
		}
		copy(buf, "syscall!")
		return 99, nil
	})
	if err != nil {
		t.Fatal(err)
	}
	text := Text(Mov.Imm(R2, 7), CallSyscall("probe"), Exit())
	p, err := NewProgram(ProgramSpec{Text: text}, reg)
	if err != nil {
		t.Fatal(err)
	}
	input := make([]byte, 8)
	r0, used, err := Run(p, input, RunOptions{Budget: 100})
	if err != nil || r0 != 99 || used != 13 || string(input) != "syscall!" {
		t.Fatalf("r0=%d used=%d err=%v input=%q", r0, used, err, input)
	}
	if seen[0] != InputStart || seen[1] != 7 || seen[2] != 98 {
		t.Fatalf("syscall saw %v", seen)
	}
	// A syscall that overdraws the meter stops the program.
	if _, used, err := Run(p, input, RunOptions{Budget: 5}); !errors.Is(err, ErrComputeBudgetExceeded) || used != 5 {
		t.Fatalf("overdraw: used=%d err=%v", used, err)
	}
}

func TestRun_StackIsZeroedBetweenRuns(t *testing.T) {
	write := Text(Mov.Imm(R1, 0x55), Store(DWord, R10, -8, R1), Mov.Imm(R0, 0), Exit())
	read := Text(Load(DWord, R0, R10, -8), Exit())
	for i := 0; i < 3; i++ {
		if _, _, err := exec(t, V0, write, 100, nil); err != nil {
			t.Fatal(err)
		}
		if r0, _, err := exec(t, V0, read, 100, nil); err != nil || r0 != 0 {
			t.Fatalf("stale stack: r0=%#x err=%v", r0, err)
		}
	}
}

func TestRun_Trace(t *testing.T) {
	p, err := NewProgram(ProgramSpec{Text: Text(Mov.Imm(R0, 3), Exit())}, nil)
	if err != nil {
		t.Fatal(err)
	}
	var buf bytes.Buffer
	r0, used, err := Run(p, nil, RunOptions{Budget: 10, Trace: &buf})
	if err != nil || r0 != 3 || used != 2 {
		t.Fatalf("r0=%d used=%d err=%v", r0, used, err)
	}
	if lines := strings.Count(buf.String(), "\n"); lines != 2 || !strings.Contains(buf.String(), "mov64 r0, 3") {
		t.Fatalf("trace:\n%s", buf.String())
	}
}

func TestRun_HeapSize(t *testing.T) {
	p, _ := NewProgram(ProgramSpec{Text: Text(LoadImm64(R1, HeapStart+MaxHeapSize-1), Store(Byte, R1, 0, R1), Exit())}, nil)
	if _, _, err := Run(p, nil, RunOptions{Budget: 10, HeapSize: MaxHeapSize}); err != nil {
		t.Fatalf("max heap: %v", err)
	}
	if _, _, err := Run(p, nil, RunOptions{Budget: 10}); !errors.Is(err, ErrAccessViolation) {
		t.Fatalf("default heap: %v", err)
	}
	if _, _, err := Run(p, nil, RunOptions{Budget: 10, HeapSize: MaxHeapSize + 1024}); !errors.Is(err, ErrInvalidHeapSize) {
		t.Fatalf("oversized heap: %v", err)
	}
}

// TestRun_ConcurrentShare runs one Program from several goroutines: a
// Program is immutable and every Run has its own machine.
func TestRun_ConcurrentShare(t *testing.T) {
	p, err := NewProgram(ProgramSpec{Text: Text(
		Load(DWord, R2, R1, 0),
		Store(DWord, R10, -8, R2),
		Mov.Imm(R3, 1000),
		Add.Imm(R2, 1),
		Sub.Imm(R3, 1),
		JNe.Imm(R3, 0, -3),
		Load(DWord, R0, R10, -8),
		Add.Reg(R0, R2),
		Exit(),
	)}, nil)
	if err != nil {
		t.Fatal(err)
	}
	errs := make(chan error, 8)
	for g := 0; g < 8; g++ {
		go func(g int) {
			for i := 0; i < 50; i++ {
				in := make([]byte, 8)
				in[0] = byte(g)
				r0, _, err := Run(p, in, RunOptions{Budget: 10_000})
				if err != nil || r0 != uint64(2*g+1000) {
					errs <- fmt.Errorf("goroutine %d: r0=%d err=%v", g, r0, err)
					return
				}
			}
			errs <- nil
		}(g)
	}
	for g := 0; g < 8; g++ {
		if err := <-errs; err != nil {
			t.Fatal(err)
		}
	}
}
