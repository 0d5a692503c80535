package rpcnode

import (
	"context"
	"crypto/ed25519"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
	"time"

	solana "github.com/gagliardetto/solana-go"
	"github.com/gagliardetto/solana-go/programs/system"
	solrpc "github.com/gagliardetto/solana-go/rpc"
	confirm "github.com/gagliardetto/solana-go/rpc/sendAndConfirmTransaction"
	"github.com/gagliardetto/solana-go/rpc/ws"

	"github.com/atoll-dev/atoll/rpc"
	"github.com/atoll-dev/atoll/runtime/svm/loader"
	"github.com/atoll-dev/atoll/vm/sbpf/link"
)

// served is a replicated network with member 0's backend behind the real
// RPC server on loopback.
type served struct {
	tn         *testNet
	b          *Backend
	url, wsURL string
}

// threeNodes is the network most tests run: 2 workers, 1 backup, 2
// storage nodes among three compute-and-storage nodes.
var threeNodes = netOpts{workers: 2, backups: 1, storage: 2, nodes: 3}

// serve starts network o whose genesis funds a faucet and the payers, and
// serves member 0 over HTTP and websocket.
func serve(t testing.TB, o netOpts, payers ...ed25519.PrivateKey) *served {
	t.Helper()
	faucet := key(77)
	o.payers = append(payers, faucet)
	tn := startNet(t, o)
	b := tn.backend(t, 0, faucet)
	ls, err := rpc.Listen("127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	srv := rpc.NewServer(b, nil)
	srv.Serve(ls)
	t.Cleanup(func() { srv.Close() })
	return &served{tn: tn, b: b, url: "http://" + ls.HTTP.Addr().String(), wsURL: "ws://" + ls.WS.Addr().String()}
}

func repoRoot(t testing.TB) string {
	t.Helper()
	dir, err := os.Getwd()
	if err != nil {
		t.Fatal(err)
	}
	for {
		if _, err := os.Stat(filepath.Join(dir, "go.mod")); err == nil {
			return dir
		}
		parent := filepath.Dir(dir)
		if parent == dir {
			t.Fatal("no go.mod above the test's directory")
		}
		dir = parent
	}
}

// runNodeScript runs one of tests/clients' scripts with the npm packages
// installed there against a served three-node network.
func runNodeScript(t *testing.T, script string, args ...string) {
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
	s := serve(t, threeNodes)
	ctx, cancel := context.WithTimeout(context.Background(), 90*time.Second)
	defer cancel()
	cmd := exec.CommandContext(ctx, node, append([]string{script, s.url, s.wsURL}, args...)...)
	cmd.Dir = dir
	out, err := cmd.CombinedOutput()
	t.Logf("%s:\n%s", script, out)
	if err != nil {
		t.Fatalf("%s: %v", script, err)
	}
}

// TestClients_Web3js runs tests/clients/web3js.mjs (airdrop and
// confirmTransaction, SystemProgram.transfer with sendAndConfirmTransaction,
// getAccountInfo/getBalance, a failing simulation, subscriptions) with the
// real @solana/web3.js against the replicated network.
func TestClients_Web3js(t *testing.T) { runNodeScript(t, "web3js.mjs") }

// TestClients_Kit runs tests/clients/kit.mjs (a transfer through
// sendAndConfirmTransactionFactory, which needs getEpochInfo and
// slotSubscribe) with the real @solana/kit against the replicated network.
func TestClients_Kit(t *testing.T) { runNodeScript(t, "kit.mjs") }

// TestClients_Web3jsBpfLoader deploys a C program built with Debian clang
// and atoll's linker through web3.js's BpfLoader.load on the replicated
// network, then invokes it and reads its logs through getTransaction.
func TestClients_Web3jsBpfLoader(t *testing.T) {
	rt, err := loader.New()
	if err != nil {
		t.Fatal(err)
	}
	so, err := link.BuildC(filepath.Join(repoRoot(t), "rpc", "testdata", "greeter.c"), link.BuildOptions{Link: link.Options{Syscalls: rt.Registry()}})
	if err != nil {
		t.Fatalf("building the program: %v", err)
	}
	path := filepath.Join(t.TempDir(), "greeter.so")
	if err := os.WriteFile(path, so, 0o644); err != nil {
		t.Fatal(err)
	}
	runNodeScript(t, "web3js-bpf.mjs", path)
}

// TestClients_SolanaGo drives the replicated network with
// github.com/gagliardetto/solana-go: airdrop, a transfer with
// sendAndConfirmTransaction (finalization over a websocket signature
// subscription), the transaction's meta, balances, signatures for the
// address, program accounts and a failing simulation.
func TestClients_SolanaGo(t *testing.T) {
	s := serve(t, threeNodes)
	ctx, cancel := context.WithTimeout(context.Background(), 60*time.Second)
	defer cancel()
	client := solrpc.New(s.url)
	wsClient, err := ws.Connect(ctx, s.wsURL)
	if err != nil {
		t.Fatal(err)
	}
	defer wsClient.Close()

	payer, recipient := solana.NewWallet(), solana.NewWallet()
	airdrop, err := client.RequestAirdrop(ctx, payer.PublicKey(), 2*solana.LAMPORTS_PER_SOL, solrpc.CommitmentFinalized)
	if err != nil {
		t.Fatal(err)
	}
	// The airdrop may be finalized before the subscription starts: the
	// server then notifies at once.
	time.Sleep(200 * time.Millisecond)
	if _, err := confirm.WaitForConfirmation(ctx, wsClient, airdrop, nil); err != nil {
		t.Fatalf("airdrop confirmation: %v", err)
	}
	if bal, err := client.GetBalance(ctx, payer.PublicKey(), solrpc.CommitmentFinalized); err != nil || bal.Value != 2*solana.LAMPORTS_PER_SOL {
		t.Fatalf("payer balance = %v, %v", bal, err)
	}
	latest, err := client.GetLatestBlockhash(ctx, solrpc.CommitmentFinalized)
	if err != nil {
		t.Fatal(err)
	}
	signer := func(w *solana.Wallet) func(solana.PublicKey) *solana.PrivateKey {
		return func(k solana.PublicKey) *solana.PrivateKey {
			if k.Equals(w.PublicKey()) {
				return &w.PrivateKey
			}
			return nil
		}
	}
	tx, err := solana.NewTransaction([]solana.Instruction{
		system.NewTransferInstruction(solana.LAMPORTS_PER_SOL/2, payer.PublicKey(), recipient.PublicKey()).Build(),
	}, latest.Value.Blockhash, solana.TransactionPayer(payer.PublicKey()))
	if err != nil {
		t.Fatal(err)
	}
	if _, err := tx.Sign(signer(payer)); err != nil {
		t.Fatal(err)
	}
	sig, err := confirm.SendAndConfirmTransaction(ctx, client, wsClient, tx)
	if err != nil {
		t.Fatalf("sendAndConfirmTransaction: %v", err)
	}
	if got, err := client.GetBalance(ctx, recipient.PublicKey(), solrpc.CommitmentFinalized); err != nil || got.Value != solana.LAMPORTS_PER_SOL/2 {
		t.Fatalf("recipient balance = %v, %v", got, err)
	}
	maxVersion := uint64(0)
	res, err := client.GetTransaction(ctx, sig, &solrpc.GetTransactionOpts{Commitment: solrpc.CommitmentFinalized, MaxSupportedTransactionVersion: &maxVersion})
	if err != nil {
		t.Fatal(err)
	}
	if res.Meta.Err != nil || res.Meta.Fee != 5000 || len(res.Meta.LogMessages) == 0 {
		t.Fatalf("transaction meta: err %v fee %d logs %q", res.Meta.Err, res.Meta.Fee, res.Meta.LogMessages)
	}
	if blk, err := client.GetBlockWithOpts(ctx, res.Slot, &solrpc.GetBlockOpts{Commitment: solrpc.CommitmentFinalized, MaxSupportedTransactionVersion: &maxVersion}); err != nil || len(blk.Transactions) == 0 {
		t.Fatalf("block %d: %v", res.Slot, err)
	}
	sigs, err := client.GetSignaturesForAddress(ctx, recipient.PublicKey())
	if err != nil || len(sigs) != 1 || !sigs[0].Signature.Equals(sig) {
		t.Fatalf("getSignaturesForAddress: %v, %v", sigs, err)
	}
	owned, err := client.GetProgramAccountsWithOpts(ctx, solana.SystemProgramID, &solrpc.GetProgramAccountsOpts{Commitment: solrpc.CommitmentFinalized})
	if err != nil {
		t.Fatal(err)
	}
	found := false
	for _, a := range owned {
		found = found || a.Pubkey.Equals(recipient.PublicKey())
	}
	if !found {
		t.Fatalf("getProgramAccounts does not list the recipient among %d accounts", len(owned))
	}
	// A transfer the recipient cannot afford fails simulation with the
	// system program's log line.
	overdraft, err := solana.NewTransaction([]solana.Instruction{
		system.NewTransferInstruction(10*solana.LAMPORTS_PER_SOL, recipient.PublicKey(), payer.PublicKey()).Build(),
	}, latest.Value.Blockhash, solana.TransactionPayer(recipient.PublicKey()))
	if err != nil {
		t.Fatal(err)
	}
	if _, err := overdraft.Sign(signer(recipient)); err != nil {
		t.Fatal(err)
	}
	sim, err := client.SimulateTransactionWithOpts(ctx, overdraft, &solrpc.SimulateTransactionOpts{SigVerify: true, Commitment: solrpc.CommitmentFinalized})
	if err != nil {
		t.Fatal(err)
	}
	if sim.Value.Err == nil || !strings.Contains(strings.Join(sim.Value.Logs, "\n"), "insufficient lamports") {
		t.Fatalf("simulation: err %v logs %q", sim.Value.Err, sim.Value.Logs)
	}
	if info, err := client.GetEpochInfo(ctx, solrpc.CommitmentFinalized); err != nil || info.AbsoluteSlot == 0 {
		t.Fatalf("getEpochInfo: %+v, %v", info, err)
	}
}
