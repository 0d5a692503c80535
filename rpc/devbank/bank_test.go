package devbank

import (
	"context"
	"crypto/ed25519"
	"crypto/sha256"
	"encoding/binary"
	"errors"
	"testing"
	"time"

	"github.com/atoll-dev/atoll/rpc"
	"github.com/atoll-dev/atoll/rpc/backendtest"
	"github.com/atoll-dev/atoll/runtime/svm"
	"github.com/atoll-dev/atoll/runtime/svm/sol"
)

type manualClock struct{ t time.Time }

func (c *manualClock) Now() time.Time { return c.t }
func (c *manualClock) Ticker(time.Duration) (<-chan time.Time, func()) {
	return make(chan time.Time), func() {}
}

var testFaucetSeed = sha256.Sum256([]byte("devbank test faucet"))

func newTestBank(t *testing.T, cfg Config) *Bank {
	t.Helper()
	if cfg.Clock == nil {
		cfg.Clock = &manualClock{time.Unix(1_800_000_000, 0)}
	}
	if cfg.FaucetSeed == nil {
		cfg.FaucetSeed = testFaucetSeed[:]
	}
	if cfg.IdentitySeed == nil {
		cfg.IdentitySeed = make([]byte, 32)
	}
	b, err := New(cfg)
	if err != nil {
		t.Fatal(err)
	}
	return b
}

func produceN(t *testing.T, b *Bank, n int) {
	t.Helper()
	for i := 0; i < n; i++ {
		if _, err := b.ProduceSlot(); err != nil {
			t.Fatal(err)
		}
	}
}

func (b *Bank) signedTransfer(t *testing.T, to sol.Pubkey, lamports uint64, extra ...sol.Instruction) []byte {
	t.Helper()
	msg, err := sol.NewLegacyMessage(b.faucetKey, b.LatestBlockhash(Processed).Blockhash, append(extra, svm.Transfer(b.faucetKey, to, lamports))...)
	if err != nil {
		t.Fatal(err)
	}
	tx := &sol.Transaction{Message: msg}
	if err := tx.Sign(b.faucet); err != nil {
		t.Fatal(err)
	}
	raw, _ := tx.MarshalBinary()
	return raw
}

func balanceAt(t *testing.T, b *Bank, k sol.Pubkey, c rpc.Commitment) uint64 {
	t.Helper()
	a, _, err := b.Accounts([]sol.Pubkey{k}, c)
	if err != nil {
		t.Fatal(err)
	}
	if a[0] == nil {
		return 0
	}
	return a[0].Lamports
}

func TestBank_CommitmentLevels(t *testing.T) {
	b := newTestBank(t, Config{ConfirmedDepth: 1, FinalizedDepth: 3})
	events, cancel := b.Subscribe(100)
	defer cancel()
	to := sol.Pubkey{1}
	produceN(t, b, 2)
	if _, err := b.SendTransaction(b.signedTransfer(t, to, 7_000_000), rpc.SendOptions{PreflightCommitment: Processed}); err != nil {
		t.Fatal(err)
	}
	produceN(t, b, 1) // slot 3 executes the transfer
	for i, want := range []uint64{7_000_000, 0, 0} {
		if got := balanceAt(t, b, to, rpc.Commitment(i)); got != want {
			t.Fatalf("slot 3, %v: balance %d, want %d", rpc.Commitment(i), got, want)
		}
	}
	produceN(t, b, 1)
	if balanceAt(t, b, to, Confirmed) != 7_000_000 || balanceAt(t, b, to, Finalized) != 0 {
		t.Fatal("slot 4: confirmed should see the transfer, finalized not")
	}
	produceN(t, b, 2)
	if balanceAt(t, b, to, Finalized) != 7_000_000 {
		t.Fatal("slot 6: finalized should see the transfer")
	}
	if s := [3]uint64{b.Slot(Processed), b.Slot(Confirmed), b.Slot(Finalized)}; s != [3]uint64{6, 5, 3} {
		t.Fatalf("slots %v", s)
	}

	// Every level's commit events arrive gapless and in slot order, each
	// after the lower levels' event for the same slot.
	next := [3]uint64{1, 0, 0}
	seen := map[[2]uint64]bool{{0, 0}: true} // genesis is processed before anyone subscribes
	for len(events) > 0 {
		e := <-events
		ce, ok := e.(*rpc.CommitEvent)
		if !ok {
			continue
		}
		if ce.Slot != next[ce.Commitment] {
			t.Fatalf("%v event for slot %d, want %d", ce.Commitment, ce.Slot, next[ce.Commitment])
		}
		if ce.Commitment > 0 && !seen[[2]uint64{uint64(ce.Commitment - 1), ce.Slot}] {
			t.Fatalf("%v event for slot %d before the lower level's", ce.Commitment, ce.Slot)
		}
		seen[[2]uint64{uint64(ce.Commitment), ce.Slot}] = true
		next[ce.Commitment]++
	}
	if next != [3]uint64{7, 6, 4} {
		t.Fatalf("events reached %v", next)
	}
}

func TestBank_LatestBlockhashValidity(t *testing.T) {
	b := newTestBank(t, Config{})
	produceN(t, b, 3)
	bh := b.LatestBlockhash(Processed)
	if bh.Slot != 3 || bh.LastValidBlockHeight != 3+svm.MaxRecentBlockhashes {
		t.Fatalf("latest %+v", bh)
	}
	produceN(t, b, svm.MaxRecentBlockhashes-1)
	if ok, _ := b.IsBlockhashValid(bh.Blockhash, Processed); !ok {
		t.Fatal("valid for 150 blocks")
	}
	produceN(t, b, 1)
	if ok, _ := b.IsBlockhashValid(bh.Blockhash, Processed); ok {
		t.Fatal("still valid after 150 blocks")
	}
}

// TestBank_Deterministic runs the same transactions on two banks with the
// same configuration and clock: every blockhash and account must agree.
func TestBank_Deterministic(t *testing.T) {
	run := func() (*Bank, []sol.Hash) {
		b := newTestBank(t, Config{SlotsPerEpoch: 4})
		var hashes []sol.Hash
		for i := 0; i < 10; i++ {
			for j := 0; j < 3; j++ {
				if _, err := b.SendTransaction(b.signedTransfer(t, sol.Pubkey{byte(j + 1)}, uint64(1_000_000*(i+1))), rpc.SendOptions{SkipPreflight: true}); err != nil {
					t.Fatal(err)
				}
			}
			produceN(t, b, 1)
			hashes = append(hashes, b.LatestBlockhash(Processed).Blockhash)
		}
		return b, hashes
	}
	b1, h1 := run()
	b2, h2 := run()
	if b1.GenesisHash() != b2.GenesisHash() {
		t.Fatal("genesis hashes differ")
	}
	for i := range h1 {
		if h1[i] != h2[i] {
			t.Fatalf("blockhash of slot %d differs", i+1)
		}
	}
	for _, k := range b1.store.Keys() {
		a1, _, _ := b1.store.Account(k)
		a2, _, _ := b2.store.Account(k)
		if !a1.Equal(&a2) {
			t.Fatalf("account %s differs", k)
		}
	}
}

func TestBank_SendDedupAndReplay(t *testing.T) {
	b := newTestBank(t, Config{})
	produceN(t, b, 1)
	raw := b.signedTransfer(t, sol.Pubkey{2}, 1_000_000)
	for i := 0; i < 2; i++ {
		if _, err := b.SendTransaction(raw, rpc.SendOptions{PreflightCommitment: Processed}); err != nil {
			t.Fatal(err)
		}
	}
	produceN(t, b, 1)
	if got := balanceAt(t, b, sol.Pubkey{2}, Processed); got != 1_000_000 {
		t.Fatalf("balance %d after a duplicate submission", got)
	}
	_, err := b.SendTransaction(raw, rpc.SendOptions{PreflightCommitment: Processed})
	var pf *rpc.PreflightError
	if !errors.As(err, &pf) || pf.Sim.Result.Err.Kind != svm.AlreadyProcessed {
		t.Fatalf("replay: %v", err)
	}
	// Skipping preflight queues it, and execution refuses it.
	if _, err := b.SendTransaction(raw, rpc.SendOptions{SkipPreflight: true}); err != nil {
		t.Fatal(err)
	}
	produceN(t, b, 1)
	if got := balanceAt(t, b, sol.Pubkey{2}, Processed); got != 1_000_000 {
		t.Fatalf("balance %d after a replay", got)
	}
}

func TestBank_Airdrop(t *testing.T) {
	b := newTestBank(t, Config{AirdropLimit: 5 * LamportsPerSOL})
	produceN(t, b, 1)
	to := sol.Pubkey{3}
	if _, err := b.RequestAirdrop(to, 6*LamportsPerSOL); !errors.Is(err, rpc.ErrAirdropLimit) {
		t.Fatalf("over the limit: %v", err)
	}
	if _, err := b.RequestAirdrop(to, 5*LamportsPerSOL); err != nil {
		t.Fatal(err)
	}
	produceN(t, b, 1)
	if got := balanceAt(t, b, to, Processed); got != 5*LamportsPerSOL {
		t.Fatalf("balance %d", got)
	}
	none := newTestBank(t, Config{NoFaucet: true})
	if _, err := none.RequestAirdrop(to, 1); !errors.Is(err, rpc.ErrNoFaucet) {
		t.Fatalf("without a faucet: %v", err)
	}
}

// activeFeature is a genesis feature account active since slot 0.
func activeFeature(f svm.Feature) svm.AccountWrite {
	data := binary.LittleEndian.AppendUint64([]byte{1}, 0)
	return svm.AccountWrite{Key: f.ID, Account: sol.Account{Lamports: svm.DefaultRent.MinimumBalance(9), Data: data, Owner: svm.FeatureProgramID}}
}

// TestFeeForMessage_MatchesExecution checks getFeeForMessage against the
// fee the executor actually charges, with and without priority fees.
func TestFeeForMessage_MatchesExecution(t *testing.T) {
	for _, tc := range []struct {
		name   string
		active bool
		extra  []sol.Instruction
	}{
		{"inactive, priced", false, []sol.Instruction{svm.SetComputeUnitPrice(1_000_000)}},
		{"plain", true, nil},
		{"price, default limit", true, []sol.Instruction{svm.SetComputeUnitPrice(3)}},
		{"price and limit", true, []sol.Instruction{svm.SetComputeUnitLimit(1_000), svm.SetComputeUnitPrice(1_500_001)}},
		{"limit above the cap", true, []sol.Instruction{svm.SetComputeUnitLimit(5_000_000), svm.SetComputeUnitPrice(7)}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			cfg := Config{}
			if tc.active {
				cfg.GenesisAccounts = []svm.AccountWrite{activeFeature(svm.FeatureTxWideComputeBudget)}
			}
			b := newTestBank(t, cfg)
			produceN(t, b, 1)
			raw := b.signedTransfer(t, sol.Pubkey{4}, 1_000_000, tc.extra...)
			tx, err := sol.DecodeTransaction(raw)
			if err != nil {
				t.Fatal(err)
			}
			fee, ok, _, err := b.FeeForMessage(tx.MessageBytes, Processed)
			if err != nil || !ok {
				t.Fatalf("FeeForMessage: %v %v", ok, err)
			}
			if _, err := b.SendTransaction(raw, rpc.SendOptions{PreflightCommitment: Processed}); err != nil {
				t.Fatal(err)
			}
			produceN(t, b, 1)
			rec, err := b.Transaction(tx.Signature(), Processed)
			if err != nil || rec == nil {
				t.Fatalf("transaction: %v", err)
			}
			if rec.Result.Fee != fee {
				t.Fatalf("FeeForMessage %d, charged %d", fee, rec.Result.Fee)
			}
		})
	}
}

func TestMemLedger_Signatures(t *testing.T) {
	l := NewMemLedger()
	addr := sol.Pubkey{5}
	var sigs []sol.Signature
	for slot := uint64(1); slot <= 4; slot++ {
		blk := &rpc.Block{Slot: slot}
		for i := 0; i < 2; i++ {
			sig := sol.Signature{byte(slot), byte(i)}
			sigs = append(sigs, sig)
			blk.Transactions = append(blk.Transactions, rpc.TransactionRecord{Slot: slot, Result: svm.TxResult{Signature: sig, Keys: []sol.Pubkey{addr, addr}}})
		}
		if err := l.Append(blk); err != nil {
			t.Fatal(err)
		}
	}
	if err := l.Append(&rpc.Block{Slot: 2}); !errors.Is(err, ErrLedgerOrder) {
		t.Fatalf("out-of-order append: %v", err)
	}
	got := func(maxSlot uint64, q rpc.SignaturesQuery) []sol.Signature {
		rows, err := l.Signatures(addr, maxSlot, q)
		if err != nil {
			t.Fatal(err)
		}
		out := []sol.Signature{}
		for _, r := range rows {
			out = append(out, r.Signature)
		}
		return out
	}
	eq := func(a []sol.Signature, b ...sol.Signature) bool {
		if len(a) != len(b) {
			return false
		}
		for i := range a {
			if a[i] != b[i] {
				return false
			}
		}
		return true
	}
	if g := got(4, rpc.SignaturesQuery{Limit: 3}); !eq(g, sigs[7], sigs[6], sigs[5]) {
		t.Fatalf("newest three: %v", g)
	}
	if g := got(3, rpc.SignaturesQuery{Limit: 10, Before: &sigs[4], Until: &sigs[1]}); !eq(g, sigs[3], sigs[2]) {
		t.Fatalf("before/until: %v", g)
	}
	if g := got(2, rpc.SignaturesQuery{Limit: 10}); !eq(g, sigs[3], sigs[2], sigs[1], sigs[0]) {
		t.Fatalf("up to slot 2: %v", g)
	}
	if g, _ := l.Slots(2, 3); len(g) != 2 || g[0] != 2 {
		t.Fatalf("slots: %v", g)
	}
}

// TestBank_ReadsAtOlderCommitment checks that reads pinned to the finalized
// slot undo later writes, deletions included.
func TestBank_ReadsAtOlderCommitment(t *testing.T) {
	b := newTestBank(t, Config{ConfirmedDepth: 1, FinalizedDepth: 2})
	seed := sha256.Sum256([]byte("doomed"))
	doomed := ed25519.NewKeyFromSeed(seed[:])
	var doomedKey sol.Pubkey
	copy(doomedKey[:], doomed.Public().(ed25519.PublicKey))
	produceN(t, b, 1)
	if _, err := b.SendTransaction(b.signedTransfer(t, doomedKey, 10_000_000), rpc.SendOptions{PreflightCommitment: Processed}); err != nil {
		t.Fatal(err)
	}
	produceN(t, b, 3) // the funding is finalized
	// Empty the account: it is deleted at processed, still there at finalized.
	msg, err := sol.NewLegacyMessage(doomedKey, b.LatestBlockhash(Processed).Blockhash, svm.Transfer(doomedKey, b.faucetKey, 10_000_000-5_000))
	if err != nil {
		t.Fatal(err)
	}
	tx := &sol.Transaction{Message: msg}
	if err := tx.Sign(doomed); err != nil {
		t.Fatal(err)
	}
	raw, _ := tx.MarshalBinary()
	if _, err := b.SendTransaction(raw, rpc.SendOptions{PreflightCommitment: Processed}); err != nil {
		t.Fatal(err)
	}
	produceN(t, b, 1)
	if got := balanceAt(t, b, doomedKey, Processed); got != 0 {
		t.Fatalf("processed balance %d", got)
	}
	if got := balanceAt(t, b, doomedKey, Finalized); got != 10_000_000 {
		t.Fatalf("finalized balance %d", got)
	}
	listed := func(c rpc.Commitment) bool {
		accts, _, err := b.ProgramAccounts(svm.SystemProgramID, c, func(a *sol.Account) bool { return len(a.Data) == 0 })
		if err != nil {
			t.Fatal(err)
		}
		for _, a := range accts {
			if a.Key == doomedKey {
				return true
			}
		}
		return false
	}
	if listed(Processed) || !listed(Finalized) {
		t.Fatalf("getProgramAccounts: processed %v, finalized %v", listed(Processed), listed(Finalized))
	}
	produceN(t, b, 2)
	if listed(Finalized) {
		t.Fatal("still listed once the deletion is finalized")
	}
}

// TestBank_Conformance runs the rpc.Backend conformance suite, once with
// slots produced by hand and once on the ticker.
func TestBank_Conformance(t *testing.T) {
	faucet := ed25519.NewKeyFromSeed(testFaucetSeed[:])
	t.Run("manual", func(t *testing.T) {
		backendtest.Run(t, func(t *testing.T) *backendtest.Harness {
			b := newTestBank(t, Config{ConfirmedDepth: 1, FinalizedDepth: 2})
			produceN(t, b, 1)
			return &backendtest.Harness{Backend: b, Payer: faucet, Advance: func(t testing.TB) {
				if _, err := b.ProduceSlot(); err != nil {
					t.Fatal(err)
				}
			}}
		})
	})
	t.Run("ticking", func(t *testing.T) {
		backendtest.Run(t, func(t *testing.T) *backendtest.Harness {
			b := newTestBank(t, Config{ConfirmedDepth: 2, FinalizedDepth: 5, SlotDuration: 5 * time.Millisecond, Clock: SystemClock{}})
			ctx, cancel := context.WithCancel(context.Background())
			done := make(chan error, 1)
			go func() { done <- b.Run(ctx) }()
			t.Cleanup(func() {
				cancel()
				if err := <-done; err != nil {
					t.Error(err)
				}
			})
			return &backendtest.Harness{Backend: b, Payer: faucet, Advance: func(t testing.TB) {
				start := b.Slot(Processed)
				for b.Slot(Processed) == start {
					time.Sleep(time.Millisecond)
				}
			}}
		})
	})
}

// Wallets simulate unsigned transactions (zeroed signatures) to estimate
// compute units; with sigVerify false that works, with true it is refused.
func TestBank_SimulateUnsigned(t *testing.T) {
	b := newTestBank(t, Config{})
	produceN(t, b, 1)
	raw := b.signedTransfer(t, sol.Pubkey{4}, 1_000_000)
	tx, err := sol.DecodeTransaction(raw)
	if err != nil {
		t.Fatal(err)
	}
	tx.Signatures[0] = sol.Signature{}
	unsigned, _ := tx.MarshalBinary()
	sim, err := b.Simulate(unsigned, rpc.SimulateOptions{Commitment: Processed})
	if err != nil {
		t.Fatal(err)
	}
	if sim.Result.Err != nil || sim.Result.UnitsConsumed == 0 {
		t.Fatalf("unsigned simulation: %v, %d units", sim.Result.Err, sim.Result.UnitsConsumed)
	}
	sim, err = b.Simulate(unsigned, rpc.SimulateOptions{SigVerify: true, Commitment: Processed})
	if err == nil && (sim.Result.Err == nil || sim.Result.Err.Kind != svm.SignatureFailure) {
		t.Fatalf("sigVerify accepted a zero signature: %+v", sim.Result.Err)
	}
	if balanceAt(t, b, sol.Pubkey{4}, Processed) != 0 {
		t.Fatal("a simulation changed state")
	}
}
