package main

import (
	"bytes"
	"errors"
	"os"
	"path/filepath"
	"strings"
	"testing"
)

func runCLI(t *testing.T, args ...string) (string, error) {
	t.Helper()
	root := newRootCommand()
	var out bytes.Buffer
	root.SetOut(&out)
	root.SetErr(&out)
	root.SetArgs(args)
	err := root.Execute()
	return out.String(), err
}

const testdata = "../../vm/sbpf/testdata"

func TestProgramRun_JSONInput(t *testing.T) {
	input := filepath.Join(t.TempDir(), "in.json")
	os.WriteFile(input, []byte(`{"accounts":[
		{"key":"A1ice11111111111111111111111111111111111111","lamports":1000,"is_signer":true,"is_writable":true},
		{"key":"Bob1111111111111111111111111111111111111111","lamports":50,"data_len":256,"is_writable":true}],
		"instruction_data":"ZAAAAAAAAAA="}`), 0o644)
	out, err := runCLI(t, "program", "run", filepath.Join(testdata, "counter.so"), "--input", input)
	if err != nil {
		t.Fatalf("%v\n%s", err, out)
	}
	for _, want := range []string{"r0: 0x0 (success)", "units consumed: 3866 of 200000", "lamports 900", "lamports 150"} {
		if !strings.Contains(out, want) {
			t.Errorf("output lacks %q:\n%s", want, out)
		}
	}
}

func TestProgramRun_Failures(t *testing.T) {
	dir := t.TempDir()
	write := func(name, body string) string {
		p := filepath.Join(dir, name)
		os.WriteFile(p, []byte(body), 0o644)
		return p
	}
	out, err := runCLI(t, "program", "run", filepath.Join(testdata, "fail.so"), "--input", write("panic.json", `{"instruction_data":"Ag=="}`))
	if !errors.Is(err, errProgramFailed) || !strings.Contains(out, "trap: syscall sol_panic_") {
		t.Fatalf("panic: %v\n%s", err, out)
	}
	out, err = runCLI(t, "program", "run", filepath.Join(testdata, "fail.so"), "--input", write("custom.json", `{"instruction_data":"AA=="}`))
	if err != nil || !strings.Contains(out, "r0: 0x7 (Custom(7))") {
		t.Fatalf("custom error: %v\n%s", err, out)
	}
	out, err = runCLI(t, "program", "run", filepath.Join(testdata, "fail.so"), "--max-units", "500", "--input", write("loop.json", `{"instruction_data":"BQ=="}`))
	if !errors.Is(err, errProgramFailed) || !strings.Contains(out, "units consumed: 500 of 500") || !strings.Contains(out, "exceeded the compute budget") {
		t.Fatalf("loop: %v\n%s", err, out)
	}
	if _, err := runCLI(t, "program", "run", filepath.Join(testdata, "fail.so"), "--input", write("bad.json", `{"acounts":[]}`)); err == nil {
		t.Fatal("misspelled JSON field accepted")
	}
	if _, err := runCLI(t, "program", "run", filepath.Join(testdata, "fail.c")); err == nil || !strings.Contains(err.Error(), "elf:") {
		t.Fatalf("loading C source: %v", err)
	}
	// A raw input region: no accounts, empty instruction data, program id.
	raw := write("raw.bin", string(make([]byte, 8+8+32)))
	out, err = runCLI(t, "program", "run", filepath.Join(testdata, "fail.so"), "--input", raw)
	if err != nil || !strings.Contains(out, "InvalidInstructionData") {
		t.Fatalf("raw input: %v\n%s", err, out)
	}
}

func TestProgramBuild_AndDisasm(t *testing.T) {
	so := filepath.Join(t.TempDir(), "logging.so")
	out, err := runCLI(t, "program", "build", filepath.Join(testdata, "logging.c"), "-o", so)
	if err != nil {
		t.Fatalf("%v\n%s", err, out)
	}
	out, err = runCLI(t, "program", "run", so, "--trace")
	if err != nil || !strings.Contains(out, "r0: 0x2a (Custom(42))") || !strings.Contains(out, "mov64 r9, r1") {
		t.Fatalf("run: %v\n%s", err, out)
	}
	out, err = runCLI(t, "program", "disasm", so)
	if err != nil || !strings.Contains(out, "call 0x207559bd ; sol_log_") {
		t.Fatalf("disasm: %v\n%s", err, out)
	}
}

// FuzzParseRunInput feeds arbitrary JSON to the run input parser.
func FuzzParseRunInput(f *testing.F) {
	f.Add([]byte(`{"accounts":[{"key":"A1ice11111111111111111111111111111111111111","lamports":1,"data":"AQID"}],"instruction_data":"AA=="}`))
	f.Add([]byte(`{"format":"unaligned","accounts":[{"data_len":3}]}`))
	f.Fuzz(func(t *testing.T, raw []byte) {
		in, _, err := parseRunInput(raw)
		if err == nil && in == nil {
			t.Fatal("nil input without an error")
		}
	})
}
