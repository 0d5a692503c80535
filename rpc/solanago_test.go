package rpc_test

import (
	"context"
	"strings"
	"testing"
	"time"

	solana "github.com/gagliardetto/solana-go"
	"github.com/gagliardetto/solana-go/programs/system"
	solrpc "github.com/gagliardetto/solana-go/rpc"
	confirm "github.com/gagliardetto/solana-go/rpc/sendAndConfirmTransaction"
	"github.com/gagliardetto/solana-go/rpc/ws"

	"github.com/atoll-dev/atoll/rpc/devbank"
)

// TestClients_SolanaGo drives the server with github.com/gagliardetto/solana-go:
// airdrop, a transfer, and sendAndConfirmTransaction, which waits for
// finalization over a websocket signature subscription.
func TestClients_SolanaGo(t *testing.T) {
	n := startNode(t, devbank.Config{ConfirmedDepth: 1, FinalizedDepth: 2})
	ctx, cancel := context.WithTimeout(context.Background(), 60*time.Second)
	defer cancel()
	client := solrpc.New(n.url)
	wsClient, err := ws.Connect(ctx, n.wsURL)
	if err != nil {
		t.Fatal(err)
	}
	defer wsClient.Close()

	payer := solana.NewWallet()
	recipient := solana.NewWallet()
	airdrop, err := client.RequestAirdrop(ctx, payer.PublicKey(), 2*solana.LAMPORTS_PER_SOL, solrpc.CommitmentConfirmed)
	if err != nil {
		t.Fatal(err)
	}
	// The airdrop may well be finalized before the subscription starts: the
	// server must then notify at once.
	time.Sleep(200 * time.Millisecond)
	if _, err := confirm.WaitForConfirmation(ctx, wsClient, airdrop, nil); err != nil {
		t.Fatalf("airdrop confirmation: %v", err)
	}
	bal, err := client.GetBalance(ctx, payer.PublicKey(), solrpc.CommitmentFinalized)
	if err != nil || bal.Value != 2*solana.LAMPORTS_PER_SOL {
		t.Fatalf("payer balance = %v, %v", bal, err)
	}

	latest, err := client.GetLatestBlockhash(ctx, solrpc.CommitmentFinalized)
	if err != nil {
		t.Fatal(err)
	}
	tx, err := solana.NewTransaction([]solana.Instruction{
		system.NewTransferInstruction(solana.LAMPORTS_PER_SOL/2, payer.PublicKey(), recipient.PublicKey()).Build(),
	}, latest.Value.Blockhash, solana.TransactionPayer(payer.PublicKey()))
	if err != nil {
		t.Fatal(err)
	}
	if _, err := tx.Sign(func(k solana.PublicKey) *solana.PrivateKey {
		if k.Equals(payer.PublicKey()) {
			return &payer.PrivateKey
		}
		return nil
	}); err != nil {
		t.Fatal(err)
	}
	sig, err := confirm.SendAndConfirmTransaction(ctx, client, wsClient, tx)
	if err != nil {
		t.Fatalf("sendAndConfirmTransaction: %v", err)
	}
	got, err := client.GetBalance(ctx, recipient.PublicKey(), solrpc.CommitmentFinalized)
	if err != nil || got.Value != solana.LAMPORTS_PER_SOL/2 {
		t.Fatalf("recipient balance = %v, %v", got, err)
	}
	maxVersion := uint64(0)
	res, err := client.GetTransaction(ctx, sig, &solrpc.GetTransactionOpts{Commitment: solrpc.CommitmentFinalized, MaxSupportedTransactionVersion: &maxVersion})
	if err != nil {
		t.Fatal(err)
	}
	if res.Meta.Err != nil || res.Meta.Fee != 5000 {
		t.Fatalf("transaction meta: err %v fee %d", res.Meta.Err, res.Meta.Fee)
	}
	info, err := client.GetAccountInfoWithOpts(ctx, recipient.PublicKey(), &solrpc.GetAccountInfoOpts{Commitment: solrpc.CommitmentFinalized})
	if err != nil {
		t.Fatal(err)
	}
	if info.Value.Lamports != solana.LAMPORTS_PER_SOL/2 || !info.Value.Owner.Equals(solana.SystemProgramID) {
		t.Fatalf("account = %+v", info.Value)
	}
	if info.Value.RentEpoch == nil || info.Value.RentEpoch.Uint64() != 1<<64-1 {
		t.Fatalf("rentEpoch = %v", info.Value.RentEpoch)
	}

	sigs, err := client.GetSignaturesForAddress(ctx, recipient.PublicKey())
	if err != nil || len(sigs) != 1 || !sigs[0].Signature.Equals(sig) {
		t.Fatalf("getSignaturesForAddress: %v, %v", sigs, err)
	}
	// (solana-go omits a dataSize of 0, so this asks for every system account.)
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
	// system program's error and its log line.
	overdraft, err := solana.NewTransaction([]solana.Instruction{
		system.NewTransferInstruction(10*solana.LAMPORTS_PER_SOL, recipient.PublicKey(), payer.PublicKey()).Build(),
	}, latest.Value.Blockhash, solana.TransactionPayer(recipient.PublicKey()))
	if err != nil {
		t.Fatal(err)
	}
	if _, err := overdraft.Sign(func(k solana.PublicKey) *solana.PrivateKey {
		if k.Equals(recipient.PublicKey()) {
			return &recipient.PrivateKey
		}
		return nil
	}); err != nil {
		t.Fatal(err)
	}
	sim, err := client.SimulateTransactionWithOpts(ctx, overdraft, &solrpc.SimulateTransactionOpts{SigVerify: true, Commitment: solrpc.CommitmentFinalized})
	if err != nil {
		t.Fatal(err)
	}
	if sim.Value.Err == nil || sim.Value.UnitsConsumed == nil || *sim.Value.UnitsConsumed == 0 {
		t.Fatalf("simulation: err %v units %v", sim.Value.Err, sim.Value.UnitsConsumed)
	}
	logs := strings.Join(sim.Value.Logs, "\n")
	if !strings.Contains(logs, "insufficient lamports") {
		t.Fatalf("simulation logs: %s", logs)
	}
}
