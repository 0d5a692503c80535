package node_test

import (
	"context"
	"crypto/ed25519"
	"encoding/base64"
	"encoding/binary"
	"encoding/json"
	"errors"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/atoll-dev/atoll/client"
	"github.com/atoll-dev/atoll/node"
	"github.com/atoll-dev/atoll/rpc"
	"github.com/atoll-dev/atoll/runtime/svm"
	"github.com/atoll-dev/atoll/runtime/svm/sol"
)

// counterC adds the instruction's u64 to the counter in the first 8 bytes
// of account 0, which the program must own, and logs the new value.
const counterC = `#include <atoll.h>

uint64_t entrypoint(const uint8_t *input) {
  SolAccountInfo accounts[1];
  SolParameters params = {.ka = accounts};
  if (!sol_deserialize(input, &params, SOL_ARRAY_SIZE(accounts)) || params.ka_num < 1)
    return ERROR_NOT_ENOUGH_ACCOUNT_KEYS;
  SolAccountInfo *counter = &accounts[0];
  if (!SolPubkey_same(counter->owner, params.program_id))
    return ERROR_INCORRECT_PROGRAM_ID;
  if (!counter->is_writable || counter->data_len < 8)
    return ERROR_INVALID_ACCOUNT_DATA;
  if (params.data_len < 8)
    return ERROR_INVALID_INSTRUCTION_DATA;
  uint64_t v = *(uint64_t *)counter->data + *(const uint64_t *)params.data;
  *(uint64_t *)counter->data = v;
  sol_log("counter");
  sol_log_64(v, 0, 0, 0, 0);
  return SUCCESS;
}
`

// runAtoll runs the atoll CLI binary and returns its combined output.
func runAtoll(t *testing.T, bin string, args ...string) string {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), 60*time.Second)
	defer cancel()
	out, err := exec.CommandContext(ctx, bin, args...).CombinedOutput()
	if err != nil {
		t.Fatalf("atoll %s: %v\n%s", strings.Join(args, " "), err, out)
	}
	return string(out)
}

// TestDevnet_GenesisProgramsAndFeatureGate starts a real devnet (CometBFT
// validator, three compute nodes, sandboxed runtime) the way a
// solana-test-validator user would: a C program built by `atoll program
// build` loaded with --bpf-program, a program-owned account loaded with
// --account, and --faucet-sol. Through the Solana RPC it invokes the
// program and reads the account. Then it drives a feature gate end to end
// with the CLI: tx_wide_compute_budget is inactive, `atoll feature
// activate` makes it pending, it turns active at the next boundary of the
// runtime's epochs (which follow its slots, --slots-per-epoch, and agree
// across getEpochInfo, getEpochSchedule and the Clock sysvar), and the
// compute-unit limit a transaction asks for starts to bind.
func TestDevnet_GenesisProgramsAndFeatureGate(t *testing.T) {
	bin := buildAtoll(t)
	work := t.TempDir()
	file := func(name string) string { return filepath.Join(work, name) }
	if err := os.WriteFile(file("counter.c"), []byte(counterC), 0o644); err != nil {
		t.Fatal(err)
	}
	runAtoll(t, bin, "program", "build", file("counter.c"), "-o", file("counter.so"))
	runAtoll(t, bin, "keys", "new", "-o", file("program.json"), "-s")
	progKey, err := client.ReadKeypair(file("program.json"))
	if err != nil {
		t.Fatal(err)
	}
	program := client.PubkeyOf(progKey)
	counter := client.PubkeyOf(ed25519.NewKeyFromSeed(make([]byte, 32)))
	acct := fmt.Sprintf(`{"pubkey":"%s","account":{"lamports":1000000,"data":["%s","base64"],"owner":"%s","executable":false,"rentEpoch":0,"space":8}}`,
		sol.Pubkey{9}, base64.StdEncoding.EncodeToString(binary.LittleEndian.AppendUint64(nil, 41)), program)
	if err := os.WriteFile(file("counter.json"), []byte(acct), 0o644); err != nil {
		t.Fatal(err)
	}
	runAtoll(t, bin, "feature", "keypair", svm.FeatureTxWideComputeBudget.Name, "-o", file("feature.json"))

	base := freeBase(t)
	rpcPort := base + 40
	dir := filepath.Join(work, "devnet")
	// Runtime epochs of 64 slots (after a first one of 32) at 100 ms
	// blocks: long enough to activate a feature and see it pending, short
	// enough to wait for the next one.
	dn := startDevnet(t, bin, "--dir", dir, "--block-time", "100ms", "--epoch-blocks", "60", "--slots-per-epoch", "64", "--base-port", strconv.Itoa(base),
		"--rpc-port", fmt.Sprintf("127.0.0.1:%d", rpcPort), "--faucet-sol", "1000", "--bridge-domain", "1000", "--bridge-admin", file("program.json"),
		"--bpf-program", file("program.json"), file("counter.so"), "--account", counter.String(), file("counter.json"))
	url, ws := fmt.Sprintf("http://127.0.0.1:%d", rpcPort), fmt.Sprintf("ws://127.0.0.1:%d", rpcPort+1)
	dn.waitLine(t, 60*time.Second, "genesis: --bpf-program "+program.String(), "owner "+svm.BPFLoader2ID.String())
	dn.waitLine(t, 5*time.Second, "genesis: --account "+counter.String(), "8 bytes, 1000000 lamports, owner "+program.String())
	dn.waitLine(t, 5*time.Second, "genesis: bridge domain 1000, admin "+program.String())
	dn.waitLine(t, 60*time.Second, "JSON RPC URL: "+url)
	dn.waitLine(t, 5*time.Second, "WebSocket URL: "+ws)
	g, ok, err := node.LoadSVMGenesis(dir)
	if err != nil || !ok {
		t.Fatalf("the devnet's SVM genesis: %v, %v", ok, err)
	}
	if g.BridgeDomain != 1000 || g.BridgeAdmin != program || len(g.Accounts) != 2 || g.FaucetLamports != 1000*1_000_000_000 || g.SlotsPerEpoch != 64 || !g.Warmup {
		t.Fatalf("the devnet's SVM genesis: bridge domain %d admin %s, %d accounts, faucet %d, %d slots per epoch (warmup %v)",
			g.BridgeDomain, g.BridgeAdmin, len(g.Accounts), g.FaucetLamports, g.SlotsPerEpoch, g.Warmup)
	}
	dn.waitLine(t, 60*time.Second, "runtime svm round 3 finalized")
	faucetFile := filepath.Join(dir, "faucet.json")
	faucet, err := client.ReadKeypair(faucetFile)
	if err != nil {
		t.Fatal(err)
	}
	c := client.New(url)
	ctx, cancel := context.WithTimeout(context.Background(), 3*time.Minute)
	defer cancel()
	send := func(ins ...sol.Instruction) sol.Signature {
		t.Helper()
		bh, err := c.GetLatestBlockhash(ctx, client.Confirmed)
		if err != nil {
			t.Fatal(err)
		}
		raw, _, err := client.SignTransaction(bh.Blockhash, faucet, nil, ins...)
		if err != nil {
			t.Fatal(err)
		}
		sig, err := c.SendTransaction(ctx, raw, false, client.Confirmed)
		if err != nil {
			t.Fatalf("send: %v", err)
		}
		st, err := c.ConfirmTransaction(ctx, sig, client.Confirmed, bh.LastValidBlockHeight)
		if err != nil || st.Failed() {
			t.Fatalf("transaction %s: %v %+v", sig, err, st)
		}
		return sig
	}

	t.Run("genesis program and account", func(t *testing.T) {
		if bal, err := c.GetBalance(ctx, client.PubkeyOf(faucet), client.Confirmed); err != nil || bal != 1000*1_000_000_000 {
			t.Fatalf("faucet balance %d (%v), want --faucet-sol 1000", bal, err)
		}
		so, err := os.ReadFile(file("counter.so"))
		if err != nil {
			t.Fatal(err)
		}
		prog, err := c.GetAccountInfo(ctx, program, client.Confirmed)
		if err != nil || prog == nil || !prog.Executable || prog.Owner != svm.BPFLoader2ID || string(prog.Data) != string(so) {
			t.Fatalf("program account %s: %+v (%v)", program, prog, err)
		}
		sig := send(sol.Instruction{ProgramID: program, Accounts: []sol.AccountMeta{{Pubkey: counter, IsWritable: true}},
			Data: binary.LittleEndian.AppendUint64(nil, 1)})
		got, err := c.GetAccountInfo(ctx, counter, client.Confirmed)
		if err != nil || got == nil || got.Owner != program || got.Lamports != 1_000_000 || len(got.Data) != 8 {
			t.Fatalf("counter account: %+v (%v)", got, err)
		}
		if v := binary.LittleEndian.Uint64(got.Data); v != 42 {
			t.Fatalf("counter = %d after adding 1 to the genesis value 41", v)
		}
		var tx struct {
			Meta struct {
				Err         json.RawMessage `json:"err"`
				LogMessages []string        `json:"logMessages"`
			} `json:"meta"`
		}
		if err := c.Call(ctx, "getTransaction", []any{sig.String(), map[string]any{"encoding": "json", "commitment": "confirmed"}}, &tx); err != nil {
			t.Fatal(err)
		}
		logs := strings.Join(tx.Meta.LogMessages, "\n")
		for _, want := range []string{"Program " + program.String() + " invoke [1]", "Program log: counter", "Program log: 0x2a, 0x0, 0x0, 0x0, 0x0", "Program " + program.String() + " success"} {
			if !strings.Contains(logs, want) {
				t.Errorf("logs lack %q:\n%s", want, logs)
			}
		}
	})

	t.Run("feature gate", func(t *testing.T) {
		to := client.PubkeyOf(ed25519.NewKeyFromSeed(append(make([]byte, 31), 1)))
		// limited asks for a 100-unit transaction-wide limit, which the
		// compute-budget instruction alone (150 units) exceeds once the
		// feature is active; before, the limit has no effect.
		limited := []sol.Instruction{svm.SetComputeUnitLimit(100), svm.Transfer(client.PubkeyOf(faucet), to, 1_000_000)}
		status := func() (string, *uint64) {
			t.Helper()
			var rows []struct {
				ID     string  `json:"id"`
				Status string  `json:"status"`
				Since  *uint64 `json:"sinceSlot"`
			}
			out := runAtoll(t, bin, "feature", "status", "--output", "json", "-u", url)
			if err := json.Unmarshal([]byte(out), &rows); err != nil {
				t.Fatalf("feature status: %v\n%s", err, out)
			}
			for _, r := range rows {
				if r.ID == svm.FeatureTxWideComputeBudget.ID.String() {
					return r.Status, r.Since
				}
			}
			t.Fatalf("feature status lists no %s:\n%s", svm.FeatureTxWideComputeBudget.Name, out)
			return "", nil
		}
		if st, _ := status(); st != "inactive" {
			t.Fatalf("before activation: %s", st)
		}
		send(limited...)

		// The runtime's epochs follow its slots by its schedule
		// (--slots-per-epoch 64 with warmup: epoch 0 is slots 0-31, then 64
		// slots each), whatever the consensus layer's epochs do; the Clock
		// sysvar, getEpochInfo and getEpochSchedule agree on it.
		schedule := svm.NewEpochSchedule(64, 64, true)
		var es struct {
			SlotsPerEpoch    uint64 `json:"slotsPerEpoch"`
			Warmup           bool   `json:"warmup"`
			FirstNormalEpoch uint64 `json:"firstNormalEpoch"`
			FirstNormalSlot  uint64 `json:"firstNormalSlot"`
		}
		if err := c.Call(ctx, "getEpochSchedule", nil, &es); err != nil || es.SlotsPerEpoch != 64 || !es.Warmup || es.FirstNormalEpoch != 1 || es.FirstNormalSlot != 32 {
			t.Fatalf("getEpochSchedule: %+v, %v", es, err)
		}
		epochInfo := func() client.EpochInfo {
			t.Helper()
			info, err := c.GetEpochInfo(ctx, client.Confirmed)
			if err != nil {
				t.Fatal(err)
			}
			if e, i := schedule.EpochOf(info.AbsoluteSlot); info.Epoch != e || info.SlotIndex != i || info.SlotsInEpoch != schedule.SlotsInEpoch(e) {
				t.Fatalf("getEpochInfo %+v disagrees with the schedule (epoch %d, index %d)", info, e, i)
			}
			return info
		}
		// Activate right after a runtime epoch boundary, so the activation
		// and the status check below finish well inside the epoch.
		start := epochInfo().Epoch
		deadline := time.Now().Add(60 * time.Second)
		info := epochInfo()
		for ; info.Epoch == start; info = epochInfo() {
			if time.Now().After(deadline) {
				t.Fatalf("runtime epoch %d did not end within 60s", start)
			}
			time.Sleep(50 * time.Millisecond)
		}
		epoch := info.Epoch
		out := runAtoll(t, bin, "feature", "activate", file("feature.json"), "-u", url, "-k", faucetFile)
		if !strings.Contains(out, "pending") {
			t.Fatalf("activate: %s", out)
		}
		st, _ := status()
		if now := epochInfo(); st != "pending" || now.Epoch != epoch {
			t.Fatalf("after activation in runtime epoch %d: status %s in epoch %d (slot %d)", epoch, st, now.Epoch, now.AbsoluteSlot)
		}
		if table := runAtoll(t, bin, "feature", "status", "-u", url); !strings.Contains(table, "pending until the next epoch") {
			t.Fatalf("feature status table:\n%s", table)
		}
		// Pending: the limit still has no effect.
		send(limited...)

		var since *uint64
		deadline = time.Now().Add(60 * time.Second)
		for st, since = status(); st != "active"; st, since = status() {
			if time.Now().After(deadline) {
				t.Fatalf("feature still %s 60s after its activation", st)
			}
			time.Sleep(200 * time.Millisecond)
		}
		// It activated in the runtime epoch after the one it was requested
		// in, at that epoch's first executed slot.
		next := schedule.FirstSlotInEpoch(epoch + 1)
		if since == nil || *since < next {
			t.Fatalf("requested in runtime epoch %d, active since slot %v; epoch %d starts at slot %d", epoch, since, epoch+1, next)
		}
		if e, _ := schedule.EpochOf(*since); e != epoch+1 {
			t.Fatalf("requested in runtime epoch %d, active since slot %d of epoch %d", epoch, *since, e)
		}
		clockAcct, err := c.GetAccountInfo(ctx, svm.SysvarClockID, client.Confirmed)
		if err != nil || clockAcct == nil {
			t.Fatalf("Clock sysvar: %v", err)
		}
		clock, err := svm.DecodeClock(clockAcct.Data)
		if e, _ := schedule.EpochOf(clock.Slot); err != nil || clock.Epoch != e || clock.Epoch <= epoch {
			t.Fatalf("Clock sysvar %+v (%v): want the schedule's epoch %d of its slot, after %d", clock, err, e, epoch)
		}
		// Active: 100 units do not cover the compute-budget instruction.
		bh, err := c.GetLatestBlockhash(ctx, client.Confirmed)
		if err != nil {
			t.Fatal(err)
		}
		raw, _, err := client.SignTransaction(bh.Blockhash, faucet, nil, limited...)
		if err != nil {
			t.Fatal(err)
		}
		_, err = c.SendTransaction(ctx, raw, false, client.Confirmed)
		var rerr *client.RPCError
		if !errors.As(err, &rerr) || rerr.Code != rpc.CodePreflightFailure || !strings.Contains(string(rerr.Data), `"InstructionError":[0,"ComputationalBudgetExceeded"]`) {
			t.Fatalf("limited transfer after activation: %v", err)
		}
	})

	// Resumed with genesis flags, the devnet keeps its genesis and says
	// which values it ignores; the unchanged program goes unmentioned.
	if err := dn.cmd.Process.Signal(os.Interrupt); err != nil {
		t.Fatal(err)
	}
	if err := dn.cmd.Wait(); err != nil {
		t.Fatalf("devnet exit: %v", err)
	}
	dn = startDevnet(t, bin, "--dir", dir, "--rpc-port", fmt.Sprintf("127.0.0.1:%d", rpcPort), "--faucet-sol", "5",
		"--bpf-program", file("program.json"), file("counter.so"))
	dn.waitLine(t, 60*time.Second, "resuming devnet")
	dn.waitLine(t, 5*time.Second, "ignored: the devnet in "+dir+" keeps the genesis it was created with; --reset starts a new chain")
	dn.waitLine(t, 5*time.Second, "--faucet-sol 5 (the faucet was funded with 1000 SOL)")
	dn.waitLine(t, 60*time.Second, "JSON RPC URL: "+url)
	if out := dn.out.String(); strings.Contains(out, "--bpf-program "+program.String()) {
		t.Fatalf("the unchanged program is reported as ignored:\n%s", out)
	}
}
