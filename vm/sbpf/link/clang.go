package link

import (
	"bytes"
	"errors"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"

	csdk "github.com/atoll-dev/atoll/sdk/c"
)

// CompileFlags are what BuildC passes to clang besides -I and -o. -fno-PIC
// keeps clang from emitting relative lookup tables; -fno-builtin keeps loops
// from becoming memset/memcpy calls the BPF backend cannot lower.
var CompileFlags = []string{"-target", "bpf", "-O2", "-fno-PIC", "-ffreestanding", "-fno-builtin", "-Wall", "-c"}

// BuildOptions configure BuildC.
type BuildOptions struct {
	// Clang is the compiler to run; empty means "clang" from PATH.
	Clang string
	// Include lists extra include directories. atoll.h is always available.
	Include []string
	// Flags are appended to CompileFlags.
	Flags []string
	// Link options for the linking step.
	Link Options
}

// ErrCompile is returned when clang fails; the error text carries its output.
var ErrCompile = errors.New("link: clang failed")

// CompileC runs clang on one C source file and returns the ET_REL object.
func CompileC(src string, opts BuildOptions) ([]byte, error) {
	clang := opts.Clang
	if clang == "" {
		clang = "clang"
	}
	dir, err := os.MkdirTemp("", "atoll-build-")
	if err != nil {
		return nil, err
	}
	defer os.RemoveAll(dir)
	if err := os.WriteFile(filepath.Join(dir, "atoll.h"), csdk.Header, 0o644); err != nil {
		return nil, err
	}
	obj := filepath.Join(dir, "prog.o")
	args := append([]string{}, CompileFlags...)
	args = append(args, opts.Flags...)
	for _, inc := range opts.Include {
		args = append(args, "-I", inc)
	}
	args = append(args, "-I", dir, "-o", obj, src)
	var out bytes.Buffer
	cmd := exec.Command(clang, args...)
	cmd.Stdout, cmd.Stderr = &out, &out
	if err := cmd.Run(); err != nil {
		return nil, fmt.Errorf("%w: %v\n%s", ErrCompile, err, out.String())
	}
	return os.ReadFile(obj)
}

// BuildC compiles src with clang and links it into an SBPFv0 shared object.
func BuildC(src string, opts BuildOptions) ([]byte, error) {
	obj, err := CompileC(src, opts)
	if err != nil {
		return nil, err
	}
	return Link(obj, opts.Link)
}
