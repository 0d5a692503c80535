package svm

import "github.com/atoll-dev/atoll/runtime/svm/sol"

// requireSysvar checks that instruction account i is the named sysvar.
func (s systemCall) requireSysvar(i int, id sol.Pubkey) error {
	a, err := s.account(i)
	if err != nil {
		return err
	}
	if a.Key != id {
		return ErrInvalidArgument
	}
	return nil
}

// nonceAccount returns instruction account 0 and its decoded state.
func (s systemCall) nonceAccount(what string) (*InstrAccount, NonceState, error) {
	a, err := s.account(0)
	if err != nil {
		return nil, NonceState{}, err
	}
	if !a.Writable {
		s.logf("%s: Account %s must be writeable", what, a.Key)
		return nil, NonceState{}, ErrInvalidArgument
	}
	st, ok := DecodeNonce(a.Account.Data)
	if !ok {
		return nil, NonceState{}, ErrInvalidAccountData
	}
	return a, st, nil
}

func (s systemCall) storeNonce(a *InstrAccount, st NonceState) error {
	if len(a.Account.Data) < NonceAccountSize {
		return ErrAccountDataTooSmall
	}
	st.encodeInto(a.Account.Data[:NonceAccountSize])
	return nil
}

func (s systemCall) nextDurableNonce() sol.Hash {
	return DurableNonceFromBlockhash(s.ctx.Block().latestBlockhash())
}

func (s systemCall) advanceNonce() error {
	if err := s.requireSysvar(1, SysvarRecentBlockhashID); err != nil {
		return err
	}
	if len(s.ctx.Block().RecentBlockhashes) == 0 {
		s.logf("Advance nonce account: recent blockhash list is empty")
		return NewCustomError(SysErrNonceNoRecentBlockhashes)
	}
	a, st, err := s.nonceAccount("Advance nonce account")
	if err != nil {
		return err
	}
	if !st.Initialized {
		s.logf("Advance nonce account: Account %s state is invalid", a.Key)
		return ErrInvalidAccountData
	}
	if !s.isSigner(st.Authority) {
		s.logf("Advance nonce account: Account %s must be a signer", st.Authority)
		return ErrMissingRequiredSignature
	}
	next := s.nextDurableNonce()
	if st.DurableNonce == next {
		s.logf("Advance nonce account: nonce can only advance once per slot")
		return NewCustomError(SysErrNonceBlockhashNotExpired)
	}
	st = NonceState{Version: nonceVersionCurrent, Initialized: true, Authority: st.Authority, DurableNonce: next, LamportsPerSignature: LamportsPerSignature}
	return s.storeNonce(a, st)
}

func (s systemCall) withdrawNonce(lamports uint64) error {
	if s.ctx.NumAccounts() < 2 {
		return ErrNotEnoughAccountKeys
	}
	if err := s.requireSysvar(2, SysvarRecentBlockhashID); err != nil {
		return err
	}
	if err := s.requireSysvar(3, SysvarRentID); err != nil {
		return err
	}
	from, st, err := s.nonceAccount("Withdraw nonce account")
	if err != nil {
		return err
	}
	signer := from.Key
	if !st.Initialized {
		if lamports > from.Account.Lamports {
			s.logf("Withdraw nonce account: insufficient lamports %d, need %d", from.Account.Lamports, lamports)
			return ErrInsufficientFunds
		}
	} else {
		if lamports == from.Account.Lamports {
			if st.DurableNonce == s.nextDurableNonce() {
				s.logf("Withdraw nonce account: nonce can only advance once per slot")
				return NewCustomError(SysErrNonceBlockhashNotExpired)
			}
			if err := s.storeNonce(from, NonceState{Version: nonceVersionCurrent}); err != nil {
				return err
			}
		} else {
			need := lamports + s.ctx.Rent().MinimumBalance(len(from.Account.Data))
			if need < lamports || need > from.Account.Lamports {
				s.logf("Withdraw nonce account: insufficient lamports %d, need %d", from.Account.Lamports, need)
				return ErrInsufficientFunds
			}
		}
		signer = st.Authority
	}
	if !s.isSigner(signer) {
		s.logf("Withdraw nonce account: Account %s must sign", signer)
		return ErrMissingRequiredSignature
	}
	to, _ := s.account(1)
	from.Account.Lamports -= lamports
	if to.Account.Lamports+lamports < to.Account.Lamports {
		return ErrArithmeticOverflow
	}
	to.Account.Lamports += lamports
	return nil
}

func (s systemCall) initializeNonce(authority sol.Pubkey) error {
	if err := s.requireSysvar(1, SysvarRecentBlockhashID); err != nil {
		return err
	}
	if len(s.ctx.Block().RecentBlockhashes) == 0 {
		s.logf("Initialize nonce account: recent blockhash list is empty")
		return NewCustomError(SysErrNonceNoRecentBlockhashes)
	}
	if err := s.requireSysvar(2, SysvarRentID); err != nil {
		return err
	}
	a, st, err := s.nonceAccount("Initialize nonce account")
	if err != nil {
		return err
	}
	if st.Initialized {
		s.logf("Initialize nonce account: Account %s state is invalid", a.Key)
		return ErrInvalidAccountData
	}
	if need := s.ctx.Rent().MinimumBalance(len(a.Account.Data)); a.Account.Lamports < need {
		s.logf("Initialize nonce account: insufficient lamports %d, need %d", a.Account.Lamports, need)
		return ErrInsufficientFunds
	}
	return s.storeNonce(a, NonceState{Version: nonceVersionCurrent, Initialized: true, Authority: authority,
		DurableNonce: s.nextDurableNonce(), LamportsPerSignature: LamportsPerSignature})
}

func (s systemCall) authorizeNonce(newAuthority sol.Pubkey) error {
	a, st, err := s.nonceAccount("Authorize nonce account")
	if err != nil {
		return err
	}
	if !st.Initialized {
		s.logf("Authorize nonce account: Account %s state is invalid", a.Key)
		return ErrInvalidAccountData
	}
	if !s.isSigner(st.Authority) {
		s.logf("Authorize nonce account: Account %s must sign", st.Authority)
		return ErrMissingRequiredSignature
	}
	st.Authority = newAuthority
	return s.storeNonce(a, st)
}

func (s systemCall) upgradeNonce() error {
	a, err := s.account(0)
	if err != nil {
		return err
	}
	if a.Account.Owner != SystemProgramID {
		return ErrInvalidAccountOwner
	}
	if !a.Writable {
		return ErrInvalidArgument
	}
	st, ok := DecodeNonce(a.Account.Data)
	if !ok {
		return ErrInvalidAccountData
	}
	if st.Version != nonceVersionLegacy || !st.Initialized {
		return ErrInvalidArgument
	}
	// A legacy nonce stored the blockhash itself; the current version stores
	// its durable-nonce hash.
	st.Version = nonceVersionCurrent
	st.DurableNonce = DurableNonceFromBlockhash(st.DurableNonce)
	return s.storeNonce(a, st)
}
