package rpc_test

import (
	"os"
	"path/filepath"
	"testing"

	"github.com/atoll-dev/atoll/rpc/devbank"
	"github.com/atoll-dev/atoll/runtime/svm/loader"
	"github.com/atoll-dev/atoll/vm/sbpf/link"
)

// TestClients_Web3jsBpfLoader deploys a C program built with Debian clang
// and atoll's linker through web3.js's BpfLoader.load, then invokes it.
func TestClients_Web3jsBpfLoader(t *testing.T) {
	rt, err := loader.New()
	if err != nil {
		t.Fatal(err)
	}
	so, err := link.BuildC(filepath.Join("testdata", "greeter.c"), link.BuildOptions{Link: link.Options{Syscalls: rt.Registry()}})
	if err != nil {
		t.Fatalf("building the program: %v", err)
	}
	path := filepath.Join(t.TempDir(), "greeter.so")
	if err := os.WriteFile(path, so, 0o644); err != nil {
		t.Fatal(err)
	}
	n := startNode(t, devbank.Config{ConfirmedDepth: 1, FinalizedDepth: 2, ExecutorOptions: rt.Options()})
	runNodeScript(t, n, "web3js-bpf.mjs", path)
}
