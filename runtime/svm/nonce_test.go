package svm

import (
	"crypto/ed25519"
	"testing"

	"github.com/atoll-dev/atoll/runtime/svm/sol"
)

// newNonce creates and initializes a nonce account with the payer as authority.
func newNonce(t *testing.T, f *systemFixture, name string) (ed25519.PrivateKey, sol.Pubkey) {
	t.Helper()
	k, pk := keyFor(name)
	lamports := DefaultRent.MinimumBalance(NonceAccountSize)
	wantOK(t, f.send([]ed25519.PrivateKey{k},
		CreateAccount(f.payer, pk, lamports, NonceAccountSize, SystemProgramID),
		InitializeNonceAccount(pk, f.payer)))
	st, ok := DecodeNonce(f.acct(pk).Data)
	if !ok || !st.Initialized || st.Authority != f.payer || st.Version != nonceVersionCurrent {
		t.Fatalf("nonce not initialized: %+v", st)
	}
	return k, pk
}

func TestSystem_NonceLifecycle(t *testing.T) {
	f := newSystemFixture(t)
	_, nonce := newNonce(t, f, "nonce")
	// Initialize again: already initialized.
	wantInstrErr(t, f.send(nil, InitializeNonceAccount(nonce, f.payer)), 0, ErrInvalidAccountData)

	before, _ := DecodeNonce(f.acct(nonce).Data)
	wantOK(t, f.send(nil, AdvanceNonceAccount(nonce, f.payer)))
	after, _ := DecodeNonce(f.acct(nonce).Data)
	if after.DurableNonce == before.DurableNonce || after.DurableNonce != DurableNonceFromBlockhash(f.blockhashes[1].Hash) {
		t.Fatal("nonce did not advance to the block's blockhash")
	}
	// Twice in one slot.
	wantInstrErr(t, f.send(nil, AdvanceNonceAccount(nonce, f.payer), AdvanceNonceAccount(nonce, f.payer)), 1, NewCustomError(SysErrNonceBlockhashNotExpired))

	// Authority is the payer; another signer cannot advance or authorize.
	ok, other := keyFor("intruder")
	f.fund(other, rentFor0)
	wantInstrErr(t, f.send([]ed25519.PrivateKey{ok}, AdvanceNonceAccount(nonce, other)), 0, ErrMissingRequiredSignature)
	wantInstrErr(t, f.send([]ed25519.PrivateKey{ok}, AuthorizeNonceAccount(nonce, other, other)), 0, ErrMissingRequiredSignature)
	wantOK(t, f.send(nil, AuthorizeNonceAccount(nonce, f.payer, other)))
	if st, _ := DecodeNonce(f.acct(nonce).Data); st.Authority != other {
		t.Fatal("authority not changed")
	}

	// Withdraw: partial must leave rent, full closes the account.
	to := pubkeyOf("withdrawn to")
	wantInstrErr(t, f.send([]ed25519.PrivateKey{ok}, WithdrawNonceAccount(nonce, other, to, 1)), 0, ErrInsufficientFunds)
	wantInstrErr(t, f.send(nil, WithdrawNonceAccount(nonce, f.payer, to, f.acct(nonce).Lamports)), 0, ErrMissingRequiredSignature)
	full := f.acct(nonce).Lamports
	wantOK(t, f.send([]ed25519.PrivateKey{ok}, WithdrawNonceAccount(nonce, other, to, full)))
	if f.acct(to).Lamports != full {
		t.Fatal("withdrawal did not arrive")
	}
	if _, exists, _ := f.store.Account(nonce); exists {
		t.Fatal("an emptied nonce account must be removed")
	}
}

func TestSystem_NonceErrors(t *testing.T) {
	f := newSystemFixture(t)
	k, pk := keyFor("uninit")
	wantOK(t, f.send([]ed25519.PrivateKey{k}, CreateAccount(f.payer, pk, DefaultRent.MinimumBalance(NonceAccountSize), NonceAccountSize, SystemProgramID)))
	wantInstrErr(t, f.send(nil, AdvanceNonceAccount(pk, f.payer)), 0, ErrInvalidAccountData)
	wantInstrErr(t, f.send(nil, AuthorizeNonceAccount(pk, f.payer, f.payer)), 0, ErrInvalidAccountData)
	bad := InitializeNonceAccount(pk, f.payer)
	bad.Accounts[1].Pubkey = SysvarClockID
	wantInstrErr(t, f.send(nil, bad), 0, ErrInvalidArgument)

	k2, poor := keyFor("poor nonce")
	wantOK(t, f.send([]ed25519.PrivateKey{k2}, CreateAccount(f.payer, poor, DefaultRent.MinimumBalance(NonceAccountSize), NonceAccountSize, SystemProgramID)))
	// Take lamports out while uninitialized, then initialization lacks rent.
	r := f.send([]ed25519.PrivateKey{k2}, WithdrawNonceAccount(poor, poor, f.payer, 10), InitializeNonceAccount(poor, f.payer))
	wantInstrErr(t, r, 1, ErrInsufficientFunds)
	wantInstrErr(t, f.send(nil, UpgradeNonceAccount(pk)), 0, ErrInvalidArgument)
}

func TestSystem_UpgradeLegacyNonce(t *testing.T) {
	f := newSystemFixture(t)
	legacy := pubkeyOf("legacy nonce")
	blockhash := sol.Hash{42}
	st := NonceState{Version: nonceVersionLegacy, Initialized: true, Authority: f.payer, DurableNonce: blockhash, LamportsPerSignature: 5000}
	data := make([]byte, NonceAccountSize)
	st.encodeInto(data)
	f.store.Set(legacy, sol.Account{Lamports: DefaultRent.MinimumBalance(NonceAccountSize), Data: data})
	wantOK(t, f.send(nil, UpgradeNonceAccount(legacy)))
	got, _ := DecodeNonce(f.acct(legacy).Data)
	if got.Version != nonceVersionCurrent || got.DurableNonce != DurableNonceFromBlockhash(blockhash) {
		t.Fatalf("upgrade produced %+v", got)
	}
	wantInstrErr(t, f.send(nil, UpgradeNonceAccount(legacy)), 0, ErrInvalidArgument)
}

func TestDurableNonceTransaction(t *testing.T) {
	f := newSystemFixture(t)
	_, nonce := newNonce(t, f, "nonce")
	st, _ := DecodeNonce(f.acct(nonce).Data)
	// Age the nonce's blockhash out of the recent list.
	for i := 0; i < MaxRecentBlockhashes+1; i++ {
		f.run()
	}
	to := pubkeyOf("nonce payee")
	tx := signTx(t, st.DurableNonce, f.payerKey, nil, AdvanceNonceAccount(nonce, f.payer), Transfer(f.payer, to, rentFor0))
	wantOK(t, f.run1(tx))
	if f.acct(to).Lamports != rentFor0 {
		t.Fatal("durable-nonce transfer did not land")
	}
	// A replay is refused: the status cache knows it, and the nonce moved on.
	wantTxErr(t, f.run1(tx), AlreadyProcessed)
	other := signTx(t, st.DurableNonce, f.payerKey, nil, AdvanceNonceAccount(nonce, f.payer), Transfer(f.payer, to, rentFor0+1))
	wantTxErr(t, f.run1(other), BlockhashNotFound)

	// A failing durable-nonce transaction still advances the nonce and pays the fee.
	st, _ = DecodeNonce(f.acct(nonce).Data)
	payerBefore := f.acct(f.payer).Lamports
	failing := signTx(t, st.DurableNonce, f.payerKey, nil, AdvanceNonceAccount(nonce, f.payer), Transfer(f.payer, to, 1<<62))
	r := f.run1(failing)
	wantInstrErr(t, r, 1, NewCustomError(SysErrResultWithNegativeLamports))
	if after, _ := DecodeNonce(f.acct(nonce).Data); after.DurableNonce == st.DurableNonce {
		t.Fatal("failed durable-nonce transaction did not advance the nonce")
	}
	if f.acct(f.payer).Lamports != payerBefore-LamportsPerSignature {
		t.Fatal("fee not charged on failure")
	}
}
