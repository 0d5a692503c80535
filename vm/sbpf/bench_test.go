package sbpf

import (
	"runtime"
	"syscall"
	"testing"
	"time"
)

// threadCPU is the CPU time consumed by the calling OS thread (Linux
// RUSAGE_THREAD): unlike wall time it does not grow while other processes
// hold the CPU, so it is the steadier number on a shared machine.
func threadCPU() time.Duration {
	var ru syscall.Rusage
	if runtime.GOOS != "linux" || syscall.Getrusage(1, &ru) != nil {
		return 0
	}
	return time.Duration(ru.Utime.Nano() + ru.Stime.Nano())
}

// benchLoop runs text once per iteration and reports wall and CPU
// nanoseconds per executed instruction, with metering on (every Run meters).
func benchLoop(b *testing.B, text []Instruction, input []byte) {
	p, err := NewProgram(ProgramSpec{Text: text}, nil)
	if err != nil {
		b.Fatal(err)
	}
	_, used, err := Run(p, input, RunOptions{Budget: 1 << 40})
	if err != nil {
		b.Fatal(err)
	}
	runtime.LockOSThread()
	defer runtime.UnlockOSThread()
	b.ResetTimer()
	cpu0 := threadCPU()
	for i := 0; i < b.N; i++ {
		if _, _, err := Run(p, input, RunOptions{Budget: 1 << 40}); err != nil {
			b.Fatal(err)
		}
	}
	cpu := threadCPU() - cpu0
	insns := float64(uint64(b.N) * used)
	b.ReportMetric(float64(b.Elapsed().Nanoseconds())/insns, "ns/insn")
	if cpu > 0 {
		b.ReportMetric(float64(cpu.Nanoseconds())/insns, "cpu-ns/insn")
	}
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
