package link_test

import (
	"bytes"
	"crypto/sha256"
	"encoding/binary"
	"errors"
	"os/exec"
	"path/filepath"
	"runtime"
	"strings"
	"sync"
	"syscall"
	"testing"
	"time"

	"github.com/atoll-dev/atoll/runtime/svm/sol"
	"github.com/atoll-dev/atoll/vm/sbpf"
	"github.com/atoll-dev/atoll/vm/sbpf/abi"
	"github.com/atoll-dev/atoll/vm/sbpf/elf"
	"github.com/atoll-dev/atoll/vm/sbpf/link"
	"github.com/atoll-dev/atoll/vm/sbpf/syscalls"
)

type host struct {
	logs    []string
	program sol.Pubkey
	retProg sol.Pubkey
	ret     []byte
}

func (h *host) Log(line string)                  { h.logs = append(h.logs, line) }
func (h *host) ProgramID() sol.Pubkey            { return h.program }
func (h *host) StackHeight() uint64              { return 1 }
func (h *host) ReturnData() (sol.Pubkey, []byte) { return h.retProg, h.ret }
func (h *host) SetReturnData(d []byte)           { h.retProg, h.ret = h.program, d }

var (
	buildMu sync.Mutex
	built   = map[string][]byte{}
)

// build compiles testdata/name.c with Debian clang and atoll's linker, once
// per test binary.
func build(t testing.TB, name string) []byte {
	t.Helper()
	if _, err := exec.LookPath("clang"); err != nil {
		t.Fatalf("clang is required (apt-get install clang): %v", err)
	}
	buildMu.Lock()
	defer buildMu.Unlock()
	if so, ok := built[name]; ok {
		return so
	}
	so, err := link.BuildC(filepath.Join("..", "testdata", name+".c"), link.BuildOptions{Link: link.Options{Syscalls: registry()}})
	if err != nil {
		t.Fatalf("building %s: %v", name, err)
	}
	built[name] = so
	return so
}

func registry() *sbpf.Registry {
	reg := syscalls.NewRegistry()
	if err := syscalls.RegisterUnavailable(reg, syscalls.DefaultCosts, syscalls.RuntimeNames...); err != nil {
		panic(err)
	}
	return reg
}

var (
	programID = sol.MustPubkey("Prog111111111111111111111111111111111111111")
	alice     = sol.MustPubkey("A1ice11111111111111111111111111111111111111")
	bob       = sol.MustPubkey("Bob1111111111111111111111111111111111111111")
)

type result struct {
	r0, used uint64
	err      error
	host     *host
	buf      []byte
	layout   abi.Layout
}

func invoke(t testing.TB, name string, in *abi.Input, budget uint64) result {
	t.Helper()
	p, err := elf.Load(build(t, name), registry())
	if err != nil {
		t.Fatalf("loading %s: %v", name, err)
	}
	in.ProgramID = programID
	buf, lay := abi.Serialize(nil, in, abi.Aligned)
	h := &host{program: programID}
	r0, used, err := sbpf.Run(p, buf, sbpf.RunOptions{Budget: budget, Context: h})
	return result{r0, used, err, h, buf, lay}
}

func TestPrograms_Logging(t *testing.T) {
	in := &abi.Input{
		Accounts:        []abi.AccountInput{{Key: alice, IsSigner: true, Account: sol.Account{Lamports: 1000, Data: make([]byte, 3)}}},
		InstructionData: []byte{1, 2},
	}
	res := invoke(t, "logging", in, 200_000)
	if res.err != nil || res.r0 != 0 {
		t.Fatalf("r0=%d err=%v logs=%q", res.r0, res.err, res.host.logs)
	}
	want := []string{
		"Program log: hello from C",
		"Program log: 0x1, 0x2, 0x3e8, 0x3, 0x1",
		"Program log: " + programID.String(),
		"Program data: AQI= YXRvbGw=",
	}
	logs := res.host.logs
	if len(logs) != 5 || strings.Join(logs[:4], "\n") != strings.Join(want, "\n") || !strings.HasPrefix(logs[4], "Program consumption: ") {
		t.Fatalf("logs:\n%s", strings.Join(logs, "\n"))
	}
	if r := invoke(t, "logging", &abi.Input{}, 200_000); r.err != nil || r.r0 != 42 {
		t.Fatalf("no accounts: r0=%d err=%v", r.r0, r.err)
	}
}

func TestPrograms_MemOps(t *testing.T) {
	in := &abi.Input{Accounts: []abi.AccountInput{{Key: alice, IsWritable: true, Account: sol.Account{Lamports: 1, Data: make([]byte, 64)}}}}
	res := invoke(t, "memops", in, 200_000)
	if res.err != nil || res.r0 != 0 {
		t.Fatalf("r0=%#x err=%v", res.r0, res.err)
	}
	u, err := res.layout.ReadAccount(res.buf, 0)
	if err != nil {
		t.Fatal(err)
	}
	want := []byte("0101234567abcdef")
	want = append(want, bytes.Repeat([]byte{0x5a}, 16)...)
	want = binary.LittleEndian.AppendUint32(want, uint32(0xffffffff)) // 'd' - 'e'
	want = append(want, make([]byte, 28)...)
	want = append(want, bytes.Repeat([]byte{0x77}, 8)...)
	if !bytes.Equal(u.Data, want) {
		t.Fatalf("data\n got %q\nwant %q", u.Data, want)
	}
	ro := &abi.Input{Accounts: []abi.AccountInput{{Key: alice, Account: sol.Account{Data: make([]byte, 64)}}}}
	if r := invoke(t, "memops", ro, 200_000); r.r0 != 2<<32 {
		t.Fatalf("read-only account: r0=%#x err=%v", r.r0, r.err)
	}
}

func TestPrograms_PDA(t *testing.T) {
	in := &abi.Input{Accounts: []abi.AccountInput{
		{Key: alice, Account: sol.Account{}},
		{Key: bob, IsWritable: true, Account: sol.Account{Data: make([]byte, 33)}},
	}}
	res := invoke(t, "pda", in, 200_000)
	if res.err != nil || res.r0 != 0 {
		t.Fatalf("r0=%#x err=%v", res.r0, res.err)
	}
	addr, bump, err := sol.FindProgramAddress([][]byte{[]byte("vault"), alice[:]}, programID)
	if err != nil {
		t.Fatal(err)
	}
	u, _ := res.layout.ReadAccount(res.buf, 1)
	if sol.Pubkey(u.Data[:32]) != addr || u.Data[32] != bump {
		t.Fatalf("pda %x/%d, want %s/%d", u.Data[:32], u.Data[32], addr, bump)
	}
	if res.host.logs[0] != "Program log: "+addr.String() {
		t.Fatalf("logs %q", res.host.logs)
	}
}

func TestPrograms_ReturnData(t *testing.T) {
	res := invoke(t, "returndata", &abi.Input{InstructionData: []byte("atoll")}, 200_000)
	if res.err != nil || res.r0 != 0 {
		t.Fatalf("r0=%#x err=%v", res.r0, res.err)
	}
	if want := sha256.Sum256([]byte("atoll")); !bytes.Equal(res.host.ret, want[:]) || res.host.retProg != programID {
		t.Fatalf("return data %x", res.host.ret)
	}
}

func TestPrograms_Counter(t *testing.T) {
	in := counterInput()
	res := invoke(t, "counter", in, 200_000)
	if res.err != nil || res.r0 != 0 {
		t.Fatalf("r0=%#x err=%v", res.r0, res.err)
	}
	from, _ := res.layout.ReadAccount(res.buf, 0)
	to, _ := res.layout.ReadAccount(res.buf, 1)
	if from.Lamports != 900 || to.Lamports != 150 {
		t.Fatalf("lamports %d %d", from.Lamports, to.Lamports)
	}
	// Reference checksum computed in Go.
	data := in.Accounts[1].Account.Data
	sum := binary.LittleEndian.Uint64(data)
	for round := uint64(0); round < 2; round++ {
		for i := 8; i < 256; i++ {
			sum = (sum^uint64(data[i]))*1099511628211 + round
		}
	}
	if binary.LittleEndian.Uint64(to.Data) != sum {
		t.Fatalf("checksum %#x, want %#x", binary.LittleEndian.Uint64(to.Data), sum)
	}
	t.Logf("counter: %d compute units", res.used)
	in.Accounts[0].IsSigner = false
	if r := invoke(t, "counter", in, 200_000); r.r0 != 8<<32 {
		t.Fatalf("unsigned: r0=%#x", r.r0)
	}
}

func counterInput() *abi.Input {
	data := make([]byte, 256)
	for i := range data {
		data[i] = byte(i * 7)
	}
	return &abi.Input{
		Accounts: []abi.AccountInput{
			{Key: alice, IsSigner: true, IsWritable: true, Account: sol.Account{Lamports: 1000}},
			{Key: bob, IsWritable: true, Account: sol.Account{Lamports: 50, Data: data}},
		},
		InstructionData: binary.LittleEndian.AppendUint64(nil, 100),
	}
}

func TestPrograms_Failures(t *testing.T) {
	for _, tc := range []struct {
		mode byte
		r0   uint64
		want error
	}{
		{0, 7, nil},
		{1, 2 << 32, nil},
		{2, 0, &syscalls.PanicError{}},
		{3, 0, syscalls.ErrAbort},
		{4, 0, sbpf.ErrAccessViolation},
		{5, 0, sbpf.ErrExceededMaxInstructions},
	} {
		res := invoke(t, "fail", &abi.Input{InstructionData: []byte{tc.mode}}, 10_000)
		switch want := tc.want.(type) {
		case nil:
			if res.err != nil || res.r0 != tc.r0 {
				t.Errorf("mode %d: r0=%#x err=%v", tc.mode, res.r0, res.err)
			}
		case *syscalls.PanicError:
			var pe *syscalls.PanicError
			if !errors.As(res.err, &pe) || !strings.HasSuffix(pe.File, "fail.c") {
				t.Errorf("mode %d: %v", tc.mode, res.err)
			}
		default:
			if !errors.Is(res.err, want) {
				t.Errorf("mode %d: %v, want %v", tc.mode, res.err, want)
			}
		}
		if tc.mode == 5 && res.used != 10_000 {
			t.Errorf("infinite loop used %d units", res.used)
		}
	}
}

// BenchmarkInvoke measures one invocation of the counter program: input
// serialization, execution with metering and read-back of both accounts.
func BenchmarkInvoke(b *testing.B) {
	p, err := elf.Load(build(b, "counter"), registry())
	if err != nil {
		b.Fatal(err)
	}
	in := counterInput()
	in.ProgramID = programID
	h := &host{program: programID}
	var buf []byte
	var used uint64
	b.ReportAllocs()
	runtime.LockOSThread()
	defer runtime.UnlockOSThread()
	b.ResetTimer()
	cpu0 := threadCPU()
	for i := 0; i < b.N; i++ {
		var lay abi.Layout
		buf, lay = abi.Serialize(buf[:0], in, abi.Aligned)
		r0, u, err := sbpf.Run(p, buf, sbpf.RunOptions{Budget: 200_000, Context: h})
		if err != nil || r0 != 0 {
			b.Fatalf("r0=%d err=%v", r0, err)
		}
		used = u
		for j := range in.Accounts {
			if _, err := lay.ReadAccount(buf, j); err != nil {
				b.Fatal(err)
			}
		}
	}
	if cpu := threadCPU() - cpu0; cpu > 0 {
		b.ReportMetric(float64(cpu.Nanoseconds())/float64(b.N), "cpu-ns/op")
	}
	b.ReportMetric(float64(used), "CU/op")
}

// threadCPU is the calling OS thread's CPU time (Linux RUSAGE_THREAD), a
// steadier measure than wall time on a shared machine.
func threadCPU() time.Duration {
	var ru syscall.Rusage
	if runtime.GOOS != "linux" || syscall.Getrusage(1, &ru) != nil {
		return 0
	}
	return time.Duration(ru.Utime.Nano() + ru.Stime.Nano())
}

// TestPrograms_Deterministic runs each program twice from fresh inputs and
// demands identical results, logs and memory, including after other runs
// have dirtied the pooled stacks and heaps.
func TestPrograms_Deterministic(t *testing.T) {
	inputs := map[string]func() *abi.Input{
		"counter": counterInput,
		"pda": func() *abi.Input {
			return &abi.Input{Accounts: []abi.AccountInput{{Key: alice}, {Key: bob, IsWritable: true, Account: sol.Account{Data: make([]byte, 33)}}}}
		},
		"memops": func() *abi.Input {
			return &abi.Input{Accounts: []abi.AccountInput{{Key: alice, IsWritable: true, Account: sol.Account{Data: make([]byte, 64)}}}}
		},
	}
	for name, mk := range inputs {
		a := invoke(t, name, mk(), 200_000)
		invoke(t, "fail", &abi.Input{InstructionData: []byte{4}}, 200_000) // dirty the pool
		b := invoke(t, name, mk(), 200_000)
		if a.r0 != b.r0 || a.used != b.used || !errors.Is(a.err, b.err) || !bytes.Equal(a.buf, b.buf) ||
			strings.Join(a.host.logs, "\n") != strings.Join(b.host.logs, "\n") {
			t.Fatalf("%s: runs differ: r0 %d/%d used %d/%d err %v/%v", name, a.r0, b.r0, a.used, b.used, a.err, b.err)
		}
	}
}

// TestPrograms_CPIOffChain builds the CPI program and runs it outside a
// chain: it loads (the runtime's syscall is known by name) and stops at the
// invocation, which only a runtime can perform.
func TestPrograms_CPIOffChain(t *testing.T) {
	in := &abi.Input{
		Accounts: []abi.AccountInput{
			{Key: alice, IsSigner: true, IsWritable: true, Account: sol.Account{Lamports: 5_000_000}},
			{Key: bob, IsWritable: true},
			{Key: sol.Pubkey{}, Account: sol.Account{Executable: true}},
		},
		InstructionData: []byte{255},
	}
	res := invoke(t, "cpi", in, 200_000)
	if !errors.Is(res.err, syscalls.ErrUnavailable) {
		t.Fatalf("err = %v, want ErrUnavailable", res.err)
	}
}
