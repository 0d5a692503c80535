package accounts

import (
	"crypto/ed25519"
	"errors"
	"math/rand/v2"
	"sync"
	"testing"

	"github.com/atoll-dev/atoll/runtime/svm"
	"github.com/atoll-dev/atoll/runtime/svm/sol"
	"github.com/atoll-dev/atoll/storage/mkvs"
)

type discardLogger struct{}

func (discardLogger) Infof(string, ...any)         {}
func (discardLogger) Fatalf(f string, args ...any) { panic(f) }

func openKV(t testing.TB, dir string) *mkvs.Store {
	t.Helper()
	kv, err := mkvs.Open(dir, mkvs.Options{Namespace: mkvs.Namespace{1}, NoSync: true, Logger: discardLogger{}})
	if err != nil {
		t.Fatal(err)
	}
	return kv
}

func randAccount(rng *rand.Rand) sol.Account {
	a := sol.Account{Lamports: rng.Uint64N(3), RentEpoch: rng.Uint64(), Executable: rng.IntN(2) == 0}
	a.Owner[0] = byte(rng.IntN(4))
	if n := rng.IntN(40); n > 0 {
		a.Data = make([]byte, n)
		for i := range a.Data {
			a.Data[i] = byte(rng.Uint32())
		}
	}
	return a
}

// TestStore_Differential applies the same random batches to the MKVS store
// and the reference svm.MapStore, then compares every account, including
// after reopening the database.
func TestStore_Differential(t *testing.T) {
	rng := rand.New(rand.NewPCG(1, 1))
	dir := t.TempDir()
	kv := openKV(t, dir)
	s, err := Open(kv)
	if err != nil {
		t.Fatal(err)
	}
	ref := svm.NewMapStore()
	var keys []sol.Pubkey
	for i := 0; i < 60; i++ {
		var k sol.Pubkey
		k[0], k[31] = byte(i), byte(rng.Uint32())
		keys = append(keys, k)
	}
	check := func(s *Store) {
		t.Helper()
		for _, k := range keys {
			got, ok, err := s.Account(k)
			want, wok, _ := ref.Account(k)
			if err != nil || ok != wok || (ok && !got.Equal(&want)) {
				t.Fatalf("account %s: %+v,%v,%v; reference %+v,%v", k, got, ok, err, want, wok)
			}
		}
	}
	for batch := 1; batch <= 25; batch++ {
		var writes []svm.AccountWrite
		for i := rng.IntN(12); i > 0; i-- {
			writes = append(writes, svm.AccountWrite{Key: keys[rng.IntN(len(keys))], Account: randAccount(rng)})
		}
		if err := s.Apply(writes); err != nil {
			t.Fatal(err)
		}
		if err := ref.Apply(writes); err != nil {
			t.Fatal(err)
		}
		if s.Root().Version != uint64(batch) {
			t.Fatalf("batch %d committed at version %d", batch, s.Root().Version)
		}
		check(s)
	}
	root := s.Root()
	kv.Close()
	kv = openKV(t, dir)
	defer kv.Close()
	s, err = Open(kv)
	if err != nil {
		t.Fatal(err)
	}
	if s.Root() != root {
		t.Fatalf("reopened at %s, want %s", s.Root(), root)
	}
	check(s)
}

func TestStore_ApplyIsAtomic(t *testing.T) {
	kv := openKV(t, t.TempDir())
	defer kv.Close()
	s, _ := Open(kv)
	a, b := sol.Pubkey{1}, sol.Pubkey{2}
	if err := s.Apply([]svm.AccountWrite{{Key: a, Account: sol.Account{Lamports: 5}}}); err != nil {
		t.Fatal(err)
	}
	root := s.Root()
	bad := []svm.AccountWrite{
		{Key: b, Account: sol.Account{Lamports: 1}},
		{Key: a, Account: sol.Account{Lamports: 1, Data: make([]byte, sol.MaxAccountDataSize+1)}},
	}
	if err := s.Apply(bad); err == nil {
		t.Fatal("oversized account applied")
	}
	if s.Root() != root {
		t.Fatalf("root moved to %s after a failed apply", s.Root())
	}
	if _, ok, _ := s.Account(b); ok {
		t.Fatal("half of a failed batch is visible")
	}
	if err := s.Apply(nil); err != nil {
		t.Fatal(err)
	}
	if s.Root().Version != root.Version+1 || s.Root().Hash != root.Hash {
		t.Fatalf("empty batch: %s after %s", s.Root(), root)
	}
}

func TestStore_ProveAndCorruption(t *testing.T) {
	kv := openKV(t, t.TempDir())
	defer kv.Close()
	s, _ := Open(kv)
	acct := sol.Account{Lamports: 42, Data: []byte("hi")}
	key := sol.Pubkey{7}
	if err := s.Apply([]svm.AccountWrite{{Key: key, Account: acct}}); err != nil {
		t.Fatal(err)
	}
	p, err := s.Prove(key, sol.Pubkey{8})
	if err != nil {
		t.Fatal(err)
	}
	res, err := mkvs.VerifyProof(s.Root().Hash, p, key[:], []byte{8, 31: 0})
	if err != nil {
		t.Fatal(err)
	}
	var got sol.Account
	if !res[0].Found || got.UnmarshalBinary(res[0].Value) != nil || !got.Equal(&acct) || res[1].Found {
		t.Fatalf("proof answers %+v", res)
	}

	// A value that is not an account encoding is reported, not decoded.
	tr, _ := kv.Tree(s.Root())
	tr.Insert(key[:], []byte{9, 9})
	root, _, err := tr.Commit(s.Root().Version + 1)
	if err != nil {
		t.Fatal(err)
	}
	s, _ = OpenAt(kv, root)
	if _, _, err := s.Account(key); !errors.Is(err, ErrCorruptAccount) {
		t.Fatalf("garbage account: %v", err)
	}
}

func TestStore_ConcurrentReads(t *testing.T) {
	kv := openKV(t, t.TempDir())
	defer kv.Close()
	s, _ := Open(kv)
	var writes []svm.AccountWrite
	for i := 0; i < 200; i++ {
		writes = append(writes, svm.AccountWrite{Key: sol.Pubkey{byte(i), 1}, Account: sol.Account{Lamports: uint64(i + 1)}})
	}
	if err := s.Apply(writes); err != nil {
		t.Fatal(err)
	}
	var wg sync.WaitGroup
	for g := 0; g < 4; g++ {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for i := 0; i < 200; i++ {
				a, ok, err := s.Account(sol.Pubkey{byte(i), 1})
				if err != nil || !ok || a.Lamports != uint64(i+1) {
					t.Errorf("account %d: %+v %v %v", i, a, ok, err)
					return
				}
			}
		}()
	}
	wg.Wait()
}

// TestStore_ExecuteBatch runs a real system transfer through the runtime
// with accounts on MKVS, and commits the batch as one version.
func TestStore_ExecuteBatch(t *testing.T) {
	kv := openKV(t, t.TempDir())
	defer kv.Close()
	s, err := Open(kv)
	if err != nil {
		t.Fatal(err)
	}
	exec := svm.NewExecutor(s)
	if err := s.Apply(exec.GenesisAccounts()); err != nil {
		t.Fatal(err)
	}
	priv := ed25519.NewKeyFromSeed(make([]byte, ed25519.SeedSize))
	payer := sol.Pubkey(priv.Public().(ed25519.PublicKey))
	dest := sol.Pubkey{0xd1}
	if err := s.Apply([]svm.AccountWrite{{Key: payer, Account: sol.Account{Lamports: 10_000_000_000}}}); err != nil {
		t.Fatal(err)
	}
	blockhash := sol.Hash{0xbb}
	msg, err := sol.NewLegacyMessage(payer, blockhash, svm.Transfer(payer, dest, 1_000_000_000))
	if err != nil {
		t.Fatal(err)
	}
	mb, err := msg.MarshalBinary()
	if err != nil {
		t.Fatal(err)
	}
	tx := append([]byte{1}, ed25519.Sign(priv, mb)...)
	tx = append(tx, mb...)
	before := s.Root()
	res, err := exec.ExecuteBatch(&svm.BlockContext{Slot: 1, RecentBlockhashes: []svm.BlockhashEntry{{Slot: 0, Hash: blockhash}}, Features: svm.FeatureSet{}}, [][]byte{tx})
	if err != nil {
		t.Fatal(err)
	}
	if r := res.Results[0]; !r.Processed || r.Err != nil {
		t.Fatalf("transfer: processed %v, err %v", r.Processed, r.Err)
	}
	if err := s.Apply(res.Writes); err != nil {
		t.Fatal(err)
	}
	if s.Root().Version != before.Version+1 {
		t.Fatalf("batch committed at %d after %d", s.Root().Version, before.Version)
	}
	got, ok, err := s.Account(dest)
	if err != nil || !ok || got.Lamports != 1_000_000_000 {
		t.Fatalf("destination %+v %v %v", got, ok, err)
	}
	if wl := s.LastWriteLog(); len(wl) != len(res.Writes) {
		t.Fatalf("write log has %d entries for %d writes", len(wl), len(res.Writes))
	}
}

// The store must not keep references into the caller's batch.
func TestStore_ApplyDoesNotAliasBatch(t *testing.T) {
	kv := openKV(t, t.TempDir())
	defer kv.Close()
	s, _ := Open(kv)
	writes := []svm.AccountWrite{{Key: sol.Pubkey{1}, Account: sol.Account{Lamports: 1}}}
	if err := s.Apply(writes); err != nil {
		t.Fatal(err)
	}
	writes[0].Key = sol.Pubkey{2}
	if _, ok, err := s.Account(sol.Pubkey{1}); err != nil || !ok {
		t.Fatalf("account 1 after the caller reused its batch: %v %v", ok, err)
	}
}
