package runtime

import (
	"bytes"
	"context"
	"crypto/ed25519"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"reflect"
	"testing"
	"time"

	"github.com/atoll-dev/atoll/runtime/host"
	"github.com/atoll-dev/atoll/runtime/host/sandbox"
	"github.com/atoll-dev/atoll/runtime/rhp"
	"github.com/atoll-dev/atoll/runtime/svm"
	"github.com/atoll-dev/atoll/runtime/svm/hosted"
	"github.com/atoll-dev/atoll/runtime/svm/sol"
	"github.com/atoll-dev/atoll/storage/mkvs"
)

// svmRuntime and trampoline are built or copied by TestMain.
var svmRuntime, trampoline string

func TestMain(m *testing.M) {
	dir, err := os.MkdirTemp("", "worker-runtime-test")
	if err == nil {
		err = os.Chmod(dir, 0o755) // bwrap may run the runtime as nobody
	}
	if err != nil {
		fmt.Fprintln(os.Stderr, err)
		os.Exit(1)
	}
	svmRuntime, trampoline = filepath.Join(dir, "svmruntime"), filepath.Join(dir, "trampoline")
	build := exec.Command("go", "build", "-o", svmRuntime, "./testdata/svmruntime")
	build.Env = append(os.Environ(), "CGO_ENABLED=0")
	if out, err := build.CombinedOutput(); err != nil {
		fmt.Fprintf(os.Stderr, "building the test runtime: %v\n%s", err, out)
		os.Exit(1)
	}
	self, err := os.Executable()
	if err == nil {
		var data []byte
		if data, err = os.ReadFile(self); err == nil {
			err = os.WriteFile(trampoline, data, 0o755)
		}
	}
	if err != nil {
		fmt.Fprintln(os.Stderr, err)
		os.Exit(1)
	}
	code := m.Run()
	os.RemoveAll(dir)
	os.Exit(code)
}

func openStore(t *testing.T) *mkvs.Store {
	t.Helper()
	kv, err := mkvs.Open(t.TempDir(), mkvs.Options{Namespace: mkvs.Namespace{7}, NoSync: true})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { kv.Close() })
	return kv
}

func key(seed byte) ed25519.PrivateKey { return ed25519.NewKeyFromSeed(bytes.Repeat([]byte{seed}, 32)) }

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

var localConfig = func() []byte {
	b, err := rhp.Marshal(&hosted.Config{SlotsPerEpoch: 32})
	if err != nil {
		panic(err)
	}
	return b
}()

func seeded(t *testing.T, kv *mkvs.Store) rhp.Root {
	t.Helper()
	wl, root, err := Genesis(hosted.Config{SlotsPerEpoch: 32}, []svm.AccountWrite{{Key: pub(key(1)), Account: sol.Account{Lamports: 1e12, Owner: svm.SystemProgramID}}})
	if err != nil {
		t.Fatal(err)
	}
	if err := SeedGenesis(kv, wl, root); err != nil {
		t.Fatal(err)
	}
	return rhp.Root{Version: 0, Hash: rhp.Hash(root)}
}

func batch(t *testing.T, prev rhp.Root) *rhp.ExecuteTxBatch {
	bh := sol.Hash{9}
	return &rhp.ExecuteTxBatch{Round: 1, Context: rhp.BlockContext{Slot: 1, RecentBlockhashes: []rhp.Hash{rhp.Hash(bh)}},
		PrevRoots: rhp.Roots{State: prev}, Txs: [][]byte{
			transfer(t, key(1), pub(key(2)), 10_000_000, bh),
			transfer(t, key(3), pub(key(2)), 10_000_000, bh), // unfunded payer: refused
			{1, 2, 3}, // garbage: refused
		}}
}

// TestInProcess_ExecuteTxBatch checks the in-process runtime's results and
// that a storage node applying its write logs reaches its roots.
func TestInProcess_ExecuteTxBatch(t *testing.T) {
	kv := openStore(t)
	prev := seeded(t, kv)
	rt, err := NewInProcess(kv, localConfig)
	if err != nil {
		t.Fatal(err)
	}
	resp, err := rt.ExecuteTxBatch(context.Background(), batch(t, prev))
	if err != nil {
		t.Fatal(err)
	}
	if got := [3]uint32{resp.Results[0].Code, resp.Results[1].Code, resp.Results[2].Code}; got != [3]uint32{hosted.CodeOK, hosted.CodeRefused, hosted.CodeRefused} {
		t.Fatalf("codes %v", got)
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
	check, err := rt.CheckTx(context.Background(), &rhp.CheckTxBatch{StateRoot: rhp.Root{Version: 1, Hash: resp.StateRoot},
		Txs: [][]byte{transfer(t, key(2), pub(key(1)), 1, sol.Hash{9}), transfer(t, key(4), pub(key(1)), 1, sol.Hash{9})}})
	if err != nil {
		t.Fatal(err)
	}
	if check.Results[0].Code != hosted.CodeOK || check.Results[0].Priority == 0 || check.Results[1].Code != hosted.CodeRefused {
		t.Fatalf("check %+v", check.Results)
	}
}

// TestHosted_MatchesInProcess runs the same batch through the sandboxed
// runtime process and in process: the responses are identical.
func TestHosted_MatchesInProcess(t *testing.T) {
	if _, err := exec.LookPath("bwrap"); err != nil {
		t.Fatal("bubblewrap is required: apt-get install bubblewrap")
	}
	kv := openStore(t)
	prev := seeded(t, kv)
	in, err := NewInProcess(kv, localConfig)
	if err != nil {
		t.Fatal(err)
	}
	out, err := NewHosted(host.Config{Sandbox: sandbox.Config{Binary: svmRuntime, Trampoline: trampoline},
		Info: rhp.InfoRequest{LocalConfig: localConfig}}, kv)
	if err != nil {
		t.Fatal(err)
	}
	defer out.Close()
	ctx, cancel := context.WithTimeout(context.Background(), 60*time.Second)
	defer cancel()
	a, err := in.ExecuteTxBatch(ctx, batch(t, prev))
	if err != nil {
		t.Fatal(err)
	}
	b, err := out.ExecuteTxBatch(ctx, batch(t, prev))
	if err != nil {
		t.Fatalf("through the sandbox: %v", err)
	}
	// Compared as encoded on the wire (a nil and an empty list decode alike).
	ea, err1 := rhp.Marshal(a)
	eb, err2 := rhp.Marshal(b)
	if err1 != nil || err2 != nil || !bytes.Equal(ea, eb) {
		t.Fatalf("in-process and sandboxed responses differ (roots %s/%s vs %s/%s)", a.StateRoot, a.IORoot, b.StateRoot, b.IORoot)
	}
	req := &rhp.CheckTxBatch{StateRoot: prev, Txs: batch(t, prev).Txs}
	ca, err1 := in.CheckTx(ctx, req)
	cb, err2 := out.CheckTx(ctx, req)
	if err1 != nil || err2 != nil || !reflect.DeepEqual(ca.Results, cb.Results) {
		t.Fatalf("CheckTx differs: %v %v\n%+v\n%+v", err1, err2, ca, cb)
	}
}

// TestCompactLog: the compacted log is equal to the original and shares no
// memory with it.
func TestCompactLog(t *testing.T) {
	frame := []byte("k1v1k2")
	wl := []rhp.WriteLogEntry{{Key: frame[0:2], Value: frame[2:4]}, {Key: frame[4:6], Value: []byte{}, Delete: true}, {Key: frame[0:1]}}
	got := compactLog(wl)
	if !reflect.DeepEqual(got, wl) {
		t.Fatalf("compacted %+v, want %+v", got, wl)
	}
	for i := range frame {
		frame[i] = 0
	}
	if string(got[0].Key) != "k1" || string(got[0].Value) != "v1" || string(got[1].Key) != "k2" || got[2].Value != nil {
		t.Fatalf("compacted log changed with its source: %+v", got)
	}
	msgs := compactBytes([][]byte{frame[:2], {}})
	frame[0] = 1
	if !reflect.DeepEqual(msgs, [][]byte{{0, 0}, {}}) {
		t.Fatalf("compacted messages %v", msgs)
	}
}
