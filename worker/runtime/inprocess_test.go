package runtime

import (
	"context"
	"crypto/ed25519"
	"testing"

	"github.com/atoll-dev/atoll/runtime/rhp"
	"github.com/atoll-dev/atoll/runtime/svm"
	"github.com/atoll-dev/atoll/runtime/svm/sol"
	"github.com/atoll-dev/atoll/storage/mkvs"
)

func openStore(t *testing.T) *mkvs.Store {
	t.Helper()
	kv, err := mkvs.Open(t.TempDir(), mkvs.Options{Namespace: mkvs.Namespace{7}, NoSync: true})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { kv.Close() })
	return kv
}

func key(seed byte) ed25519.PrivateKey {
	s := make([]byte, 32)
	s[0] = seed
	return ed25519.NewKeyFromSeed(s)
}

func pub(k ed25519.PrivateKey) sol.Pubkey { return sol.Pubkey(k.Public().(ed25519.PublicKey)) }

func transfer(t *testing.T, from ed25519.PrivateKey, to sol.Pubkey, lamports uint64, blockhash sol.Hash) []byte {
	t.Helper()
	m, err := sol.NewLegacyMessage(pub(from), blockhash, svm.Transfer(pub(from), to, lamports))
	if err != nil {
		t.Fatal(err)
	}
	tx := &sol.Transaction{Message: m}
	if err := tx.Sign(from); err != nil {
		t.Fatal(err)
	}
	b, err := tx.MarshalBinary()
	if err != nil {
		t.Fatal(err)
	}
	return b
}

func seeded(t *testing.T, kv *mkvs.Store) rhp.Root {
	t.Helper()
	wl, root, err := Genesis([]svm.AccountWrite{{Key: pub(key(1)), Account: sol.Account{Lamports: 1e9, Owner: svm.SystemProgramID}}})
	if err != nil {
		t.Fatal(err)
	}
	if err := SeedGenesis(kv, wl, root); err != nil {
		t.Fatal(err)
	}
	return rhp.Root{Version: 0, Hash: rhp.Hash(root)}
}

// TestInProcess_ExecuteTxBatch executes transfers and checks that a storage
// node applying the reported write logs reaches the reported roots.
func TestInProcess_ExecuteTxBatch(t *testing.T) {
	kv := openStore(t)
	prev := seeded(t, kv)
	bh := sol.Hash{9}
	rt := NewInProcess(kv, nil)
	txs := [][]byte{
		transfer(t, key(1), pub(key(2)), 10_000_000, bh),
		transfer(t, key(3), pub(key(2)), 1000, bh), // unfunded payer: refused
		{1, 2, 3}, // garbage: refused
	}
	req := &rhp.ExecuteTxBatch{Round: 1, Context: rhp.BlockContext{Slot: 1, RecentBlockhashes: []rhp.Hash{rhp.Hash(bh)}}, PrevRoots: rhp.Roots{State: prev}, Txs: txs}
	resp, err := rt.ExecuteTxBatch(context.Background(), req)
	if err != nil {
		t.Fatal(err)
	}
	if got := [3]uint32{resp.Results[0].Code, resp.Results[1].Code, resp.Results[2].Code}; got != [3]uint32{CodeOK, CodeRefused, CodeRefused} {
		t.Fatalf("codes %v %v", got, resp.Results[0].Logs)
	}
	again, err := rt.ExecuteTxBatch(context.Background(), req)
	if err != nil || again.StateRoot != resp.StateRoot || again.IORoot != resp.IORoot {
		t.Fatalf("re-execution differs: %v", err)
	}
	prevRoot := mkvs.Root{Namespace: kv.Namespace(), Type: mkvs.RootState, Hash: mkvs.Hash(prev.Hash)}
	claimed := prevRoot
	claimed.Version, claimed.Hash = 1, mkvs.Hash(resp.StateRoot)
	if err := kv.ApplyWriteLog(prevRoot, FromRHPLog(resp.StateWriteLog), claimed); err != nil {
		t.Fatalf("state write log: %v", err)
	}
	io := kv.EmptyRoot(mkvs.RootIO, 1)
	ioClaimed := io
	ioClaimed.Hash = mkvs.Hash(resp.IORoot)
	if err := kv.ApplyWriteLog(io, FromRHPLog(resp.IOWriteLog), ioClaimed); err != nil {
		t.Fatalf("io write log: %v", err)
	}
	// The recipient is funded at the new root.
	tree, err := kv.Tree(claimed)
	if err != nil {
		t.Fatal(err)
	}
	if a, ok, err := (treeAccounts{tree}).Account(pub(key(2))); err != nil || !ok || a.Lamports != 10_000_000 {
		t.Fatalf("recipient %+v %v %v", a, ok, err)
	}
}

func TestInProcess_CheckTx(t *testing.T) {
	kv := openStore(t)
	prev := seeded(t, kv)
	rt := NewInProcess(kv, nil)
	good := transfer(t, key(1), pub(key(2)), 5, sol.Hash{1})
	badSig := append([]byte(nil), good...)
	badSig[5] ^= 1
	resp, err := rt.CheckTx(context.Background(), &rhp.CheckTxBatch{StateRoot: prev, Txs: [][]byte{good, badSig, transfer(t, key(4), pub(key(2)), 5, sol.Hash{1}), nil}})
	if err != nil {
		t.Fatal(err)
	}
	want := []uint32{CodeOK, CodeRefused, CodeRefused, CodeRefused}
	for i, r := range resp.Results {
		if r.Code != want[i] {
			t.Errorf("tx %d: code %d (%s), want %d", i, r.Code, r.Message, want[i])
		}
	}
	if resp.Results[0].Priority != svm.LamportsPerSignature {
		t.Errorf("priority %d", resp.Results[0].Priority)
	}
}
