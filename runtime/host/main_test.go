package host

import (
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"testing"
)

// testRuntime is the path of testdata/testruntime, built once by TestMain.
var testRuntime string

func TestMain(m *testing.M) {
	dir, err := os.MkdirTemp("", "host-test")
	if err != nil {
		fmt.Fprintln(os.Stderr, err)
		os.Exit(1)
	}
	testRuntime = filepath.Join(dir, "testruntime")
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
