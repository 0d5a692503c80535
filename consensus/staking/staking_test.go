package staking

import (
	"errors"
	"testing"

	"github.com/atoll-dev/atoll/consensus/service"
	"github.com/atoll-dev/atoll/consensus/state"
)

var (
	alice = Address{1}
	bob   = Address{2}
	carol = Address{3}
)

func fund(t *testing.T) *service.Context {
	t.Helper()
	kv := state.NewMemKV()
	p := DefaultParams()
	p.MinGasPrice = 2
	SetParams(kv, p)
	for _, a := range []Address{alice, bob} {
		acc := GetAccount(kv, a)
		acc.General.Balance = 1000
		SetAccount(kv, a, acc)
	}
	return &service.Context{KV: kv, Mode: service.ModeSystem}
}

func TestTransfer_Allowance(t *testing.T) {
	ctx := fund(t)
	if err := Transfer(ctx.KV, alice, carol, 100); err != nil {
		t.Fatal(err)
	}
	if err := Transfer(ctx.KV, carol, alice, 101); !errors.Is(err, service.ErrFunds) {
		t.Fatalf("overdraft: %v", err)
	}
	if err := Withdraw(ctx.KV, alice, bob, 1); !errors.Is(err, service.ErrForbidden) {
		t.Fatalf("withdraw without allowance: %v", err)
	}
	if _, err := Allow(ctx.KV, alice, bob, 50); err != nil {
		t.Fatal(err)
	}
	if err := Withdraw(ctx.KV, alice, bob, 30); err != nil {
		t.Fatal(err)
	}
	if got := GetAccount(ctx.KV, alice).General.Allowances[bob]; got != 20 {
		t.Fatalf("allowance left %d, want 20", got)
	}
	if n, _ := Allow(ctx.KV, alice, bob, -100); n != 0 {
		t.Fatalf("negative delta saturates to 0, got %d", n)
	}
	if got := GetAccount(ctx.KV, bob).General.Balance; got != 1030 {
		t.Fatalf("bob %d, want 1030", got)
	}
}

func TestEscrow_DebondingAndSlashing(t *testing.T) {
	ctx := fund(t)
	if _, err := AddEscrow(ctx.KV, alice, carol, 600); err != nil {
		t.Fatal(err)
	}
	if _, err := AddEscrow(ctx.KV, bob, carol, 200); err != nil {
		t.Fatal(err)
	}
	// Slash a quarter: both delegators lose proportionally.
	taken, err := Slash(ctx, carol, SlashIncorrectResults, 200)
	if err != nil || taken != 200 {
		t.Fatalf("slashed %d, %v", taken, err)
	}
	amount, end, err := ReclaimEscrow(ctx.KV, bob, carol, 200, 10)
	if err != nil {
		t.Fatal(err)
	}
	if amount != 150 || end != 12 {
		t.Fatalf("bob reclaims %d ending %d, want 150 ending 12", amount, end)
	}
	// Debonding stake can still be slashed once active stake is gone.
	if _, _, err := ReclaimEscrow(ctx.KV, alice, carol, 600, 10); err != nil {
		t.Fatal(err)
	}
	taken, _ = Slash(ctx, carol, SlashEquivocation, 60)
	if taken != 60 {
		t.Fatalf("slashed %d from debonding, want 60", taken)
	}
	ctx.Epoch = 11
	if n, _ := ProcessDebonding(ctx); n != 0 {
		t.Fatalf("paid %d debonding delegations before the end epoch", n)
	}
	ctx.Epoch = 12
	if n, _ := ProcessDebonding(ctx); n != 2 {
		t.Fatalf("paid %d, want 2", n)
	}
	// 600 remaining debonded (600 escrowed - 200 - 60 slashed + ... ) split 450:150 then 10% slashed.
	if a, b := GetAccount(ctx.KV, alice).General.Balance, GetAccount(ctx.KV, bob).General.Balance; a != 400+405 || b != 800+135 {
		t.Fatalf("alice %d bob %d, want 805 935", a, b)
	}
	if pool := GetAccount(ctx.KV, CommonPoolAddress).General.Balance; pool != 260 {
		t.Fatalf("common pool %d, want 260", pool)
	}
	if TotalSupply(ctx.KV) != 2000 {
		t.Fatalf("supply %d, want 2000", TotalSupply(ctx.KV))
	}
}

func TestSlash_Amounts(t *testing.T) {
	cases := []struct{ active, debonding, slash, want uint64 }{
		{100, 0, 30, 30}, {100, 0, 130, 100}, {10, 50, 30, 30}, {0, 0, 5, 0},
	}
	for _, c := range cases {
		ctx := fund(t)
		acc := GetAccount(ctx.KV, carol)
		acc.Escrow.Active = SharePool{Balance: c.active, TotalShares: c.active}
		acc.Escrow.Debonding = SharePool{Balance: c.debonding, TotalShares: c.debonding}
		SetAccount(ctx.KV, carol, acc)
		if got, _ := Slash(ctx, carol, SlashLiveness, c.slash); got != c.want {
			t.Errorf("%+v: slashed %d", c, got)
		}
	}
}

func TestChargeFee_Accounting(t *testing.T) {
	ctx := fund(t)
	p := GetParams(ctx.KV)
	p.MinGasPrice = 1
	SetParams(ctx.KV, p)
	cases := []struct {
		gas, amount uint64
		want        error
	}{
		{1000, 600, ErrFeeTooLow}, // below min price
		{1000, 1000, nil},
		{999, 5000, ErrFeeTooLow},            // gas below the method's cost
		{1000, 1000, ErrInsufficientBalance}, // balance now 0
	}
	for i, c := range cases {
		if err := ChargeFee(ctx.KV, alice, "staking.Transfer", c.gas, c.amount); !errors.Is(err, c.want) {
			t.Errorf("case %d: %v, want %v", i, err, c.want)
		}
	}
	if err := CheckNonce(ctx.KV, alice, 0); !errors.Is(err, ErrBadNonce) {
		t.Fatalf("nonce not incremented: %v", err)
	}
	if got := GetAccount(ctx.KV, CommonPoolAddress).General.Balance; got != 1000 {
		t.Fatalf("pool %d", got)
	}
}

func TestAddress_Domains(t *testing.T) {
	if RuntimeAddress([32]byte{1}) == NewAddress([32]byte{1}) {
		t.Fatal("runtime and key addresses collide")
	}
	var a Address
	if err := a.UnmarshalText([]byte(alice.String())); err != nil || a != alice {
		t.Fatalf("text round trip: %v", err)
	}
}
