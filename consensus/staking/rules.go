package staking

import (
	"fmt"

	"github.com/atoll-dev/atoll/consensus/codec"
	"github.com/atoll-dev/atoll/consensus/service"
	"github.com/atoll-dev/atoll/consensus/state"
)

// Transfer moves amount from one general balance to another.
func Transfer(kv state.KV, from, to Address, amount uint64) error {
	if from == to {
		src := GetAccount(kv, from)
		if src.General.Balance < amount {
			return fmt.Errorf("%w: %s has %d, needs %d", ErrInsufficientBalance, from, src.General.Balance, amount)
		}
		return nil
	}
	src := GetAccount(kv, from)
	if src.General.Balance < amount {
		return fmt.Errorf("%w: %s has %d, needs %d", ErrInsufficientBalance, from, src.General.Balance, amount)
	}
	dst := GetAccount(kv, to)
	nb, err := add(dst.General.Balance, amount)
	if err != nil {
		return err
	}
	src.General.Balance -= amount
	dst.General.Balance = nb
	SetAccount(kv, from, src)
	SetAccount(kv, to, dst)
	return nil
}

// Allow changes the amount beneficiary may withdraw from owner by delta
// (negative to reduce, saturating at zero).
func Allow(kv state.KV, owner, beneficiary Address, delta int64) (uint64, error) {
	if owner == beneficiary {
		return 0, fmt.Errorf("%w: allowance to self", service.ErrInvalid)
	}
	acc := GetAccount(kv, owner)
	cur := acc.General.Allowances[beneficiary]
	var next uint64
	switch {
	case delta >= 0:
		var err error
		if next, err = add(cur, uint64(delta)); err != nil {
			return 0, err
		}
	case uint64(-delta) >= cur:
		next = 0
	default:
		next = cur - uint64(-delta)
	}
	if acc.General.Allowances == nil {
		acc.General.Allowances = map[Address]uint64{}
	}
	if next == 0 {
		delete(acc.General.Allowances, beneficiary)
	} else {
		acc.General.Allowances[beneficiary] = next
	}
	SetAccount(kv, owner, acc)
	return next, nil
}

// Withdraw moves amount from owner to beneficiary within the allowance
// owner granted beneficiary.
func Withdraw(kv state.KV, owner, beneficiary Address, amount uint64) error {
	acc := GetAccount(kv, owner)
	allowed := acc.General.Allowances[beneficiary]
	if allowed < amount {
		return fmt.Errorf("%w: allowance of %s from %s is %d, withdrawing %d", service.ErrForbidden, beneficiary, owner, allowed, amount)
	}
	if allowed == amount {
		delete(acc.General.Allowances, beneficiary)
	} else {
		acc.General.Allowances[beneficiary] = allowed - amount
	}
	SetAccount(kv, owner, acc)
	return Transfer(kv, owner, beneficiary, amount)
}

// AddEscrow moves amount from delegator's general balance into escrow's
// active pool and returns the shares issued.
func AddEscrow(kv state.KV, delegator, escrow Address, amount uint64) (uint64, error) {
	if amount == 0 {
		return 0, fmt.Errorf("%w: zero escrow", service.ErrInvalid)
	}
	src := GetAccount(kv, delegator)
	if src.General.Balance < amount {
		return 0, fmt.Errorf("%w: %s has %d, escrowing %d", ErrInsufficientBalance, delegator, src.General.Balance, amount)
	}
	src.General.Balance -= amount
	SetAccount(kv, delegator, src)

	dst := GetAccount(kv, escrow)
	shares, err := dst.Escrow.Active.sharesFor(amount)
	if err != nil {
		return 0, err
	}
	if shares == 0 {
		return 0, fmt.Errorf("%w: %d buys no shares", service.ErrInvalid, amount)
	}
	if dst.Escrow.Active.Balance, err = add(dst.Escrow.Active.Balance, amount); err != nil {
		return 0, err
	}
	if dst.Escrow.Active.TotalShares, err = add(dst.Escrow.Active.TotalShares, shares); err != nil {
		return 0, err
	}
	SetAccount(kv, escrow, dst)
	d := getDelegation(kv, escrow, delegator)
	d.Shares += shares
	setDelegation(kv, escrow, delegator, d)
	return shares, nil
}

// ReclaimEscrow moves shares of delegator's active stake in escrow to the
// debonding pool; they are paid out at the end of epoch now+interval.
// It returns the amount that started debonding and the epoch it ends.
func ReclaimEscrow(kv state.KV, delegator, escrow Address, shares uint64, now uint64) (uint64, uint64, error) {
	d := getDelegation(kv, escrow, delegator)
	if shares == 0 || d.Shares < shares {
		return 0, 0, fmt.Errorf("%w: %s holds %d shares of %s, reclaiming %d", ErrInsufficientShares, delegator, d.Shares, escrow, shares)
	}
	acc := GetAccount(kv, escrow)
	amount, err := acc.Escrow.Active.amountFor(shares)
	if err != nil {
		return 0, 0, err
	}
	acc.Escrow.Active.Balance -= amount
	acc.Escrow.Active.TotalShares -= shares
	dshares, err := acc.Escrow.Debonding.sharesFor(amount)
	if err != nil {
		return 0, 0, err
	}
	acc.Escrow.Debonding.Balance += amount
	acc.Escrow.Debonding.TotalShares += dshares
	SetAccount(kv, escrow, acc)
	d.Shares -= shares
	setDelegation(kv, escrow, delegator, d)

	end := now + GetParams(kv).DebondingInterval
	var deb DebondingDelegation
	key := debondKey(end, escrow, delegator)
	if raw := kv.Get(key); raw != nil {
		mustDecode(raw, &deb)
	}
	deb.Shares += dshares
	deb.DebondEnd = end
	kv.Set(key, codec.Marshal(&deb))
	return amount, end, nil
}

// ProcessDebonding pays out every debonding delegation that ends at or
// before epoch, in key order, and returns how many it paid.
func ProcessDebonding(ctx *service.Context) (int, error) {
	type due struct {
		key               []byte
		escrow, delegator Address
		deb               DebondingDelegation
	}
	var list []due
	ctx.KV.Iterate(prefixDebond, func(k, v []byte) bool {
		var d due
		d.key = k
		rest := k[len(prefixDebond):]
		var deb DebondingDelegation
		mustDecode(v, &deb)
		if deb.DebondEnd > ctx.Epoch {
			return false
		}
		copy(d.escrow[:], rest[8:8+AddressSize])
		copy(d.delegator[:], rest[8+AddressSize:])
		d.deb = deb
		list = append(list, d)
		return true
	})
	for _, d := range list {
		acc := GetAccount(ctx.KV, d.escrow)
		amount, err := acc.Escrow.Debonding.amountFor(d.deb.Shares)
		if err != nil {
			return 0, err
		}
		acc.Escrow.Debonding.Balance -= amount
		acc.Escrow.Debonding.TotalShares -= d.deb.Shares
		SetAccount(ctx.KV, d.escrow, acc)
		dst := GetAccount(ctx.KV, d.delegator)
		if dst.General.Balance, err = add(dst.General.Balance, amount); err != nil {
			return 0, err
		}
		SetAccount(ctx.KV, d.delegator, dst)
		ctx.KV.Delete(d.key)
		ctx.Emit("staking.debonding_paid", "escrow", d.escrow.String(), "delegator", d.delegator.String(), "amount", fmt.Sprint(amount))
	}
	return len(list), nil
}

// Slash takes up to amount from escrow's stake, active pool first, then the
// debonding pool, so stake that is leaving can still be punished. The taken
// stake goes to the common pool. It returns the amount actually slashed.
func Slash(ctx *service.Context, escrow Address, reason SlashReason, amount uint64) (uint64, error) {
	acc := GetAccount(ctx.KV, escrow)
	fromActive := min(amount, acc.Escrow.Active.Balance)
	acc.Escrow.Active.Balance -= fromActive
	fromDebonding := min(amount-fromActive, acc.Escrow.Debonding.Balance)
	acc.Escrow.Debonding.Balance -= fromDebonding
	SetAccount(ctx.KV, escrow, acc)
	taken := fromActive + fromDebonding
	pool := GetAccount(ctx.KV, CommonPoolAddress)
	var err error
	if pool.General.Balance, err = add(pool.General.Balance, taken); err != nil {
		return 0, err
	}
	SetAccount(ctx.KV, CommonPoolAddress, pool)
	ctx.Emit("staking.slashed", "escrow", escrow.String(), "reason", string(reason), "amount", fmt.Sprint(taken))
	return taken, nil
}

// EscrowBalance is the active stake of an escrow account.
func EscrowBalance(kv state.KV, a Address) uint64 { return GetAccount(kv, a).Escrow.Active.Balance }

// GasFor returns the gas method costs under p.
func (p *Params) GasFor(method string) uint64 {
	if g, ok := p.GasCosts[method]; ok {
		return g
	}
	return p.DefaultGas
}

// CheckNonce verifies nonce is the next nonce of the signer's account.
func CheckNonce(kv state.KV, a Address, nonce uint64) error {
	if want := GetAccount(kv, a).General.Nonce; nonce != want {
		return fmt.Errorf("%w: account %s expects nonce %d, got %d", ErrBadNonce, a, want, nonce)
	}
	return nil
}

// ChargeFee verifies the fee covers method's gas at the minimum price,
// moves it to the common pool and increments the nonce. It is the first
// state change of every transaction and is kept even if the method fails.
func ChargeFee(kv state.KV, a Address, method string, gas, amount uint64) error {
	p := GetParams(kv)
	if need := p.GasFor(method); gas < need {
		return fmt.Errorf("%w: %s needs %d gas, fee offers %d", ErrFeeTooLow, method, need, gas)
	}
	price, err := mulDiv(gas, p.MinGasPrice, 1)
	if err != nil {
		return err
	}
	if amount < price {
		return fmt.Errorf("%w: %d gas at minimum price %d costs %d, fee is %d", ErrFeeTooLow, gas, p.MinGasPrice, price, amount)
	}
	acc := GetAccount(kv, a)
	if acc.General.Balance < amount {
		return fmt.Errorf("%w: %s has %d, fee is %d", ErrInsufficientBalance, a, acc.General.Balance, amount)
	}
	acc.General.Balance -= amount
	acc.General.Nonce++
	SetAccount(kv, a, acc)
	if amount > 0 {
		pool := GetAccount(kv, CommonPoolAddress)
		if pool.General.Balance, err = add(pool.General.Balance, amount); err != nil {
			return err
		}
		SetAccount(kv, CommonPoolAddress, pool)
	}
	return nil
}

// TotalSupply sums every general, active and debonding balance; used by
// invariant checks.
func TotalSupply(kv state.KV) uint64 {
	var total uint64
	Accounts(kv, func(_ Address, acc Account) bool {
		total += acc.General.Balance + acc.Escrow.Active.Balance + acc.Escrow.Debonding.Balance
		return true
	})
	return total
}
