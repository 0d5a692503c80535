package svm

import (
	"crypto/ed25519"
	"testing"

	"github.com/atoll-dev/atoll/runtime/svm/sol"
)

func burn(units uint64) sol.Instruction { return testInstr(nil, consume(units)) }

// activateFeature requests f the way `atoll feature activate` does: a system
// transaction funds the feature account, sizes it to 9 bytes and assigns it
// to the feature program, leaving activated_at = None (pending).
func activateFeature(t *testing.T, f *systemFixture, name string) {
	t.Helper()
	key := ed25519.NewKeyFromSeed(FeatureKeySeed(name))
	id := featureID(name)
	wantOK(t, f.send([]ed25519.PrivateKey{key},
		Transfer(f.payer, id, DefaultRent.MinimumBalance(featureAccountSize)),
		Allocate(id, featureAccountSize),
		Assign(id, FeatureProgramID)))
}

func featureStatus(f *systemFixture, feat Feature) (FeatureStatus, uint64) {
	a, ok, _ := f.store.Account(feat.ID)
	return DecodeFeatureAccount(&a, ok)
}

func TestComputeBudget_PerInstructionDefault(t *testing.T) {
	f := newSystemFixture(t)
	// Each instruction gets a fresh 200k: two of 150k succeed.
	r := f.send(nil, burn(150_000), burn(150_000))
	wantOK(t, r)
	if r.UnitsConsumed != 300_000 {
		t.Fatalf("consumed %d, want 300000", r.UnitsConsumed)
	}
	// One instruction over 200k exhausts the meter, and a request for more
	// has no effect before the feature is active.
	to := pubkeyOf("budget payee")
	before := f.acct(f.payer).Lamports
	r = f.send(nil, SetComputeUnitLimit(400_000), Transfer(f.payer, to, rentFor0), burn(250_000))
	wantInstrErr(t, r, 2, ErrComputationalBudgetExceeded)
	if f.acct(to).Lamports != 0 || f.acct(f.payer).Lamports != before-LamportsPerSignature {
		t.Fatal("budget exhaustion did not roll back, or the fee is wrong")
	}
	// Malformed compute-budget data fails when executed.
	wantInstrErr(t, f.send(nil, sol.Instruction{ProgramID: ComputeBudgetProgramID, Data: []byte{9}}), 0, ErrInvalidInstructionData)
}

func TestFeature_ActivatesAtEpochBoundaryAndSwitchesBudget(t *testing.T) {
	f := newSystemFixture(t)
	feat := FeatureTxWideComputeBudget
	if st, _ := featureStatus(f, feat); st != FeatureInactive {
		t.Fatalf("status %v before request", st)
	}
	activateFeature(t, f, feat.Name)
	if st, _ := featureStatus(f, feat); st != FeaturePending {
		t.Fatalf("status %v after request, want pending", st)
	}
	// Later slots of the same epoch leave it pending and behaviour unchanged.
	f.run()
	if st, _ := featureStatus(f, feat); st != FeaturePending || f.features.Active(feat) {
		t.Fatal("activated before the epoch boundary")
	}
	wantInstrErr(t, f.send(nil, SetComputeUnitLimit(300_000), burn(250_000)), 1, ErrComputationalBudgetExceeded)

	// First slot of the next epoch: active at that slot, on every node alike.
	f.epoch++
	boundary := f.slot
	r := f.send(nil, SetComputeUnitLimit(300_000), burn(250_000))
	wantOK(t, r)
	if st, at := featureStatus(f, feat); st != FeatureActive || at != boundary {
		t.Fatalf("status %v at %d, want active at %d", st, at, boundary)
	}

	// The transaction-wide model: one meter for the whole transaction.
	// Two instructions of 150k that the per-instruction model allowed now
	// share one 200k limit.
	wantInstrErr(t, f.send(nil, SetComputeUnitLimit(200_000), burn(150_000), burn(150_000)), 2, ErrComputationalBudgetExceeded)
	wantOK(t, f.send(nil, SetComputeUnitLimit(300_000), burn(150_000), burn(140_000)))
	r = f.send(nil, SetComputeUnitLimit(2_000_000), burn(1_400_000))
	wantInstrErr(t, r, 1, ErrComputationalBudgetExceeded)
	if r.UnitsConsumed != MaxComputeUnitLimit {
		t.Fatalf("limit not capped at 1.4M: consumed %d", r.UnitsConsumed)
	}
	// Priority fee: ceil(limit × price / 1e6).
	r = f.send(nil, SetComputeUnitLimit(100_000), SetComputeUnitPrice(1_500_001), burn(10))
	wantOK(t, r)
	if want := uint64(LamportsPerSignature + 150_001); r.Fee != want {
		t.Fatalf("fee %d, want %d", r.Fee, want)
	}
	// Duplicates and bad heap frames are refused before any fee.
	r = f.send(nil, SetComputeUnitLimit(1), SetComputeUnitLimit(2))
	if r.Processed || r.Err == nil || r.Err.Kind != DuplicateInstruction || r.Err.Index != 1 {
		t.Fatalf("got %v processed=%v", r.Err, r.Processed)
	}
	r = f.send(nil, RequestHeapFrame(33*1024+1))
	if r.Processed || r.Err == nil || r.Err.Kind != InstructionErrorKind || r.Err.Instr != ErrInvalidInstructionData {
		t.Fatalf("got %v", r.Err)
	}
	wantOK(t, f.send(nil, RequestHeapFrame(64*1024)))
}

func TestMeter_Consume(t *testing.T) {
	m := NewMeter(100)
	if err := m.Consume(60); err != nil || m.Remaining() != 40 {
		t.Fatal("consume 60 of 100")
	}
	if err := m.Consume(41); err != ErrComputationalBudgetExceeded || m.Remaining() != 0 || m.Consumed() != 100 {
		t.Fatalf("over-consumption: %v, remaining %d", err, m.Remaining())
	}
}

// A priority fee too large for a u64 saturates (and cannot be paid) instead
// of overflowing into a tiny fee or a panic.
func TestPriorityFee_Saturates(t *testing.T) {
	f := newSystemFixture(t)
	activateFeature(t, f, FeatureTxWideComputeBudget.Name)
	f.epoch++
	f.run()
	before := f.acct(f.payer).Lamports
	r := f.send(nil, SetComputeUnitLimit(MaxComputeUnitLimit), SetComputeUnitPrice(^uint64(0)), burn(1))
	if r.Processed || r.Err == nil || r.Err.Kind != InsufficientFundsForFee {
		t.Fatalf("got %v processed=%v", r.Err, r.Processed)
	}
	if f.acct(f.payer).Lamports != before {
		t.Fatal("an unpayable fee was charged")
	}
	msg, _ := sol.NewLegacyMessage(f.payer, f.latest(), SetComputeUnitLimit(MaxComputeUnitLimit), SetComputeUnitPrice(^uint64(0)))
	if fee, err := MessageFee(&msg, f.features); err != nil || fee != ^uint64(0) {
		t.Fatalf("MessageFee = %d, %v", fee, err)
	}
	msg, _ = sol.NewLegacyMessage(f.payer, f.latest(), SetComputeUnitLimit(100_000), SetComputeUnitPrice(1_500_001))
	if fee, _ := MessageFee(&msg, f.features); fee != LamportsPerSignature+150_001 {
		t.Fatalf("MessageFee = %d", fee)
	}
	bad := msg
	bad.Instructions = append([]sol.CompiledInstruction{{ProgramIDIndex: 9}}, msg.Instructions...)
	if _, err := MessageFee(&bad, f.features); err == nil {
		t.Fatal("an unsanitary message got a fee")
	}
}
