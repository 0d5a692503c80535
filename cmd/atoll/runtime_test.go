package main

import (
	"context"
	"crypto/ed25519"
	"crypto/sha256"
	"errors"
	"os"
	"os/exec"
	"path/filepath"
	"testing"
	"time"

	"github.com/atoll-dev/atoll/runtime/host"
	"github.com/atoll-dev/atoll/runtime/host/sandbox"
	"github.com/atoll-dev/atoll/runtime/rhp"
	"github.com/atoll-dev/atoll/runtime/svm"
	"github.com/atoll-dev/atoll/runtime/svm/hosted"
	"github.com/atoll-dev/atoll/runtime/svm/sol"
	"github.com/atoll-dev/atoll/storage/mkvs"
	"github.com/atoll-dev/atoll/storage/mkvs/accounts"
)

// stateHandler answers the runtime's proven reads from an MKVS store.
type stateHandler struct {
	kv *mkvs.Store
}

func (h *stateHandler) StorageGet(_ context.Context, req *rhp.StorageGet) (*rhp.StorageGetResponse, error) {
	tree, err := h.kv.Tree(mkvs.Root{Namespace: h.kv.Namespace(), Version: req.Root.Version, Type: mkvs.RootState, Hash: mkvs.Hash(req.Root.Hash)})
	if err != nil {
		return nil, err
	}
	resp := &rhp.StorageGetResponse{}
	for _, k := range req.Keys {
		v, err := tree.Get(k)
		if err != nil && !errors.Is(err, mkvs.ErrNotFound) {
			return nil, err
		}
		resp.Entries = append(resp.Entries, rhp.StorageEntry{Key: k, Found: err == nil, Value: v})
	}
	resp.Proof, err = tree.Prove(req.Keys...)
	return resp, err
}

func (h *stateHandler) ConsensusQuery(context.Context, *rhp.ConsensusQuery) (*rhp.ConsensusQueryResponse, error) {
	return nil, rhp.Errorf(rhp.CodeUnsupported, "test", "no consensus here")
}
func (h *stateHandler) LocalGet(context.Context, *rhp.LocalGet) (*rhp.LocalGetResponse, error) {
	return &rhp.LocalGetResponse{}, nil
}
func (h *stateHandler) LocalSet(context.Context, *rhp.LocalSet) (*rhp.LocalSetResponse, error) {
	return &rhp.LocalSetResponse{}, nil
}

// TestRuntimeSVM_Sandboxed starts `atoll runtime svm` under bubblewrap the
// way a node does and executes a batch through it, then checks the node can
// reproduce the runtime's state root from the write log.
func TestRuntimeSVM_Sandboxed(t *testing.T) {
	if _, err := exec.LookPath("bwrap"); err != nil {
		t.Fatal("bubblewrap is required: apt-get install bubblewrap")
	}
	dir, err := os.MkdirTemp("", "atoll-runtime-test")
	if err != nil {
		t.Fatal(err)
	}
	defer os.RemoveAll(dir)
	_ = os.Chmod(dir, 0o755) // bwrap may run the runtime as nobody
	bin := filepath.Join(dir, "atoll")
	build := exec.Command("go", "build", "-o", bin, ".")
	build.Env = append(os.Environ(), "CGO_ENABLED=0")
	if out, err := build.CombinedOutput(); err != nil {
		t.Fatalf("building atoll: %v\n%s", err, out)
	}
	self, _ := os.Executable()
	trampoline := filepath.Join(dir, "trampoline")
	if data, err := os.ReadFile(self); err != nil || os.WriteFile(trampoline, data, 0o755) != nil {
		t.Fatal("copying the trampoline")
	}

	kv, err := mkvs.Open(t.TempDir(), mkvs.Options{Namespace: mkvs.Namespace{1}, NoSync: true})
	if err != nil {
		t.Fatal(err)
	}
	defer kv.Close()
	state, _ := accounts.Open(kv)
	genesis, err := hosted.GenesisAccounts(hosted.Config{})
	if err != nil {
		t.Fatal(err)
	}
	seed := sha256.Sum256([]byte("payer"))
	payerKey := ed25519.NewKeyFromSeed(seed[:])
	var payer sol.Pubkey
	copy(payer[:], payerKey.Public().(ed25519.PublicKey))
	genesis = append(genesis, svm.AccountWrite{Key: payer, Account: sol.Account{Lamports: 5_000_000_000}})
	root0, _, err := state.Commit(0, genesis)
	if err != nil {
		t.Fatal(err)
	}

	h, err := host.New(host.Config{
		Sandbox: sandbox.Config{Binary: bin, Args: []string{"runtime", "svm"}, Trampoline: trampoline},
		Handler: &stateHandler{kv: kv},
		Info:    rhp.InfoRequest{LocalConfig: mustMarshal(t, hosted.Config{SlotsPerEpoch: 32})},
	})
	if err != nil {
		t.Fatal(err)
	}
	defer h.Close()

	bh := sol.Hash{7}
	msg, _ := sol.NewLegacyMessage(payer, bh, svm.Transfer(payer, sol.Pubkey{3}, 2_000_000))
	tx := sol.Transaction{Message: msg}
	_ = tx.Sign(payerKey)
	raw, _ := tx.MarshalBinary()
	ctx, cancel := context.WithTimeout(context.Background(), 60*time.Second)
	defer cancel()
	var resp rhp.ExecuteTxBatchResponse
	err = h.Call(ctx, &rhp.ExecuteTxBatch{
		Round: 1, Context: rhp.BlockContext{Slot: 1, RecentBlockhashes: []rhp.Hash{rhp.Hash(bh)}},
		PrevRoots: rhp.Roots{State: rhp.Root{Version: 0, Hash: rhp.Hash(root0.Hash)}}, Txs: [][]byte{raw},
	}, &resp)
	if err != nil {
		t.Fatalf("ExecuteTxBatch through the sandbox: %v", err)
	}
	if len(resp.Results) != 1 || resp.Results[0].Code != hosted.CodeOK {
		t.Fatalf("results %+v", resp.Results)
	}
	wl := make(mkvs.WriteLog, len(resp.StateWriteLog))
	for i, e := range resp.StateWriteLog {
		wl[i] = mkvs.LogEntry{Key: e.Key, Value: e.Value, Deleted: e.Delete}
	}
	claimed := mkvs.Root{Namespace: root0.Namespace, Version: 1, Type: mkvs.RootState, Hash: mkvs.Hash(resp.StateRoot)}
	if err := kv.ApplyWriteLog(root0, wl, claimed); err != nil {
		t.Fatalf("the node does not reproduce the runtime's root: %v", err)
	}
	after, _ := accounts.OpenAt(kv, claimed)
	if a, ok, _ := after.Account(sol.Pubkey{3}); !ok || a.Lamports != 2_000_000 {
		t.Fatalf("transfer not in the new state: %+v", a)
	}
}

func mustMarshal(t *testing.T, v any) []byte {
	b, err := rhp.Marshal(v)
	if err != nil {
		t.Fatal(err)
	}
	return b
}
