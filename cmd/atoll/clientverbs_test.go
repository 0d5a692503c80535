package main

import (
	"path/filepath"
	"strings"
	"testing"
)

func TestParseSOL(t *testing.T) {
	for _, tc := range []struct {
		in   string
		want uint64
		ok   bool
	}{
		{"1", 1_000_000_000, true}, {"1.5", 1_500_000_000, true}, {"0.000000001", 1, true}, {".5", 500_000_000, true},
		{"18446744073", 18_446_744_073_000_000_000, true}, {"18446744074", 0, false}, {"1.0000000001", 0, false},
		{"-1", 0, false}, {"", 0, false}, {".", 0, false}, {"1e9", 0, false}, {"+1", 0, false},
	} {
		got, err := parseSOL(tc.in)
		if (err == nil) != tc.ok || got != tc.want {
			t.Errorf("parseSOL(%q) = %d, %v; want %d ok=%v", tc.in, got, err, tc.want, tc.ok)
		}
	}
}

func TestFormatSOL(t *testing.T) {
	for in, want := range map[uint64]string{0: "0 SOL", 1: "0.000000001 SOL", 1_500_000_000: "1.5 SOL", 10_000_000_000: "10 SOL"} {
		if got := formatSOL(in); got != want {
			t.Errorf("formatSOL(%d) = %q, want %q", in, got, want)
		}
	}
}

// TestClientVerbs_TransferAccountConfirm runs the user's everyday verbs
// against a devbank.
func TestClientVerbs_TransferAccountConfirm(t *testing.T) {
	n := startCLINode(t, 432_000)
	dir := t.TempDir()
	a, b := filepath.Join(dir, "a.json"), filepath.Join(dir, "b.json")
	mustAtoll(t, "keys", "new", "-o", a, "-s")
	mustAtoll(t, "keys", "new", "-o", b, "-s")
	if _, err := atoll(t, "keys", "new", "-o", a, "-s"); err == nil || !strings.Contains(err.Error(), "--force") {
		t.Fatalf("overwriting a keypair without --force: %v", err)
	}
	bAddr := strings.TrimSpace(mustAtoll(t, "keys", "pubkey", b))
	mustAtoll(t, "airdrop", "3", "-u", n.url, "-k", a)
	if _, err := atoll(t, "transfer", bAddr, "1", "-u", n.url, "-k", a); err == nil || !strings.Contains(err.Error(), "--allow-unfunded-recipient") {
		t.Fatalf("transfer to an unfunded recipient: %v", err)
	}
	out := mustAtoll(t, "transfer", bAddr, "1.25", "-u", n.url, "-k", a, "--allow-unfunded-recipient")
	sig := strings.TrimSpace(strings.TrimPrefix(strings.TrimSpace(out), "Signature:"))
	if got := mustAtoll(t, "confirm", sig, "-u", n.url); got != "Confirmed\n" && got != "Finalized\n" {
		t.Fatalf("confirm: %q", got)
	}
	verbose := mustAtoll(t, "confirm", sig, "-v", "-u", n.url)
	for _, want := range []string{"Fee: 0.000005 SOL", "Program 11111111111111111111111111111111 invoke [1]", "Compute Units Consumed: 150"} {
		if !strings.Contains(verbose, want) {
			t.Errorf("confirm -v lacks %q:\n%s", want, verbose)
		}
	}
	if got := mustAtoll(t, "balance", bAddr, "-u", n.url, "--lamports"); got != "1250000000 lamports\n" {
		t.Fatalf("balance: %q", got)
	}
	acct := mustAtoll(t, "account", b, "-u", n.url)
	for _, want := range []string{"Public Key: " + bAddr, "Balance: 1.25 SOL", "Owner: 11111111111111111111111111111111", "Rent Epoch: 18446744073709551615"} {
		if !strings.Contains(acct, want) {
			t.Errorf("account output lacks %q:\n%s", want, acct)
		}
	}
	if got := mustAtoll(t, "confirm", "1111111111111111111111111111111111111111111111111111111111111111", "-u", n.url); got != "Not found\n" {
		t.Fatalf("confirm unknown: %q", got)
	}
	if _, err := atoll(t, "airdrop", "5000", "-u", n.url, "-k", a); err == nil || !strings.Contains(err.Error(), "limit") {
		t.Fatalf("airdrop over the limit: %v", err)
	}
}
