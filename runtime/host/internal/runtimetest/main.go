package runtimetest

import (
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"testing"
)

// Paths are the prepared executables.
type Paths struct {
	// Runtime is the built test runtime.
	Runtime string
	// Trampoline is a copy of the running test binary: the go tool keeps
	// the original in a private directory that bwrap, running as nobody
	// when tests run as root, could not enter.
	Trampoline string
}

// Main builds the test runtime from the package directory src, hands the
// paths to use, runs the tests and exits with their code. It is the body
// of a package's TestMain.
func Main(m *testing.M, src string, use func(Paths)) {
	dir, err := os.MkdirTemp("", "runtime-test")
	if err != nil {
		fail(err)
	}
	// Readable by others, so that bwrap can run as nobody when the tests
	// run as root.
	if err := os.Chmod(dir, 0o755); err != nil {
		fail(err)
	}
	p := Paths{Runtime: filepath.Join(dir, "testruntime"), Trampoline: filepath.Join(dir, "trampoline")}
	if err := copySelf(p.Trampoline); err != nil {
		fail(err)
	}
	build := exec.Command("go", "build", "-o", p.Runtime, src)
	build.Env = append(os.Environ(), "CGO_ENABLED=0")
	if out, err := build.CombinedOutput(); err != nil {
		fail(fmt.Errorf("building the test runtime: %v\n%s", err, out))
	}
	use(p)
	code := m.Run()
	os.RemoveAll(dir)
	os.Exit(code)
}

func copySelf(dst string) error {
	self, err := os.Executable()
	if err != nil {
		return err
	}
	data, err := os.ReadFile(self)
	if err != nil {
		return err
	}
	return os.WriteFile(dst, data, 0o755)
}

func fail(err error) {
	fmt.Fprintln(os.Stderr, err)
	os.Exit(1)
}
