package main

import (
	"bytes"
	"context"
	"crypto/ed25519"
	"encoding/json"
	"errors"
	"path/filepath"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"github.com/atoll-dev/atoll/client"
	"github.com/atoll-dev/atoll/rpc"
	"github.com/atoll-dev/atoll/rpc/devbank"
	"github.com/atoll-dev/atoll/runtime/svm"
	"github.com/atoll-dev/atoll/runtime/svm/loader"
	"github.com/atoll-dev/atoll/runtime/svm/sol"
)

// cliNode is a devbank behind an RPC server whose slot production the test
// can hold just before an epoch boundary, so that "pending" is observable
// without depending on timing.
type cliNode struct {
	bank      *devbank.Bank
	url       string
	holdEpoch atomic.Bool
}

func startCLINode(t *testing.T, slotsPerEpoch uint64) *cliNode {
	t.Helper()
	rt, err := loader.New()
	if err != nil {
		t.Fatal(err)
	}
	bank, err := devbank.New(devbank.Config{SlotsPerEpoch: slotsPerEpoch, ConfirmedDepth: 1, FinalizedDepth: 2, ExecutorOptions: rt.Options()})
	if err != nil {
		t.Fatal(err)
	}
	n := &cliNode{bank: bank, url: serveRPC(t, bank)}
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan struct{})
	go func() {
		defer close(done)
		held := 0
		for ctx.Err() == nil {
			next := bank.Slot(rpc.Processed) + 1
			hold := n.holdEpoch.Load() && next%slotsPerEpoch == 0
			if hold {
				// A test that holds too long would otherwise hang, waiting for
				// a transaction that can only land past the boundary.
				if held++; held > 2000 {
					t.Errorf("the epoch boundary was held for 20s; releasing it")
					n.holdEpoch.Store(false)
				}
			} else {
				held = 0
				if _, err := bank.ProduceSlot(); err != nil {
					t.Errorf("produce: %v", err)
					return
				}
			}
			time.Sleep(10 * time.Millisecond)
		}
	}()
	t.Cleanup(func() { cancel(); <-done })
	return n
}

// atoll runs the CLI in-process and returns its output.
func atoll(t *testing.T, args ...string) (string, error) {
	t.Helper()
	cmd := newRootCommand()
	var out bytes.Buffer
	cmd.SetOut(&out)
	cmd.SetErr(&out)
	cmd.SetArgs(args)
	err := cmd.ExecuteContext(context.Background())
	return out.String(), err
}

func mustAtoll(t *testing.T, args ...string) string {
	t.Helper()
	out, err := atoll(t, args...)
	if err != nil {
		t.Fatalf("atoll %s: %v\n%s", strings.Join(args, " "), err, out)
	}
	return out
}

func featureStatusJSON(t *testing.T, url string) featureRow {
	t.Helper()
	var rows []featureRow
	out := mustAtoll(t, "feature", "status", "--output", "json", "-u", url)
	if err := json.Unmarshal([]byte(out), &rows); err != nil {
		t.Fatalf("feature status output: %v\n%s", err, out)
	}
	for _, r := range rows {
		if r.ID == svm.FeatureTxWideComputeBudget.ID.String() {
			return r
		}
	}
	t.Fatalf("feature status does not list %s:\n%s", svm.FeatureTxWideComputeBudget.Name, out)
	return featureRow{}
}

// limitedTransfer asks for a 100-unit transaction-wide limit, which the
// compute-budget instruction alone (150 units) exceeds once the feature is
// active; before, the limit has no effect.
func limitedTransfer(t *testing.T, c *client.Client, payer ed25519.PrivateKey, to sol.Pubkey, lamports uint64) ([]byte, uint64) {
	t.Helper()
	bh, err := c.GetLatestBlockhash(context.Background(), client.Confirmed)
	if err != nil {
		t.Fatal(err)
	}
	raw, _, err := client.SignTransaction(bh.Blockhash, payer, nil, svm.SetComputeUnitLimit(100), svm.Transfer(client.PubkeyOf(payer), to, lamports))
	if err != nil {
		t.Fatal(err)
	}
	return raw, bh.LastValidBlockHeight
}

// TestFeature_ActivateEndToEnd activates FeatureTxWideComputeBudget through
// the CLI, sees it pending, sees it active after the epoch boundary through
// `atoll feature status`, and sees SetComputeUnitLimit take effect.
func TestFeature_ActivateEndToEnd(t *testing.T) {
	n := startCLINode(t, 32)
	dir := t.TempDir()
	payerFile, featureFile := filepath.Join(dir, "payer.json"), filepath.Join(dir, "feature.json")
	mustAtoll(t, "keys", "new", "-o", payerFile, "-s")
	mustAtoll(t, "airdrop", "10", "-u", n.url, "-k", payerFile)
	if out := mustAtoll(t, "balance", "-u", n.url, "-k", payerFile); out != "10 SOL\n" {
		t.Fatalf("balance = %q", out)
	}
	payer, err := client.ReadKeypair(payerFile)
	if err != nil {
		t.Fatal(err)
	}
	c := client.New(n.url)
	ctx := context.Background()
	to := client.PubkeyOf(ed25519.NewKeyFromSeed(make([]byte, 32)))

	if st := featureStatusJSON(t, n.url); st.Status != "inactive" {
		t.Fatalf("before activation: status %q", st.Status)
	}
	// Inactive: the limit is ignored and the transfer succeeds.
	raw, lastValid := limitedTransfer(t, c, payer, to, 1_000_000)
	if _, err := sendAndConfirm(ctx, c, raw, lastValid, client.Confirmed); err != nil {
		t.Fatalf("limited transfer before activation: %v", err)
	}

	mustAtoll(t, "feature", "keypair", svm.FeatureTxWideComputeBudget.Name, "-o", featureFile)
	// Start right after an epoch boundary, so the activation lands and is
	// confirmed well before the next one, which is then held.
	for bank := n.bank; bank.Slot(rpc.Processed)%32 > 4; {
		time.Sleep(2 * time.Millisecond)
	}
	n.holdEpoch.Store(true)
	out := mustAtoll(t, "feature", "activate", featureFile, "-u", n.url, "-k", payerFile)
	if !strings.Contains(out, "pending") {
		t.Fatalf("activate output: %q", out)
	}
	if st := featureStatusJSON(t, n.url); st.Status != "pending" {
		t.Fatalf("after activation, before the epoch boundary: status %q", st.Status)
	}
	if _, err := atoll(t, "feature", "activate", featureFile, "-u", n.url, "-k", payerFile); err == nil || !strings.Contains(err.Error(), "already pending") {
		t.Fatalf("second activation: %v", err)
	}
	// Still pending: the limit is still ignored. Simulated, because no slot
	// past the held boundary can include it.
	raw, _ = limitedTransfer(t, c, payer, to, 2_000_000)
	var sim struct {
		Value struct {
			Err           json.RawMessage `json:"err"`
			UnitsConsumed uint64          `json:"unitsConsumed"`
		} `json:"value"`
	}
	if err := c.Call(ctx, "simulateTransaction", []any{raw, map[string]any{"encoding": "base64", "sigVerify": true, "commitment": "confirmed"}}, &sim); err != nil {
		t.Fatal(err)
	}
	if string(sim.Value.Err) != "null" || sim.Value.UnitsConsumed != 300 {
		t.Fatalf("simulated limited transfer while pending: err %s, %d units", sim.Value.Err, sim.Value.UnitsConsumed)
	}
	n.holdEpoch.Store(false)

	deadline := time.Now().Add(30 * time.Second)
	var st featureRow
	for st = featureStatusJSON(t, n.url); st.Status != "active"; st = featureStatusJSON(t, n.url) {
		if time.Now().After(deadline) {
			t.Fatalf("feature still %q 30s after the hold was released", st.Status)
		}
		time.Sleep(20 * time.Millisecond)
	}
	if st.ActivationSlot == nil || *st.ActivationSlot%32 != 0 {
		t.Fatalf("activated at %v, not at an epoch's first slot", st.ActivationSlot)
	}

	// Active: 100 units do not cover the compute-budget instruction itself.
	raw, _ = limitedTransfer(t, c, payer, to, 3_000_000)
	_, err = c.SendTransaction(ctx, raw, false, client.Confirmed)
	var rerr *client.RPCError
	if !errors.As(err, &rerr) || rerr.Code != rpc.CodePreflightFailure || !strings.Contains(string(rerr.Data), `"InstructionError":[0,"ComputationalBudgetExceeded"]`) {
		t.Fatalf("limited transfer after activation: %v", err)
	}
}
