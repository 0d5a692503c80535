package main

import (
	"os"
	"path/filepath"
	"strings"
	"testing"
)

// TestProgramDeploy_UpgradeableLifecycle builds a C program, deploys it with
// the upgradeable loader in chunks, shows it, and deploys again as an upgrade.
func TestProgramDeploy_UpgradeableLifecycle(t *testing.T) {
	n := startCLINode(t, 432_000)
	dir := t.TempDir()
	payer := filepath.Join(dir, "id.json")
	so := filepath.Join(dir, "greeter.so")
	mustAtoll(t, "keys", "new", "-o", payer, "-s")
	mustAtoll(t, "airdrop", "50", "-u", n.url, "-k", payer)
	mustAtoll(t, "program", "build", filepath.Join("..", "..", "rpc", "testdata", "greeter.c"), "-o", so)

	out := mustAtoll(t, "program", "deploy", so, "-u", n.url, "-k", payer)
	if !strings.Contains(out, "2/2 chunks") || !strings.Contains(out, "Program Id: ") {
		t.Fatalf("deploy output:\n%s", out)
	}
	if _, err := os.Stat(filepath.Join(dir, "greeter-keypair.json")); err != nil {
		t.Fatal("no program keypair written beside the program")
	}
	id := strings.TrimSpace(mustAtoll(t, "keys", "pubkey", filepath.Join(dir, "greeter-keypair.json")))
	show := mustAtoll(t, "program", "show", id, "-u", n.url)
	payerAddr := strings.TrimSpace(mustAtoll(t, "keys", "pubkey", payer))
	for _, want := range []string{"Owner: BPFLoaderUpgradeab1e11111111111111111111111", "Executable: true", "Authority: " + payerAddr} {
		if !strings.Contains(show, want) {
			t.Fatalf("show lacks %q:\n%s", want, show)
		}
	}
	if out := mustAtoll(t, "program", "deploy", so, "-u", n.url, "-k", payer); !strings.Contains(out, "Upgraded program Id: "+id) {
		t.Fatalf("second deploy did not upgrade:\n%s", out)
	}
	if _, err := atoll(t, "program", "deploy", filepath.Join(dir, "missing.so"), "-u", n.url, "-k", payer); err == nil {
		t.Fatal("deploying a missing file succeeded")
	}
}
