package sbpf

import "testing"

// FuzzVerifyRun verifies random bytecode and runs whatever passes: the
// interpreter must never panic and must always stop within its budget.
func FuzzVerifyRun(f *testing.F) {
	seeds := [][]Instruction{
		Text(Mov.Imm(R0, 1), Exit()),
		Text(Mov.Imm(R1, 10), Sub.Imm(R1, 1), JNe.Imm(R1, 0, -2), Exit()),
		Text(Store(DWord, R10, -8, R1), Load(DWord, R0, R10, -8), Exit()),
		Text(LoadImm64(R2, HeapStart), Store(Word, R2, 0, R1), Call(EntrypointKey), Exit()),
		Text(Mov.Imm(R1, 0), Div.Reg(R0, R1), Exit()),
		Text(Callx(R1), Exit()),
		Text(CallSyscall("probe"), Exit()),
	}
	for v, s := range seeds {
		f.Add(byte(v%3), EncodeText(s))
	}
	reg := NewRegistry()
	if err := reg.Register("probe", func(m *Machine, a, b, c, d, e uint64) (uint64, error) {
		if err := m.Consume(a & 0xff); err != nil {
			return 0, err
		}
		if _, err := m.Store(b, c&0xff); err != nil {
			return 0, err
		}
		return a ^ b, nil
	}); err != nil {
		f.Fatal(err)
	}
	f.Fuzz(func(t *testing.T, version byte, code []byte) {
		text, err := DecodeText(code)
		if err != nil {
			return
		}
		p, err := NewProgram(ProgramSpec{Version: Version(version % 3), Text: text, Functions: map[uint32]int{FunctionKey(0): 0}}, reg)
		if err != nil {
			return
		}
		const budget = 5000
		_, used, _ := Run(p, make([]byte, 128), RunOptions{Budget: budget})
		if used > budget {
			t.Fatalf("used %d of %d units", used, budget)
		}
	})
}
