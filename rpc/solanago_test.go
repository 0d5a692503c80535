package rpc_test

import (
	"context"
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
}
