package link_test

import (
	"bytes"
	"flag"
	"os"
	"path/filepath"
	"strings"
	"testing"
)

var update = flag.Bool("update", false, "rewrite testdata/*.so from testdata/*.c")

// TestTestdata_UpToDate keeps the committed shared objects (seeds for the
// loader's fuzz target and fixtures for its tests) identical to what the
// toolchain builds from their sources: the linker is deterministic.
func TestTestdata_UpToDate(t *testing.T) {
	srcs, err := filepath.Glob(filepath.Join("..", "testdata", "*.c"))
	if err != nil || len(srcs) == 0 {
		t.Fatalf("no C sources: %v", err)
	}
	for _, src := range srcs {
		name := strings.TrimSuffix(filepath.Base(src), ".c")
		so := build(t, name)
		path := filepath.Join("..", "testdata", name+".so")
		if *update {
			if err := os.WriteFile(path, so, 0o644); err != nil {
				t.Fatal(err)
			}
			continue
		}
		old, err := os.ReadFile(path)
		if err != nil {
			t.Fatalf("%v (run go test ./vm/sbpf/link -run Testdata -update)", err)
		}
		if !bytes.Equal(old, so) {
			t.Errorf("%s is stale: run go test ./vm/sbpf/link -run Testdata -update", path)
		}
	}
}
