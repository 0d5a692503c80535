package host

import (
	"testing"

	"github.com/atoll-dev/atoll/runtime/host/internal/runtimetest"
)

// testRuntime is the path of testdata/testruntime, built once by TestMain,
// and trampoline a copy of this test binary beside it.
var testRuntime, testTrampoline string

func TestMain(m *testing.M) {
	runtimetest.Main(m, "./testdata/testruntime", func(p runtimetest.Paths) {
		testRuntime, testTrampoline = p.Runtime, p.Trampoline
	})
}
