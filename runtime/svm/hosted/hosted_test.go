package hosted

import (
	"bytes"
	"context"
	"crypto/ed25519"
	"crypto/sha256"
	"errors"
	"testing"

	"github.com/atoll-dev/atoll/consensus/staking"
	"github.com/atoll-dev/atoll/runtime/rhp"
	"github.com/atoll-dev/atoll/runtime/svm"
	"github.com/atoll-dev/atoll/runtime/svm/crosslayer"
	"github.com/atoll-dev/atoll/runtime/svm/sol"
	"github.com/atoll-dev/atoll/storage/mkvs"
	"github.com/atoll-dev/atoll/storage/mkvs/accounts"
)

// host is what a node does for the runtime: it keeps the state in MKVS,
// answers proven reads, and applies the returned write logs.
type host struct {
	t     testing.TB
	kv    *mkvs.Store
	state *accounts.Store
	reads int
}

func newHost(t testing.TB, genesis []svm.AccountWrite) *host {
	kv, err := mkvs.Open(t.TempDir(), mkvs.Options{Namespace: mkvs.Namespace{7}, NoSync: true})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { kv.Close() })
	st, err := accounts.Open(kv)
	if err != nil {
		t.Fatal(err)
	}
	if _, _, err := st.Commit(0, genesis); err != nil {
		t.Fatal(err)
	}
	return &host{t: t, kv: kv, state: st}
}

func (h *host) root() rhp.Root {
	r := h.state.Root()
	return rhp.Root{Version: r.Version, Hash: rhp.Hash(r.Hash)}
}

func (h *host) fetch(_ context.Context, root rhp.Root, keys [][]byte) (*rhp.StorageGetResponse, error) {
	h.reads++
	tree, err := h.kv.Tree(mkvs.Root{Namespace: h.kv.Namespace(), Version: root.Version, Type: mkvs.RootState, Hash: mkvs.Hash(root.Hash)})
	if err != nil {
		return nil, err
	}
	resp := &rhp.StorageGetResponse{}
	for _, k := range keys {
		v, err := tree.Get(k)
		switch {
		case errors.Is(err, mkvs.ErrNotFound):
			resp.Entries = append(resp.Entries, rhp.StorageEntry{Key: k})
		case err != nil:
			return nil, err
		default:
			resp.Entries = append(resp.Entries, rhp.StorageEntry{Key: k, Found: true, Value: v})
		}
	}
	if resp.Proof, err = tree.Prove(keys...); err != nil {
		return nil, err
	}
	return resp, nil
}

// apply commits the runtime's state write log on the host's own tree.
func (h *host) apply(version uint64, resp *rhp.ExecuteTxBatchResponse) mkvs.Root {
	prev := h.state.Root()
	wl := make(mkvs.WriteLog, len(resp.StateWriteLog))
	for i, e := range resp.StateWriteLog {
		wl[i] = mkvs.LogEntry{Key: e.Key, Value: e.Value, Deleted: e.Delete}
	}
	claimed := mkvs.Root{Namespace: prev.Namespace, Version: version, Type: mkvs.RootState, Hash: mkvs.Hash(resp.StateRoot)}
	if err := h.kv.ApplyWriteLog(prev, wl, claimed); err != nil {
		h.t.Fatalf("the host could not reproduce the runtime's state root: %v", err)
	}
	st, err := accounts.OpenAt(h.kv, claimed)
	if err != nil {
		h.t.Fatal(err)
	}
	h.state = st
	return claimed
}

func key(name string) (ed25519.PrivateKey, sol.Pubkey) {
	seed := sha256.Sum256([]byte(name))
	k := ed25519.NewKeyFromSeed(seed[:])
	var pk sol.Pubkey
	copy(pk[:], k.Public().(ed25519.PublicKey))
	return k, pk
}

func signed(t testing.TB, bh sol.Hash, payer ed25519.PrivateKey, ins ...sol.Instruction) []byte {
	var pk sol.Pubkey
	copy(pk[:], payer.Public().(ed25519.PublicKey))
	msg, err := sol.NewLegacyMessage(pk, bh, ins...)
	if err != nil {
		t.Fatal(err)
	}
	tx := sol.Transaction{Message: msg}
	if err := tx.Sign(payer); err != nil {
		t.Fatal(err)
	}
	b, _ := tx.MarshalBinary()
	return b
}

func TestExecuteTxBatch_HostReproducesRoots(t *testing.T) {
	genesis, err := GenesisAccounts(Config{SlotsPerEpoch: 32})
	if err != nil {
		t.Fatal(err)
	}
	payerKey, payer := key("payer")
	genesis = append(genesis, svm.AccountWrite{Key: payer, Account: sol.Account{Lamports: 10_000_000_000}})
	h := newHost(t, genesis)
	rt, err := New(h.fetch)
	if err != nil {
		t.Fatal(err)
	}
	bh := rhp.Hash{1}
	blk := rhp.BlockContext{Slot: 1, Epoch: 0, UnixTimestamp: 1_700_000_000, RecentBlockhashes: []rhp.Hash{bh}}
	to := make([]sol.Pubkey, 5)
	var txs [][]byte
	for i := range to {
		_, to[i] = key(string(rune('a' + i)))
		txs = append(txs, signed(t, sol.Hash(bh), payerKey, svm.Transfer(payer, to[i], 1_000_000+uint64(i))))
	}
	txs = append(txs, []byte("garbage"), txs[0])

	var roots []mkvs.Hash
	for round, withPrefetch := range []bool{true, false} {
		if round > 0 {
			// A fresh host state, the same batch, and no prefetch: every read
			// goes through the host, and the outcome is the same.
			h = newHost(t, genesis)
			rt.fetch = h.fetch
		}
		req := &rhp.ExecuteTxBatch{Round: 1, Context: blk, PrevRoots: rhp.Roots{State: h.root()}, Txs: txs}
		if withPrefetch {
			resp, err := h.fetch(context.Background(), h.root(), PrefetchKeys(txs))
			if err != nil {
				t.Fatal(err)
			}
			req.Prefetch = Prefetch(resp)
		}
		h.reads = 0
		resp, err := rt.ExecuteTxBatch(context.Background(), req)
		if err != nil {
			t.Fatal(err)
		}
		if withPrefetch && h.reads > 1 {
			t.Fatalf("prefetch missed: %d host reads", h.reads)
		}
		root := h.apply(1, resp)
		for i, k := range to {
			a, ok, err := h.state.Account(k)
			if err != nil || !ok || a.Lamports != 1_000_000+uint64(i) {
				t.Fatalf("account %d after the batch: %+v %v", i, a, err)
			}
		}
		codes := []uint32{0, 0, 0, 0, 0, CodeRefused, CodeRefused}
		for i, r := range resp.Results {
			if r.Code != codes[i] {
				t.Fatalf("tx %d: code %d", i, r.Code)
			}
			res, err := DecodeResult(ioValue(t, resp, ResultKey(i)))
			if err != nil || (i < 5 && (!res.Processed || res.Fee != svm.LamportsPerSignature)) {
				t.Fatalf("tx %d: result %+v %v", i, res, err)
			}
		}
		io := mkvs.NewTree()
		for _, e := range resp.IOWriteLog {
			_ = io.Insert(e.Key, e.Value)
		}
		if io.Hash() != mkvs.Hash(resp.IORoot) {
			t.Fatal("IO write log does not produce the IO root")
		}
		roots = append(roots, root.Hash)
	}
	if roots[0] != roots[1] {
		t.Fatal("prefetching changed the state root")
	}
}

func TestExecuteTxBatch_RefusesForgedState(t *testing.T) {
	genesis, _ := GenesisAccounts(Config{})
	payerKey, payer := key("payer")
	genesis = append(genesis, svm.AccountWrite{Key: payer, Account: sol.Account{Lamports: 10_000_000_000}})
	h := newHost(t, genesis)
	rt, _ := New(h.fetch)
	bh := rhp.Hash{1}
	txs := [][]byte{signed(t, sol.Hash(bh), payerKey, svm.Transfer(payer, sol.Pubkey{9}, 1_000_000))}
	resp, _ := h.fetch(context.Background(), h.root(), PrefetchKeys(txs))
	// A lying host: a proof of another tree.
	other := mkvs.NewTree()
	_ = other.Insert(payer[:], []byte("rich"))
	resp.Proof, _ = other.Prove(payer[:])
	req := &rhp.ExecuteTxBatch{Round: 1, Context: rhp.BlockContext{Slot: 1, RecentBlockhashes: []rhp.Hash{bh}},
		PrevRoots: rhp.Roots{State: h.root()}, Txs: txs, Prefetch: Prefetch(resp)}
	if _, err := rt.ExecuteTxBatch(context.Background(), req); err == nil {
		t.Fatal("executed on a forged prefetch")
	}
	// A lying fetch answer.
	rt.fetch = func(ctx context.Context, root rhp.Root, keys [][]byte) (*rhp.StorageGetResponse, error) {
		p, _ := other.Prove(keys...)
		return &rhp.StorageGetResponse{Proof: p}, nil
	}
	req.Prefetch = rhp.Prefetch{}
	if _, err := rt.ExecuteTxBatch(context.Background(), req); err == nil {
		t.Fatal("executed on a forged read")
	}
}

func TestCheckTxBatch(t *testing.T) {
	genesis, _ := GenesisAccounts(Config{})
	payerKey, payer := key("payer")
	poorKey, poor := key("poor")
	genesis = append(genesis, svm.AccountWrite{Key: payer, Account: sol.Account{Lamports: 10_000_000_000}},
		svm.AccountWrite{Key: poor, Account: sol.Account{Lamports: 10}})
	h := newHost(t, genesis)
	rt, _ := New(h.fetch)
	bh := sol.Hash{1}
	good := signed(t, bh, payerKey, svm.Transfer(payer, sol.Pubkey{9}, 1))
	bad := append([]byte(nil), good...)
	bad[5] ^= 1
	resp, err := rt.CheckTxBatch(context.Background(), &rhp.CheckTxBatch{
		Context: rhp.BlockContext{Slot: 1, RecentBlockhashes: []rhp.Hash{rhp.Hash(bh)}}, StateRoot: h.root(),
		Txs: [][]byte{good, bad, signed(t, bh, poorKey, svm.Transfer(poor, sol.Pubkey{9}, 1)), signed(t, sol.Hash{2}, payerKey, svm.Transfer(payer, sol.Pubkey{9}, 1)), {1}},
	})
	if err != nil {
		t.Fatal(err)
	}
	want := []uint32{CodeOK, CodeRefused, CodeRefused, CodeRefused, CodeRefused}
	for i, r := range resp.Results {
		if r.Code != want[i] {
			t.Fatalf("tx %d: %+v", i, r)
		}
	}
	if resp.Results[0].Priority != svm.LamportsPerSignature {
		t.Fatal("priority")
	}
}

// Deposits reach the runtime through the batch, and withdrawals leave it as
// runtime messages in the response.
func TestExecuteTxBatch_DepositsAndMessages(t *testing.T) {
	genesis, _ := GenesisAccounts(Config{})
	payerKey, payer := key("payer")
	genesis = append(genesis, svm.AccountWrite{Key: payer, Account: sol.Account{Lamports: 10_000_000_000}})
	h := newHost(t, genesis)
	rt, _ := New(h.fetch)
	bh := rhp.Hash{1}
	withdraw := signed(t, sol.Hash(bh), payerKey, crosslayer.Withdraw(payer, staking.Address{9}, 1_000_000))
	_, recipient := key("depositor")
	resp, err := rt.ExecuteTxBatch(context.Background(), &rhp.ExecuteTxBatch{
		Round: 1, Context: rhp.BlockContext{Slot: 1, RecentBlockhashes: []rhp.Hash{bh}}, PrevRoots: rhp.Roots{State: h.root()},
		Txs: [][]byte{withdraw}, Deposits: []rhp.Deposit{{ID: 0, Recipient: rhp.Hash(recipient), Amount: 7_000_000}},
	})
	if err != nil {
		t.Fatal(err)
	}
	if len(resp.Messages) != 1 || string(resp.Messages[0]) != string(crosslayer.Message(staking.Address{9}, 1_000_000)) {
		t.Fatalf("messages %x", resp.Messages)
	}
	h.apply(1, resp)
	if a, ok, _ := h.state.Account(recipient); !ok || a.Lamports != 7_000_000 {
		t.Fatalf("deposit: %+v", a)
	}
}

// TestPrefetchKeys_Deposits: the recipients of a round's deposits are in
// the prefetch, so crediting them costs no round trip to the host, new
// and existing accounts alike.
func TestPrefetchKeys_Deposits(t *testing.T) {
	genesis, _ := GenesisAccounts(Config{})
	payerKey, payer := key("payer")
	_, existing := key("existing")
	_, fresh := key("fresh")
	genesis = append(genesis, svm.AccountWrite{Key: payer, Account: sol.Account{Lamports: 10_000_000_000}},
		svm.AccountWrite{Key: existing, Account: sol.Account{Lamports: 5, Owner: svm.SystemProgramID}})
	bh := rhp.Hash{1}
	txs := [][]byte{signed(t, sol.Hash(bh), payerKey, svm.Transfer(payer, sol.Pubkey{9}, 1_000_000))}
	deposits := []rhp.Deposit{{ID: 0, Recipient: rhp.Hash(existing), Amount: 7}, {ID: 1, Recipient: rhp.Hash(fresh), Amount: 11}}
	for _, c := range []struct {
		name      string
		prefetch  [][]byte
		wantReads int
	}{
		{name: "with deposits", prefetch: PrefetchKeys(txs, deposits...), wantReads: 0},
		{name: "transactions only", prefetch: PrefetchKeys(txs), wantReads: 2},
	} {
		t.Run(c.name, func(t *testing.T) {
			h := newHost(t, genesis)
			rt, _ := New(h.fetch)
			resp, err := h.fetch(context.Background(), h.root(), c.prefetch)
			if err != nil {
				t.Fatal(err)
			}
			h.reads = 0
			out, err := rt.ExecuteTxBatch(context.Background(), &rhp.ExecuteTxBatch{Round: 1, Context: rhp.BlockContext{Slot: 1, RecentBlockhashes: []rhp.Hash{bh}},
				PrevRoots: rhp.Roots{State: h.root()}, Txs: txs, Deposits: deposits, Prefetch: Prefetch(resp)})
			if err != nil {
				t.Fatal(err)
			}
			if h.reads != c.wantReads {
				t.Errorf("%d host reads during the batch, want %d", h.reads, c.wantReads)
			}
			h.apply(1, out)
			for k, want := range map[sol.Pubkey]uint64{existing: 12, fresh: 11} {
				if a, ok, _ := h.state.Account(k); !ok || a.Lamports != want {
					t.Errorf("recipient %s: %+v, want %d lamports", k, a, want)
				}
			}
		})
	}
}

// ioValue is the value of key in the response's IO write log.
func ioValue(t *testing.T, resp *rhp.ExecuteTxBatchResponse, key []byte) []byte {
	t.Helper()
	for _, e := range resp.IOWriteLog {
		if bytes.Equal(e.Key, key) {
			return e.Value
		}
	}
	t.Fatalf("IO write log has no %x", key)
	return nil
}
