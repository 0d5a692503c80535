package syscalls

import (
	"bytes"
	"crypto/sha256"
	"encoding/binary"
	"errors"
	"strings"
	"testing"

	"github.com/decred/dcrd/dcrec/secp256k1/v4"
	"github.com/decred/dcrd/dcrec/secp256k1/v4/ecdsa"
	"golang.org/x/crypto/sha3"

	"github.com/atoll-dev/atoll/runtime/svm/sol"
	"github.com/atoll-dev/atoll/vm/sbpf"
)

type testHost struct {
	logs    []string
	program sol.Pubkey
	retProg sol.Pubkey
	ret     []byte
	height  uint64
}

func (h *testHost) Log(line string)                  { h.logs = append(h.logs, line) }
func (h *testHost) ProgramID() sol.Pubkey            { return h.program }
func (h *testHost) StackHeight() uint64              { return h.height }
func (h *testHost) ReturnData() (sol.Pubkey, []byte) { return h.retProg, h.ret }
func (h *testHost) SetReturnData(d []byte)           { h.retProg, h.ret = h.program, d }

const in = sbpf.InputStart

// call runs a program that loads r1..r5 and calls the syscall name once.
func call(t *testing.T, h *testHost, input []byte, budget uint64, name string, args ...uint64) (uint64, uint64, error) {
	t.Helper()
	var text []sbpf.Instruction
	for i, a := range args {
		text = sbpf.Text(text, sbpf.LoadImm64(sbpf.Register(i+1), a))
	}
	text = sbpf.Text(text, sbpf.CallSyscall(name), sbpf.Exit())
	p, err := sbpf.NewProgram(sbpf.ProgramSpec{Text: text}, NewRegistry())
	if err != nil {
		t.Fatal(err)
	}
	var ctx any
	if h != nil {
		ctx = h
	}
	r0, used, err := sbpf.Run(p, input, sbpf.RunOptions{Budget: budget, Context: ctx})
	// Report only what the syscall charged: one unit per lddw, call and exit.
	return r0, used - uint64(len(args)+2), err
}

func slices(base uint64, lens ...uint64) []byte {
	var b []byte
	off := base
	for _, l := range lens {
		b = binary.LittleEndian.AppendUint64(b, off)
		b = binary.LittleEndian.AppendUint64(b, l)
		off += l
	}
	return b
}

func TestLog(t *testing.T) {
	h := &testHost{}
	input := []byte("hello, sbpf")
	if _, cost, err := call(t, h, input, 1000, "sol_log_", in, 5); err != nil || cost != 100 {
		t.Fatalf("sol_log_: cost %d err %v", cost, err)
	}
	long := bytes.Repeat([]byte("x"), 300)
	if _, cost, err := call(t, h, long, 1000, "sol_log_", in, 300); err != nil || cost != 300 {
		t.Fatalf("long sol_log_: cost %d err %v", cost, err)
	}
	if _, _, err := call(t, h, []byte{0xff}, 1000, "sol_log_", in, 1); !errors.Is(err, ErrInvalidString) {
		t.Fatalf("invalid utf-8: %v", err)
	}
	if _, cost, err := call(t, h, nil, 1000, "sol_log_64_", 1, 2, 3, 0, 255); err != nil || cost != 100 {
		t.Fatalf("sol_log_64_: %d %v", cost, err)
	}
	key := sol.MustPubkey("11111111111111111111111111111112")
	if _, cost, err := call(t, h, key[:], 1000, "sol_log_pubkey", in); err != nil || cost != 100 {
		t.Fatalf("sol_log_pubkey: %d %v", cost, err)
	}
	if _, _, err := call(t, h, nil, 1000, "sol_log_compute_units_"); err != nil {
		t.Fatal(err)
	}
	data := append(slices(in+32, 2, 3), "abcde"...)
	if _, cost, err := call(t, h, data, 1000, "sol_log_data", in, 2); err != nil || cost != 100+200+5 {
		t.Fatalf("sol_log_data: %d %v", cost, err)
	}
	want := []string{
		"Program log: hello",
		"Program log: " + string(long),
		"Program log: 0x1, 0x2, 0x3, 0x0, 0xff",
		"Program log: " + key.String(),
		"Program consumption: 899 units remaining",
		"Program data: YWI= Y2Rl",
	}
	if strings.Join(h.logs, "\n") != strings.Join(want, "\n") {
		t.Fatalf("logs:\n%s\nwant:\n%s", strings.Join(h.logs, "\n"), strings.Join(want, "\n"))
	}
}

func TestMemOps(t *testing.T) {
	h := &testHost{}
	buf := []byte("0123456789abcdef")
	if _, cost, err := call(t, h, buf, 1000, "sol_memcpy_", in, in+8, 4); err != nil || cost != 10 || string(buf[:4]) != "89ab" {
		t.Fatalf("memcpy: %q cost %d err %v", buf, cost, err)
	}
	if _, _, err := call(t, h, buf, 1000, "sol_memcpy_", in, in+2, 4); !errors.Is(err, ErrCopyOverlapping) {
		t.Fatalf("overlapping memcpy: %v", err)
	}
	buf = []byte("0123456789")
	if _, _, err := call(t, h, buf, 1000, "sol_memmove_", in+2, in, 4); err != nil || string(buf) != "0101236789" {
		t.Fatalf("memmove: %q %v", buf, err)
	}
	if _, _, err := call(t, h, buf, 1000, "sol_memset_", in, 'z', 3); err != nil || string(buf) != "zzz1236789" {
		t.Fatalf("memset: %q %v", buf, err)
	}
	big := make([]byte, 5000)
	if _, cost, err := call(t, h, big, 1000, "sol_memset_", in, 1, 5000); err != nil || cost != 20 {
		t.Fatalf("memset 5000: cost %d %v", cost, err)
	}
	cmp := append([]byte("abcxabdx"), 0, 0, 0, 0)
	if _, _, err := call(t, h, cmp, 1000, "sol_memcmp_", in, in+4, 3, in+8); err != nil {
		t.Fatal(err)
	}
	if got := int32(binary.LittleEndian.Uint32(cmp[8:])); got != 'c'-'d' {
		t.Fatalf("memcmp = %d", got)
	}
	if _, _, err := call(t, h, buf, 1000, "sol_memcpy_", in, in+8, 4); !errors.Is(err, sbpf.ErrAccessViolation) {
		t.Fatalf("memcpy past input: %v", err)
	}
}

func TestHashes(t *testing.T) {
	h := &testHost{}
	input := append(slices(in+32, 3, 4), "abcdefg"...)
	input = append(input, make([]byte, 32)...)
	out := uint64(len(input) - 32)
	if _, cost, err := call(t, h, input, 1000, "sol_sha256", in, 2, in+out); err != nil || cost != 85+10+10 {
		t.Fatalf("sha256: cost %d err %v", cost, err)
	}
	if want := sha256.Sum256([]byte("abcdefg")); !bytes.Equal(input[out:], want[:]) {
		t.Fatalf("sha256 = %x", input[out:])
	}
	if _, _, err := call(t, h, input, 1000, "sol_keccak256", in, 2, in+out); err != nil {
		t.Fatal(err)
	}
	k := sha3.NewLegacyKeccak256()
	k.Write([]byte("abcdefg"))
	if !bytes.Equal(input[out:], k.Sum(nil)) {
		t.Fatalf("keccak256 = %x", input[out:])
	}
	if _, _, err := call(t, h, input, 1000, "sol_sha256", in, 20_001, in+out); !errors.Is(err, ErrTooManySlices) {
		t.Fatalf("too many slices: %v", err)
	}
}

func TestSecp256k1Recover(t *testing.T) {
	priv, _ := secp256k1.GeneratePrivateKeyFromRand(bytes.NewReader(bytes.Repeat([]byte{7}, 64)))
	digest := sha256.Sum256([]byte("message"))
	compact := ecdsa.SignCompact(priv, digest[:], false)
	input := append(append(digest[:], compact[1:]...), make([]byte, 64)...)
	recID := uint64(compact[0] - 27)
	h := &testHost{}
	r0, cost, err := call(t, h, input, 30000, "sol_secp256k1_recover", in, recID, in+32, in+96)
	if err != nil || r0 != 0 || cost != 25000 {
		t.Fatalf("recover: r0 %d cost %d err %v", r0, cost, err)
	}
	if !bytes.Equal(input[96:], priv.PubKey().SerializeUncompressed()[1:]) {
		t.Fatal("recovered the wrong key")
	}
	if r0, _, _ := call(t, h, input, 30000, "sol_secp256k1_recover", in, 4, in+32, in+96); r0 != Secp256k1InvalidRecoveryID {
		t.Fatalf("bad recovery id: r0 %d", r0)
	}
}

func TestProgramAddresses(t *testing.T) {
	program := sol.MustPubkey("BPFLoaderUpgradeab1e11111111111111111111111")
	seed := []byte("vault")
	input := append(slices(in+16, uint64(len(seed))), seed...)
	pOff := uint64(len(input))
	input = append(input, program[:]...)
	outOff := uint64(len(input))
	input = append(input, make([]byte, 33)...)
	h := &testHost{}
	r0, cost, err := call(t, h, input, 1_000_000, "sol_try_find_program_address", in, 1, in+pOff, in+outOff, in+outOff+32)
	if err != nil || r0 != 0 {
		t.Fatalf("try_find: r0 %d err %v", r0, err)
	}
	want, bump, _ := sol.FindProgramAddress([][]byte{seed}, program)
	if !bytes.Equal(input[outOff:outOff+32], want[:]) || input[outOff+32] != bump {
		t.Fatalf("try_find = %x/%d, want %s/%d", input[outOff:outOff+32], input[outOff+32], want, bump)
	}
	if cost != 1500*uint64(256-int(bump)) {
		t.Fatalf("try_find cost %d for bump %d", cost, bump)
	}
	// create_program_address with the found bump reproduces it.
	input2 := append(slices(in+32, uint64(len(seed)), 1), seed...)
	input2 = append(input2, bump)
	pOff = uint64(len(input2))
	input2 = append(input2, program[:]...)
	outOff = uint64(len(input2))
	input2 = append(input2, make([]byte, 32)...)
	r0, cost, err = call(t, h, input2, 10000, "sol_create_program_address", in, 2, in+pOff, in+outOff)
	if err != nil || r0 != 0 || cost != 1500 || !bytes.Equal(input2[outOff:], want[:]) {
		t.Fatalf("create: r0 %d cost %d err %v addr %x", r0, cost, err, input2[outOff:])
	}
	if _, _, err := call(t, h, input2, 10000, "sol_create_program_address", in, 17, in+pOff, in+outOff); err == nil {
		t.Fatal("17 seeds accepted")
	}
}

func TestReturnData(t *testing.T) {
	h := &testHost{program: sol.MustPubkey("11111111111111111111111111111112"), height: 3}
	input := append([]byte("result"), make([]byte, 40)...)
	if _, cost, err := call(t, h, input, 1000, "sol_set_return_data", in, 6); err != nil || cost != 100 || string(h.ret) != "result" {
		t.Fatalf("set: cost %d err %v ret %q", cost, err, h.ret)
	}
	r0, _, err := call(t, h, input, 1000, "sol_get_return_data", in+6, 4, in+10)
	if err != nil || r0 != 6 || string(input[6:10]) != "resu" || sol.Pubkey(input[10:42]) != h.program {
		t.Fatalf("get: r0 %d err %v buf %q", r0, err, input)
	}
	if _, _, err := call(t, h, make([]byte, 2000), 1000, "sol_set_return_data", in, 1025); !errors.Is(err, ErrReturnDataTooLarge) {
		t.Fatalf("too large: %v", err)
	}
	if r0, _, err := call(t, h, nil, 1000, "sol_get_stack_height"); err != nil || r0 != 3 {
		t.Fatalf("stack height %d %v", r0, err)
	}
	if r0, _, err := call(t, h, nil, 1000, "sol_remaining_compute_units"); err != nil || r0 != 1000-1-100 {
		t.Fatalf("remaining %d %v", r0, err)
	}
}

func TestAbortPanicAlloc(t *testing.T) {
	h := &testHost{}
	if _, _, err := call(t, h, nil, 1000, "abort"); !errors.Is(err, ErrAbort) {
		t.Fatalf("abort: %v", err)
	}
	var pe *PanicError
	if _, _, err := call(t, h, []byte("lib.rs"), 1000, "sol_panic_", in, 6, 12, 5); !errors.As(err, &pe) || pe.File != "lib.rs" || pe.Line != 12 {
		t.Fatalf("panic: %v", err)
	}
	if r0, _, err := call(t, h, nil, 1000, "sol_alloc_free_", 100, 0); err != nil || r0 != sbpf.HeapStart {
		t.Fatalf("alloc: %#x %v", r0, err)
	}
	if r0, _, err := call(t, h, nil, 1000, "sol_alloc_free_", sbpf.DefaultHeapSize+1, 0); err != nil || r0 != 0 {
		t.Fatalf("oversized alloc: %#x %v", r0, err)
	}
	if _, _, err := call(t, nil, nil, 1000, "sol_log_64_"); !errors.Is(err, ErrNoHost) {
		t.Fatalf("no host: %v", err)
	}
}

func TestRegisterUnavailable(t *testing.T) {
	reg := NewRegistry()
	if err := RegisterUnavailable(reg, DefaultCosts, RuntimeNames...); err != nil {
		t.Fatal(err)
	}
	p, err := sbpf.NewProgram(sbpf.ProgramSpec{Text: sbpf.Text(sbpf.CallSyscall("sol_invoke_signed_c"), sbpf.Exit())}, reg)
	if err != nil {
		t.Fatal(err)
	}
	if _, _, err := sbpf.Run(p, nil, sbpf.RunOptions{Budget: 1000}); !errors.Is(err, ErrUnavailable) {
		t.Fatalf("unavailable: %v", err)
	}
}
