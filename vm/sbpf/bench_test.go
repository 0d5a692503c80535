package sbpf

import "testing"

// benchLoop runs text once per iteration and reports ns per executed
// instruction, with metering on (every Run meters).
func benchLoop(b *testing.B, text []Instruction, input []byte) {
	p, err := NewProgram(ProgramSpec{Text: text}, nil)
	if err != nil {
		b.Fatal(err)
	}
	_, used, err := Run(p, input, RunOptions{Budget: 1 << 40})
	if err != nil {
		b.Fatal(err)
	}
	b.ResetTimer()
	for i := 0; i < b.N; i++ {
		if _, _, err := Run(p, input, RunOptions{Budget: 1 << 40}); err != nil {
			b.Fatal(err)
		}
	}
	b.ReportMetric(float64(b.Elapsed().Nanoseconds())/float64(uint64(b.N)*used), "ns/insn")
}

func BenchmarkInterpreter_ALULoop(b *testing.B) {
	benchLoop(b, Text(
		Mov.Imm(R1, 100000),
		Mov.Imm(R0, 0),
		// loop:
		Add.Reg(R0, R1),
		Xor.Imm(R0, 0x5a5a),
		Lsh.Imm(R0, 1),
		Add.Imm32(R2, 3),
		Mul.Imm(R3, 7),
		Sub.Imm(R1, 1),
		JNe.Imm(R1, 0, -7),
		Exit(),
	), nil)
}

func BenchmarkInterpreter_LoadStoreLoop(b *testing.B) {
	benchLoop(b, Text(
		Mov.Imm(R1, 100000),
		// loop:
		Store(DWord, R10, -8, R1),
		Load(DWord, R2, R10, -8),
		Store(Word, R10, -16, R2),
		Load(Word, R3, R10, -16),
		Add.Reg(R0, R3),
		Sub.Imm(R1, 1),
		JNe.Imm(R1, 0, -7),
		Exit(),
	), nil)
}
