package main

import (
	"context"
	"io"
	"log/slog"
	"os/exec"
	"path/filepath"
	"regexp"
	"strings"
	"testing"
	"time"

	"github.com/atoll-dev/atoll/bridge/agent"
	"github.com/atoll-dev/atoll/bridge/agent/localnet"
	"github.com/atoll-dev/atoll/bridge/update"
	"github.com/atoll-dev/atoll/client"
	"github.com/atoll-dev/atoll/runtime/svm/sol"
)

// TestBridgeVerbs sends a message and a token transfer with the CLI between
// two local networks whose agents run in this process, and follows them
// with `bridge status` until they are processed.
func TestBridgeVerbs(t *testing.T) {
	dir := t.TempDir()
	user, recipient := demoKey("cli user"), demoKey("cli recipient")
	userFile := filepath.Join(dir, "user.json")
	if err := client.WriteKeypair(userFile, user, false); err != nil {
		t.Fatal(err)
	}
	br, err := localnet.StartBridge(context.Background(), localnet.BridgeConfig{Dir: dir, OptimisticSeconds: 1,
		SlotDuration: 50 * time.Millisecond, Interval: 150 * time.Millisecond, Funded: []sol.Pubkey{client.PubkeyOf(user)},
		FundLamports: 10_000_000_000, Log: slog.New(slog.NewTextHandler(io.Discard, nil))})
	if err != nil {
		t.Fatal(err)
	}
	defer br.Close()
	hashRe := regexp.MustCompile(`Message hash: (0x[0-9a-f]{64})`)
	hashOf := func(out string) string {
		t.Helper()
		m := hashRe.FindStringSubmatch(out)
		if m == nil {
			t.Fatalf("no message hash in %q", out)
		}
		return m[1]
	}
	msg := hashOf(mustAtoll(t, "bridge", "send", "-u", br.A.URL, "-k", userFile, "--destination", "2000",
		"--recipient", localnet.Inbox.String(), "--body", "hello"))
	transfer := hashOf(mustAtoll(t, "bridge", "token", "send", "-u", br.A.URL, "-k", userFile, "--destination", "2000",
		"--to", client.PubkeyOf(recipient).String(), "--amount", "1.5"))
	for _, h := range []string{msg, transfer} {
		deadline := time.Now().Add(time.Minute)
		for {
			out := mustAtoll(t, "bridge", "status", h, "-u", br.A.URL, "--destination-url", br.B.URL)
			if strings.Contains(out, ": processed") {
				break
			}
			if time.Now().After(deadline) {
				t.Fatalf("message %s not processed: %q", h, out)
			}
			time.Sleep(100 * time.Millisecond)
		}
	}
	for _, bad := range [][]string{
		{"bridge", "status", "zz", "-u", br.A.URL, "--destination-url", br.B.URL},
		{"bridge", "status", "0x" + strings.Repeat("ab", 32), "-u", br.A.URL, "--destination-url", br.B.URL},
		{"bridge", "send", "-u", br.A.URL, "-k", userFile, "--destination", "2000", "--recipient", "nope"},
		{"bridge", "token", "send", "-u", br.A.URL, "-k", userFile, "--destination", "2000", "--to", "nope", "--amount", "1"},
	} {
		if out, err := atoll(t, bad...); err == nil {
			t.Fatalf("atoll %s succeeded: %s", strings.Join(bad, " "), out)
		}
	}
}

// checkDemo checks that a demo run reported every stage of both messages,
// the balances and the latency.
func checkDemo(t *testing.T, out string, res *demoResult) {
	t.Helper()
	for _, want := range []string{"message  dispatched", "message  signed", "message  relayed", "message  confirmable", "message  processed",
		"transfer dispatched", "transfer processed", "inbox: message 0 from domain 1000: ", "2.5 SOL locked", "2.5 SOL wrapped alpha lamports",
		"End-to-end latency"} {
		if !strings.Contains(out, want) {
			t.Fatalf("demo output lacks %q:\n%s", want, out)
		}
	}
	if len(res.Latency) != 2 || len(res.Rounds) != 2 {
		t.Fatalf("latencies measured: %v, %v", res.Latency, res.Rounds)
	}
}

// TestBridgeDemo runs the demo as `atoll bridge demo` does by default: two
// real atoll networks (`atoll devnet` processes) and every agent polling on
// each new slot.
func TestBridgeDemo(t *testing.T) {
	dir := t.TempDir()
	bin := filepath.Join(dir, "atoll")
	if out, err := exec.Command("go", "build", "-o", bin, ".").CombinedOutput(); err != nil {
		t.Fatalf("building atoll: %v\n%s", err, out)
	}
	base, err := localnet.FreePortRange(2 * localnet.DevnetPorts)
	if err != nil {
		t.Fatal(err)
	}
	var out strings.Builder
	res, err := runDemo(context.Background(), &out, demoConfig{dir: dir, optimistic: 2, interval: time.Second, onSlot: true,
		log: slog.New(slog.NewTextHandler(io.Discard, nil)), devnets: [2]*localnet.Devnet{
			{Binary: bin, Dir: filepath.Join(dir, "alpha"), BasePort: base, BlockTime: 100 * time.Millisecond, Compute: 1, Workers: 1},
			{Binary: bin, Dir: filepath.Join(dir, "beta"), BasePort: base + localnet.DevnetPorts, BlockTime: 100 * time.Millisecond, Compute: 1, Workers: 1},
		}})
	if err != nil {
		t.Fatalf("%v\n%s", err, out.String())
	}
	checkDemo(t, out.String(), res)
	t.Logf("demo on two atoll networks:\n%s", out.String())
}

// TestBridgeDemo_Devbank runs the demo's --devbank mode with short
// intervals.
func TestBridgeDemo_Devbank(t *testing.T) {
	var out strings.Builder
	res, err := runDemo(context.Background(), &out, demoConfig{dir: t.TempDir(), optimistic: 1, interval: 150 * time.Millisecond,
		slot: 50 * time.Millisecond, log: slog.New(slog.NewTextHandler(io.Discard, nil))})
	if err != nil {
		t.Fatalf("%v\n%s", err, out.String())
	}
	checkDemo(t, out.String(), res)
}

func TestAgentKeygen(t *testing.T) {
	p := filepath.Join(t.TempDir(), "updater.hex")
	addr := strings.TrimSpace(mustAtoll(t, "agent", "keygen", p))
	k, err := agent.ReadSecpKey(p)
	if err != nil {
		t.Fatal(err)
	}
	if got := update.AddressOf(k.PubKey()).String(); got != addr {
		t.Fatalf("keygen printed %s, key file holds %s", addr, got)
	}
	if _, err := atoll(t, "agent", "keygen", p); err == nil || !strings.Contains(err.Error(), "--force") {
		t.Fatalf("overwriting without --force: %v", err)
	}
	if _, err := atoll(t, "agent", "relayer"); err == nil || !strings.Contains(err.Error(), "--config") {
		t.Fatalf("agent without --config: %v", err)
	}
}
