package crosslayer

import (
	"crypto/ed25519"
	"crypto/sha256"
	"testing"

	"github.com/atoll-dev/atoll/consensus/codec"
	"github.com/atoll-dev/atoll/consensus/roothash/api"
	"github.com/atoll-dev/atoll/consensus/staking"
	"github.com/atoll-dev/atoll/runtime/svm"
	"github.com/atoll-dev/atoll/runtime/svm/sol"
)

func key(name string) (ed25519.PrivateKey, sol.Pubkey) {
	seed := sha256.Sum256([]byte(name))
	k := ed25519.NewKeyFromSeed(seed[:])
	var pk sol.Pubkey
	copy(pk[:], k.Public().(ed25519.PublicKey))
	return k, pk
}

func supply(s *svm.MapStore) uint64 {
	var total uint64
	for _, k := range s.Keys() {
		a, _, _ := s.Account(k)
		if a.Owner == svm.SysvarOwnerID || a.Owner == svm.NativeLoaderID {
			continue // minted by the runtime for its own records
		}
		total += a.Lamports
	}
	return total
}

// TestWithdrawAndDeposit moves value out to the consensus layer and back in,
// and checks that the runtime's supply changes by exactly what crossed.
func TestWithdrawAndDeposit(t *testing.T) {
	store := svm.NewMapStore()
	exec := svm.NewExecutor(store, Option())
	if err := store.Apply(exec.GenesisAccounts()); err != nil {
		t.Fatal(err)
	}
	ownerKey, owner := key("owner")
	store.Set(owner, sol.Account{Lamports: 10_000_000_000})
	to := staking.Address{7, 7, 7}
	bh := sol.Hash{1}
	blk := &svm.BlockContext{Slot: 1, RecentBlockhashes: []svm.BlockhashEntry{{Hash: bh}}}
	sign := func(ins sol.Instruction) []byte {
		msg, _ := sol.NewLegacyMessage(owner, bh, ins)
		tx := sol.Transaction{Message: msg}
		if err := tx.Sign(ownerKey); err != nil {
			t.Fatal(err)
		}
		b, _ := tx.MarshalBinary()
		return b
	}
	before := supply(store)
	res, err := exec.ExecuteBatch(blk, [][]byte{sign(Withdraw(owner, to, 3_000_000_000)), sign(Withdraw(owner, to, 1<<62))})
	if err != nil {
		t.Fatal(err)
	}
	if r := res.Results[0]; r.Err != nil || len(r.Messages) != 1 {
		t.Fatalf("withdraw: %v, %d messages, logs %q", r.Err, len(r.Messages), r.Logs)
	}
	if r := res.Results[1]; r.Err == nil || len(r.Messages) != 0 {
		t.Fatalf("an over-withdrawal succeeded or kept its message: %v", r.Err)
	}
	var m api.Message
	if err := codec.Unmarshal(res.Results[0].Messages[0], &m); err != nil || m.Staking == nil || m.Staking.Transfer == nil ||
		m.Staking.Transfer.To != to || m.Staking.Transfer.Amount != 3_000_000_000 {
		t.Fatalf("message %+v, %v", m, err)
	}
	if res.Burned != 3_000_000_000 {
		t.Fatalf("burned %d", res.Burned)
	}
	if err := store.Apply(res.Writes); err != nil {
		t.Fatal(err)
	}
	fees := res.Results[0].Fee + res.Results[1].Fee
	if got := supply(store); got != before-3_000_000_000-fees {
		t.Fatalf("supply %d, want %d", got, before-3_000_000_000-fees)
	}

	// A deposit comes back in before the next batch's transactions.
	_, recipient := key("recipient")
	blk = &svm.BlockContext{Slot: 2, RecentBlockhashes: []svm.BlockhashEntry{{Hash: sol.Hash{2}}, {Hash: bh}},
		Deposits: []svm.Deposit{{Recipient: recipient, Lamports: 2_000_000_000}}}
	res, err = exec.ExecuteBatch(blk, nil)
	if err != nil {
		t.Fatal(err)
	}
	if err := store.Apply(res.Writes); err != nil {
		t.Fatal(err)
	}
	if a, _, _ := store.Account(recipient); a.Lamports != 2_000_000_000 {
		t.Fatalf("deposit credited %d", a.Lamports)
	}
	if got := supply(store); got != before-3_000_000_000-fees+2_000_000_000 {
		t.Fatalf("supply after deposit %d", got)
	}
}

func TestWithdraw_Rejects(t *testing.T) {
	if _, _, err := DecodeWithdraw([]byte{0, 1}); err == nil {
		t.Fatal("short data accepted")
	}
	ix := Withdraw(sol.Pubkey{1}, staking.Address{}, 5)
	to, n, err := DecodeWithdraw(ix.Data)
	if err != nil || n != 5 || to != (staking.Address{}) {
		t.Fatalf("round trip: %v %d", err, n)
	}
}

func FuzzDecodeWithdraw(f *testing.F) {
	f.Add(Withdraw(sol.Pubkey{1}, staking.Address{2}, 9).Data)
	f.Fuzz(func(t *testing.T, b []byte) {
		to, n, err := DecodeWithdraw(b)
		if err != nil {
			return
		}
		if again := Withdraw(sol.Pubkey{}, to, n).Data; string(again) != string(b) {
			t.Fatal("decode is not the inverse of encode")
		}
	})
}
