package svm

import (
	"fmt"

	"github.com/atoll-dev/atoll/runtime/svm/sol"
)

// processSystem is the system program: account creation, allocation,
// assignment, transfers and durable nonces, with Solana's layouts, account
// lists, checks and error codes.
func processSystem(ctx *InvokeContext) error {
	if err := ctx.Meter().Consume(builtinUnits); err != nil {
		return err
	}
	in, err := DecodeSystemInstruction(ctx.Data)
	if err != nil {
		return err
	}
	s := systemCall{ctx: ctx}
	switch in.Tag {
	case sysCreateAccount:
		to, err := s.account(1)
		if err != nil {
			return err
		}
		return s.createAccount(0, 1, address{key: to.Key}, in.Lamports, in.Space, in.Owner)
	case sysAssign:
		a, err := s.account(0)
		if err != nil {
			return err
		}
		return s.assign(a, address{key: a.Key}, in.Owner)
	case sysTransfer:
		return s.transfer(0, 1, in.Lamports)
	case sysCreateAccountWithSeed:
		to, err := s.account(1)
		if err != nil {
			return err
		}
		addr, err := s.seededAddress(to.Key, in.Base, in.Seed, in.Owner)
		if err != nil {
			return err
		}
		return s.createAccount(0, 1, addr, in.Lamports, in.Space, in.Owner)
	case sysAdvanceNonceAccount:
		return s.advanceNonce()
	case sysWithdrawNonceAccount:
		return s.withdrawNonce(in.Lamports)
	case sysInitializeNonceAccount:
		return s.initializeNonce(in.Authority)
	case sysAuthorizeNonceAccount:
		return s.authorizeNonce(in.Authority)
	case sysAllocate:
		a, err := s.account(0)
		if err != nil {
			return err
		}
		return s.allocate(a, address{key: a.Key}, in.Space)
	case sysAllocateWithSeed:
		a, err := s.account(0)
		if err != nil {
			return err
		}
		addr, err := s.seededAddress(a.Key, in.Base, in.Seed, in.Owner)
		if err != nil {
			return err
		}
		if err := s.allocate(a, addr, in.Space); err != nil {
			return err
		}
		return s.assign(a, addr, in.Owner)
	case sysAssignWithSeed:
		a, err := s.account(0)
		if err != nil {
			return err
		}
		addr, err := s.seededAddress(a.Key, in.Base, in.Seed, in.Owner)
		if err != nil {
			return err
		}
		return s.assign(a, addr, in.Owner)
	case sysTransferWithSeed:
		return s.transferWithSeed(in.Lamports, in.Seed, in.Owner)
	case sysUpgradeNonceAccount:
		return s.upgradeNonce()
	}
	return ErrInvalidInstructionData
}

type systemCall struct{ ctx *InvokeContext }

func (s systemCall) logf(format string, args ...any) { s.ctx.Log(fmt.Sprintf(format, args...)) }

func (s systemCall) account(i int) (*InstrAccount, error) { return s.ctx.Account(i) }

// isSigner reports whether any instruction account with key k signs.
func (s systemCall) isSigner(k sol.Pubkey) bool {
	for _, a := range s.ctx.Accounts() {
		if a.Key == k && a.Signer {
			return true
		}
	}
	return false
}

// address is an account address and, for *WithSeed instructions, the base
// key that signs for it.
type address struct {
	key     sol.Pubkey
	base    sol.Pubkey
	hasBase bool
}

func (s systemCall) signed(a address) bool {
	if a.hasBase {
		return s.isSigner(a.base)
	}
	return s.isSigner(a.key)
}

func (s systemCall) seededAddress(key, base sol.Pubkey, seed string, owner sol.Pubkey) (address, error) {
	derived, err := sol.CreateWithSeed(base, seed, owner)
	switch err {
	case nil:
	case sol.ErrIllegalOwner:
		return address{}, ErrIllegalOwner
	default:
		return address{}, ErrMaxSeedLengthExceeded
	}
	if derived != key {
		s.logf("Create: address %s does not match derived address %s", key, derived)
		return address{}, NewCustomError(SysErrAddressWithSeedMismatch)
	}
	return address{key: key, base: base, hasBase: true}, nil
}

func (s systemCall) allocate(a *InstrAccount, addr address, space uint64) error {
	if !s.signed(addr) {
		s.logf("Allocate: 'to' account %s must sign", addr.key)
		return ErrMissingRequiredSignature
	}
	if len(a.Account.Data) != 0 || a.Account.Owner != SystemProgramID {
		s.logf("Allocate: account %s already in use", addr.key)
		return NewCustomError(SysErrAccountAlreadyInUse)
	}
	if space > sol.MaxAccountDataSize {
		s.logf("Allocate: requested %d, max allowed %d", space, sol.MaxAccountDataSize)
		return NewCustomError(SysErrInvalidAccountDataLength)
	}
	a.Account.Data = make([]byte, space)
	return nil
}

func (s systemCall) assign(a *InstrAccount, addr address, owner sol.Pubkey) error {
	if a.Account.Owner == owner {
		return nil
	}
	if !s.signed(addr) {
		s.logf("Assign: account %s must sign", addr.key)
		return ErrMissingRequiredSignature
	}
	a.Account.Owner = owner
	return nil
}

func (s systemCall) createAccount(fromIdx, toIdx int, addr address, lamports, space uint64, owner sol.Pubkey) error {
	to, err := s.account(toIdx)
	if err != nil {
		return err
	}
	if to.Account.Lamports > 0 {
		s.logf("Create Account: account %s already in use", addr.key)
		return NewCustomError(SysErrAccountAlreadyInUse)
	}
	if err := s.allocate(to, addr, space); err != nil {
		return err
	}
	if err := s.assign(to, addr, owner); err != nil {
		return err
	}
	return s.transfer(fromIdx, toIdx, lamports)
}

func (s systemCall) transfer(fromIdx, toIdx int, lamports uint64) error {
	from, err := s.account(fromIdx)
	if err != nil {
		return err
	}
	if !from.Signer {
		s.logf("Transfer: `from` account %s must sign", from.Key)
		return ErrMissingRequiredSignature
	}
	return s.transferVerified(from, toIdx, lamports)
}

func (s systemCall) transferVerified(from *InstrAccount, toIdx int, lamports uint64) error {
	to, err := s.account(toIdx)
	if err != nil {
		return err
	}
	if len(from.Account.Data) != 0 {
		s.logf("Transfer: `from` must not carry data")
		return ErrInvalidArgument
	}
	if lamports > from.Account.Lamports {
		s.logf("Transfer: insufficient lamports %d, need %d", from.Account.Lamports, lamports)
		return NewCustomError(SysErrResultWithNegativeLamports)
	}
	from.Account.Lamports -= lamports
	if to.Account.Lamports+lamports < to.Account.Lamports {
		return ErrArithmeticOverflow
	}
	to.Account.Lamports += lamports
	return nil
}

func (s systemCall) transferWithSeed(lamports uint64, seed string, owner sol.Pubkey) error {
	if s.ctx.NumAccounts() < 3 {
		return ErrNotEnoughAccountKeys
	}
	from, _ := s.account(0)
	base, _ := s.account(1)
	if !base.Signer {
		s.logf("Transfer: 'from' account %s must sign", base.Key)
		return ErrMissingRequiredSignature
	}
	derived, err := sol.CreateWithSeed(base.Key, seed, owner)
	if err != nil {
		if err == sol.ErrIllegalOwner {
			return ErrIllegalOwner
		}
		return ErrMaxSeedLengthExceeded
	}
	if derived != from.Key {
		s.logf("Transfer: 'from' address %s does not match derived address %s", from.Key, derived)
		return NewCustomError(SysErrAddressWithSeedMismatch)
	}
	return s.transferVerified(from, 2, lamports)
}
