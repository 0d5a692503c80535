package node_test

import (
	"context"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"testing"
	"time"
)

// TestDevnet_SolanaClients points unmodified @solana/web3.js and
// @solana/kit at the Solana JSON-RPC of a real `atoll devnet`: one CometBFT
// validator, the roothash, three workers and the sandboxed SVM runtime.
func TestDevnet_SolanaClients(t *testing.T) {
	nodeBin, err := exec.LookPath("node")
	if err != nil {
		t.Fatal("node is required for the real-client tests: install Node.js 18+ (apt-get install nodejs)")
	}
	clients, err := filepath.Abs(filepath.Join("..", "tests", "clients"))
	if err != nil {
		t.Fatal(err)
	}
	if _, err := os.Stat(filepath.Join(clients, "node_modules", "@solana", "web3.js", "package.json")); err != nil {
		t.Fatal("@solana/web3.js is not installed: run `npm ci --prefix tests/clients` (make test does)")
	}
	bin := buildAtoll(t)
	base := freeBase(t)
	rpcPort := base + 40
	args := []string{"--dir", filepath.Join(t.TempDir(), "devnet"), "--block-time", "100ms", "--base-port", strconv.Itoa(base),
		"--rpc-port", fmt.Sprintf("127.0.0.1:%d", rpcPort)}
	dn := startDevnet(t, bin, args...)
	dn.waitLine(t, 60*time.Second, "runtime svm round 3 finalized")
	url, ws := fmt.Sprintf("http://127.0.0.1:%d", rpcPort), fmt.Sprintf("ws://127.0.0.1:%d", rpcPort+1)
	for _, script := range []string{"web3js.mjs", "kit.mjs"} {
		ctx, cancel := context.WithTimeout(context.Background(), 120*time.Second)
		cmd := exec.CommandContext(ctx, nodeBin, script, url, ws)
		cmd.Dir = clients
		out, err := cmd.CombinedOutput()
		cancel()
		t.Logf("%s:\n%s", script, out)
		if err != nil {
			t.Fatalf("%s against the devnet: %v", script, err)
		}
	}
}
