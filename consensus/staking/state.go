package staking

import (
	"encoding/binary"
	"errors"
	"fmt"
	"math/bits"

	"github.com/atoll-dev/atoll/consensus/codec"
	"github.com/atoll-dev/atoll/consensus/service"
	"github.com/atoll-dev/atoll/consensus/state"
)

// Sentinel errors.
var (
	ErrInsufficientBalance = fmt.Errorf("staking: insufficient balance: %w", service.ErrFunds)
	ErrInsufficientShares  = fmt.Errorf("staking: insufficient shares: %w", service.ErrFunds)
	ErrOverflow            = errors.New("staking: amount overflow")
	ErrBadNonce            = errors.New("staking: invalid nonce")
	ErrFeeTooLow           = errors.New("staking: fee too low")
)

var (
	keyParams     = []byte("staking/params")
	prefixAccount = []byte("staking/acct/")
	prefixDeleg   = []byte("staking/deleg/")  // escrow | delegator
	prefixDebond  = []byte("staking/debond/") // u64be end | escrow | delegator
)

func accountKey(a Address) []byte { return append(append([]byte{}, prefixAccount...), a[:]...) }
func delegKey(escrow, delegator Address) []byte {
	return append(append(append([]byte{}, prefixDeleg...), escrow[:]...), delegator[:]...)
}
func debondKey(end uint64, escrow, delegator Address) []byte {
	k := binary.BigEndian.AppendUint64(append([]byte{}, prefixDebond...), end)
	return append(append(k, escrow[:]...), delegator[:]...)
}

func mustDecode(raw []byte, v any) {
	if err := codec.Unmarshal(raw, v); err != nil {
		// State is only written by this package; undecodable state is corruption.
		panic(&state.FatalError{Err: fmt.Errorf("staking: decoding %T: %w", v, err)})
	}
}

// GetParams reads the parameters.
func GetParams(kv state.KV) Params {
	var p Params
	if raw := kv.Get(keyParams); raw != nil {
		mustDecode(raw, &p)
	}
	return p
}

// SetParams writes the parameters.
func SetParams(kv state.KV, p Params) { kv.Set(keyParams, codec.Marshal(&p)) }

// GetAccount returns the account at a; absent accounts are empty.
func GetAccount(kv state.KV, a Address) Account {
	var acc Account
	if raw := kv.Get(accountKey(a)); raw != nil {
		mustDecode(raw, &acc)
	}
	return acc
}

// SetAccount writes the account; an all-empty account is deleted.
func SetAccount(kv state.KV, a Address, acc Account) {
	if acc.General.Balance == 0 && acc.General.Nonce == 0 && len(acc.General.Allowances) == 0 &&
		acc.Escrow == (Escrow{}) {
		kv.Delete(accountKey(a))
		return
	}
	kv.Set(accountKey(a), codec.Marshal(&acc))
}

// Accounts visits every account in address order.
func Accounts(kv state.KV, fn func(Address, Account) bool) {
	kv.Iterate(prefixAccount, func(k, v []byte) bool {
		var a Address
		copy(a[:], k[len(prefixAccount):])
		var acc Account
		mustDecode(v, &acc)
		return fn(a, acc)
	})
}

func getDelegation(kv state.KV, escrow, delegator Address) Delegation {
	var d Delegation
	if raw := kv.Get(delegKey(escrow, delegator)); raw != nil {
		mustDecode(raw, &d)
	}
	return d
}

func setDelegation(kv state.KV, escrow, delegator Address, d Delegation) {
	if d.Shares == 0 {
		kv.Delete(delegKey(escrow, delegator))
		return
	}
	kv.Set(delegKey(escrow, delegator), codec.Marshal(&d))
}

func add(a, b uint64) (uint64, error) {
	s, c := bits.Add64(a, b, 0)
	if c != 0 {
		return 0, ErrOverflow
	}
	return s, nil
}

// mulDiv returns a*b/c without intermediate overflow.
func mulDiv(a, b, c uint64) (uint64, error) {
	hi, lo := bits.Mul64(a, b)
	if c == 0 || hi >= c {
		return 0, ErrOverflow
	}
	q, _ := bits.Div64(hi, lo, c)
	return q, nil
}

// sharesFor returns the shares amount buys in pool p.
func (p SharePool) sharesFor(amount uint64) (uint64, error) {
	switch {
	case p.TotalShares == 0:
		return amount, nil
	case p.Balance == 0:
		// Every share was slashed to nothing; new stake must not be
		// diluted into worthless shares, nor inflate them.
		return 0, fmt.Errorf("%w: escrow pool has shares but no balance", service.ErrInvalid)
	}
	return mulDiv(amount, p.TotalShares, p.Balance)
}

// amountFor returns the stake shares are worth in pool p.
func (p SharePool) amountFor(shares uint64) (uint64, error) {
	if p.TotalShares == 0 {
		return 0, nil
	}
	return mulDiv(shares, p.Balance, p.TotalShares)
}
