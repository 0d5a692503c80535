package rpc_test

import (
	"context"
	"os"
	"os/exec"
	"path/filepath"
	"testing"
	"time"

	"github.com/atoll-dev/atoll/rpc/devbank"
)

// runNodeScript runs one of tests/clients' scripts against n with the npm
// packages installed there. A missing node or missing packages fail the
// test with the command that fixes it.
func runNodeScript(t *testing.T, n *testNode, script string, args ...string) {
	t.Helper()
	node, err := exec.LookPath("node")
	if err != nil {
		t.Fatalf("node is required for the real-client tests and was not found in PATH: install Node.js 18+ (apt-get install nodejs)")
	}
	dir := filepath.Join(repoRoot(t), "tests", "clients")
	for _, pkg := range []string{"@solana/web3.js", "@solana/kit"} {
		if _, err := os.Stat(filepath.Join(dir, "node_modules", pkg, "package.json")); err != nil {
			t.Fatalf("%s is not installed: run `npm ci --prefix tests/clients`", pkg)
		}
	}
	ctx, cancel := context.WithTimeout(context.Background(), 90*time.Second)
	defer cancel()
	cmd := exec.CommandContext(ctx, node, append([]string{script, n.url, n.wsURL}, args...)...)
	cmd.Dir = dir
	out, err := cmd.CombinedOutput()
	t.Logf("%s:\n%s", script, out)
	if err != nil {
		t.Fatalf("%s: %v", script, err)
	}
}

func TestClients_Web3js(t *testing.T) {
	runNodeScript(t, startNode(t, devbank.Config{ConfirmedDepth: 1, FinalizedDepth: 2}), "web3js.mjs")
}

func TestClients_Kit(t *testing.T) {
	runNodeScript(t, startNode(t, devbank.Config{ConfirmedDepth: 1, FinalizedDepth: 2}), "kit.mjs")
}
