package svm

import (
	"crypto/ed25519"
	"testing"

	"github.com/atoll-dev/atoll/runtime/svm/sol"
)

// systemFixture is a harness with a funded payer.
type systemFixture struct {
	*harness
	payerKey ed25519.PrivateKey
	payer    sol.Pubkey
}

func newSystemFixture(t *testing.T) *systemFixture {
	h := newHarness(t)
	k, pk := keyFor("payer")
	h.fund(pk, 100_000_000_000)
	return &systemFixture{harness: h, payerKey: k, payer: pk}
}

func (f *systemFixture) send(others []ed25519.PrivateKey, instrs ...sol.Instruction) TxResult {
	f.t.Helper()
	return f.run1(f.tx(f.payerKey, others, instrs...))
}

func unsign(in sol.Instruction, idx int) sol.Instruction {
	in.Accounts = append([]sol.AccountMeta(nil), in.Accounts...)
	in.Accounts[idx].IsSigner = false
	return in
}

var (
	otherOwner = pubkeyOf("some program")
	rentFor0   = DefaultRent.MinimumBalance(0)
)

func TestSystem_CreateAccount(t *testing.T) {
	f := newSystemFixture(t)
	newKey, newPk := keyFor("new")
	lamports := DefaultRent.MinimumBalance(100)
	wantOK(t, f.send([]ed25519.PrivateKey{newKey}, CreateAccount(f.payer, newPk, lamports, 100, otherOwner)))
	a := f.acct(newPk)
	if a.Lamports != lamports || len(a.Data) != 100 || a.Owner != otherOwner {
		t.Fatalf("created %+v", a)
	}
	// In use now.
	wantInstrErr(t, f.send([]ed25519.PrivateKey{newKey}, CreateAccount(f.payer, newPk, lamports, 100, otherOwner)), 0, NewCustomError(SysErrAccountAlreadyInUse))

	k2, pk2 := keyFor("new 2")
	wantInstrErr(t, f.send(nil, unsign(CreateAccount(f.payer, pk2, lamports, 1, otherOwner), 1)), 0, ErrMissingRequiredSignature)
	wantInstrErr(t, f.send([]ed25519.PrivateKey{k2}, CreateAccount(f.payer, pk2, lamports, sol.MaxAccountDataSize+1, otherOwner)), 0, NewCustomError(SysErrInvalidAccountDataLength))
	wantInstrErr(t, f.send([]ed25519.PrivateKey{k2}, CreateAccount(f.payer, pk2, 1<<62, 1, otherOwner)), 0, NewCustomError(SysErrResultWithNegativeLamports))
	// Below the rent-exempt minimum: the transaction fails on rent.
	r := f.send([]ed25519.PrivateKey{k2}, CreateAccount(f.payer, pk2, 1000, 100, otherOwner))
	if r.Err == nil || r.Err.Kind != InsufficientFundsForRent || r.Err.Index == 0 {
		t.Fatalf("got %v, want InsufficientFundsForRent of the new account", r.Err)
	}
}

func TestSystem_AssignAndAllocate(t *testing.T) {
	f := newSystemFixture(t)
	k, pk := keyFor("acct")
	f.fund(pk, DefaultRent.MinimumBalance(64))
	wantOK(t, f.send([]ed25519.PrivateKey{k}, Allocate(pk, 64), Assign(pk, otherOwner)))
	if a := f.acct(pk); len(a.Data) != 64 || a.Owner != otherOwner {
		t.Fatalf("got %+v", a)
	}
	wantInstrErr(t, f.send([]ed25519.PrivateKey{k}, Allocate(pk, 8)), 0, NewCustomError(SysErrAccountAlreadyInUse))

	k2, pk2 := keyFor("acct 2")
	f.fund(pk2, rentFor0)
	wantInstrErr(t, f.send(nil, unsign(Assign(pk2, otherOwner), 0)), 0, ErrMissingRequiredSignature)
	wantInstrErr(t, f.send(nil, unsign(Allocate(pk2, 8), 0)), 0, ErrMissingRequiredSignature)
	wantInstrErr(t, f.send([]ed25519.PrivateKey{k2}, Allocate(pk2, sol.MaxAccountDataSize+1)), 0, NewCustomError(SysErrInvalidAccountDataLength))
	// Assigning to the current owner is a no-op that needs no signature.
	wantOK(t, f.send(nil, unsign(Assign(pk2, SystemProgramID), 0)))
}

func TestSystem_Transfer(t *testing.T) {
	f := newSystemFixture(t)
	to := pubkeyOf("to")
	r := f.send(nil, Transfer(f.payer, to, rentFor0))
	wantOK(t, r)
	if f.acct(to).Lamports != rentFor0 || f.acct(f.payer).Lamports != 100_000_000_000-rentFor0-LamportsPerSignature {
		t.Fatal("balances wrong after transfer")
	}
	if r.UnitsConsumed != builtinUnits {
		t.Fatalf("transfer consumed %d units, want %d", r.UnitsConsumed, builtinUnits)
	}
	wantInstrErr(t, f.send(nil, Transfer(f.payer, to, 1<<62)), 0, NewCustomError(SysErrResultWithNegativeLamports))
	fk, from := keyFor("from")
	f.fund(from, rentFor0*3)
	wantInstrErr(t, f.send(nil, unsign(Transfer(from, to, 1), 0)), 0, ErrMissingRequiredSignature)
	withData := pubkeyOf("with data")
	_ = fk
	dk, _ := keyFor("with data")
	f.store.Set(withData, sol.Account{Lamports: rentFor0 * 3, Data: []byte{1}})
	wantInstrErr(t, f.send([]ed25519.PrivateKey{dk}, Transfer(withData, to, 1)), 0, ErrInvalidArgument)
	// Lamports may not leave an account the system program does not own.
	ok, okPk := keyFor("owned elsewhere")
	f.store.Set(okPk, sol.Account{Lamports: rentFor0 * 3, Owner: otherOwner})
	wantInstrErr(t, f.send([]ed25519.PrivateKey{ok}, Transfer(okPk, to, 1)), 0, ErrExternalAccountLamportSpend)
}

func TestSystem_SeededInstructions(t *testing.T) {
	f := newSystemFixture(t)
	baseKey, base := keyFor("base")
	f.fund(base, rentFor0)
	seeded, _ := sol.CreateWithSeed(base, "vault", otherOwner)
	lamports := DefaultRent.MinimumBalance(10)
	wantOK(t, f.send([]ed25519.PrivateKey{baseKey}, CreateAccountWithSeed(f.payer, seeded, base, "vault", lamports, 10, otherOwner)))
	if a := f.acct(seeded); a.Owner != otherOwner || len(a.Data) != 10 {
		t.Fatalf("got %+v", a)
	}
	wrong := pubkeyOf("not derived")
	wantInstrErr(t, f.send([]ed25519.PrivateKey{baseKey}, CreateAccountWithSeed(f.payer, wrong, base, "vault", lamports, 10, otherOwner)), 0, NewCustomError(SysErrAddressWithSeedMismatch))
	long := "0123456789012345678901234567890123"
	wantInstrErr(t, f.send([]ed25519.PrivateKey{baseKey}, CreateAccountWithSeed(f.payer, wrong, base, long, lamports, 10, otherOwner)), 0, ErrMaxSeedLengthExceeded)

	// AllocateWithSeed + AssignWithSeed on a funded derived address.
	a2, _ := sol.CreateWithSeed(base, "a2", otherOwner)
	f.fund(a2, DefaultRent.MinimumBalance(32))
	wantOK(t, f.send([]ed25519.PrivateKey{baseKey}, AllocateWithSeed(a2, base, "a2", 32, otherOwner)))
	if a := f.acct(a2); a.Owner != otherOwner || len(a.Data) != 32 {
		t.Fatalf("got %+v", a)
	}
	wantInstrErr(t, f.send([]ed25519.PrivateKey{baseKey}, AllocateWithSeed(a2, base, "other", 32, otherOwner)), 0, NewCustomError(SysErrAddressWithSeedMismatch))
	wantInstrErr(t, f.send(nil, unsign(AllocateWithSeed(a2, base, "a2", 32, otherOwner), 1)), 0, ErrMissingRequiredSignature)
	a3, _ := sol.CreateWithSeed(base, "a3", otherOwner)
	f.fund(a3, rentFor0)
	wantInstrErr(t, f.send(nil, unsign(AssignWithSeed(a3, base, "a3", otherOwner), 1)), 0, ErrMissingRequiredSignature)
	wantInstrErr(t, f.send([]ed25519.PrivateKey{baseKey}, AssignWithSeed(a3, base, "wrong", otherOwner)), 0, NewCustomError(SysErrAddressWithSeedMismatch))
	wantOK(t, f.send([]ed25519.PrivateKey{baseKey}, AssignWithSeed(a3, base, "a3", otherOwner)))

	// TransferWithSeed out of a system-owned derived account.
	src, _ := sol.CreateWithSeed(base, "src", SystemProgramID)
	f.fund(src, 3*rentFor0)
	dst := pubkeyOf("dst")
	wantOK(t, f.send([]ed25519.PrivateKey{baseKey}, TransferWithSeed(src, base, "src", SystemProgramID, dst, rentFor0)))
	if f.acct(dst).Lamports != rentFor0 {
		t.Fatal("transfer with seed did not arrive")
	}
	wantInstrErr(t, f.send([]ed25519.PrivateKey{baseKey}, TransferWithSeed(src, base, "other", SystemProgramID, dst, 1)), 0, NewCustomError(SysErrAddressWithSeedMismatch))
	wantInstrErr(t, f.send(nil, unsign(TransferWithSeed(src, base, "src", SystemProgramID, dst, 1), 1)), 0, ErrMissingRequiredSignature)
}

func TestSystem_InvalidInstructionData(t *testing.T) {
	f := newSystemFixture(t)
	for _, data := range [][]byte{nil, {1, 2}, {13, 0, 0, 0}, {2, 0, 0, 0, 1}, {3, 0, 0, 0}} {
		in := sol.Instruction{ProgramID: SystemProgramID, Accounts: []sol.AccountMeta{{Pubkey: f.payer, IsSigner: true, IsWritable: true}}, Data: data}
		wantInstrErr(t, f.send(nil, in), 0, ErrInvalidInstructionData)
	}
	wantInstrErr(t, f.send(nil, sol.Instruction{ProgramID: SystemProgramID, Data: Transfer(f.payer, f.payer, 1).Data}), 0, ErrNotEnoughAccountKeys)
}
