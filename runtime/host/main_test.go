package host

import (
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"testing"
)

// testRuntime is the path of testdata/testruntime, built once by TestMain,
// and trampoline a copy of this test binary beside it.
var testRuntime, testTrampoline string

func copyExecutable(dst string) error {
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

func TestMain(m *testing.M) {
	dir, err := os.MkdirTemp("", "host-test")
	if err != nil {
		fmt.Fprintln(os.Stderr, err)
		os.Exit(1)
	}
	// Readable by others, so that bwrap can run as nobody when the tests
	// run as root (see othersCanRun).
	if err := os.Chmod(dir, 0o755); err != nil {
		fmt.Fprintln(os.Stderr, err)
		os.Exit(1)
	}
	testRuntime = filepath.Join(dir, "testruntime")
	// The test binary is the trampoline; the go tool keeps it in a private
	// directory, so a copy goes next to the runtime.
	testTrampoline = filepath.Join(dir, "trampoline")
	if err := copyExecutable(testTrampoline); err != nil {
		fmt.Fprintln(os.Stderr, err)
		os.Exit(1)
	}
	build := exec.Command("go", "build", "-o", testRuntime, "./testdata/testruntime")
	build.Env = append(os.Environ(), "CGO_ENABLED=0")
	if out, err := build.CombinedOutput(); err != nil {
		fmt.Fprintf(os.Stderr, "building the test runtime: %v\n%s", err, out)
		os.Exit(1)
	}
	code := m.Run()
	os.RemoveAll(dir)
	os.Exit(code)
}
