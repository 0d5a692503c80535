package svm

import (
	"github.com/atoll-dev/atoll/runtime/svm/sol"
)

// preAccount is an instruction account's state before the program ran.
type preAccount struct {
	txIndex  int
	writable bool
	account  sol.Account
}

// snapshot copies the instruction's distinct accounts (first occurrence wins
// for the writable flag, as in Solana).
func snapshot(accts []InstrAccount) []preAccount {
	pre := make([]preAccount, 0, len(accts))
outer:
	for i := range accts {
		for j := range pre {
			if pre[j].txIndex == accts[i].TxIndex {
				continue outer
			}
		}
		pre = append(pre, preAccount{txIndex: accts[i].TxIndex, writable: accts[i].Writable, account: accts[i].Account.Clone()})
	}
	return pre
}

// verifyAccount applies the seven rules of the access policy to one account
// that program may have changed from pre to post.
func verifyAccount(program sol.Pubkey, writable bool, pre, post *sol.Account, rent Rent) error {
	// 1. Only the owner may change the owner, and only of a writable,
	// non-executable account whose data is zero-initialized or empty.
	if pre.Owner != post.Owner && (!writable || pre.Executable || program != pre.Owner || !isZeroed(post.Data)) {
		return ErrModifiedProgramID
	}
	// 2. An account not assigned to the program cannot have its balance decrease.
	if program != pre.Owner && post.Lamports < pre.Lamports {
		return ErrExternalAccountLamportSpend
	}
	// 3. The balance of read-only and executable accounts may not change.
	if pre.Lamports != post.Lamports {
		if !writable {
			return ErrReadonlyLamportChange
		}
		if pre.Executable {
			return ErrExecutableLamportChange
		}
	}
	// 4. Only the system program can change the data size, and only of
	// accounts the system program owns.
	if len(pre.Data) != len(post.Data) && (program != SystemProgramID || pre.Owner != SystemProgramID) {
		return ErrAccountDataSizeChanged
	}
	// 5. Only the owner may change data, and only if writable and not executable.
	if !(program == pre.Owner && writable && !pre.Executable) && string(pre.Data) != string(post.Data) {
		switch {
		case pre.Executable:
			return ErrExecutableDataModified
		case writable:
			return ErrExternalAccountDataModified
		default:
			return ErrReadonlyDataModified
		}
	}
	// 6. Executable is one-way (false to true) and only the owner may set it.
	if pre.Executable != post.Executable {
		if !rent.IsExempt(post.Lamports, len(post.Data)) {
			return ErrExecutableNotRentExempt
		}
		if !writable || pre.Executable || program != post.Owner {
			return ErrExecutableModified
		}
	}
	// 7. No one may modify rent_epoch.
	if pre.RentEpoch != post.RentEpoch {
		return ErrRentEpochModified
	}
	return nil
}

func isZeroed(b []byte) bool {
	for _, c := range b {
		if c != 0 {
			return false
		}
	}
	return true
}

// verifyInstruction checks every account against its snapshot and that the
// instruction neither created nor destroyed lamports.
func verifyInstruction(program sol.Pubkey, pre []preAccount, accounts []sol.Account, rent Rent) error {
	var preSum, postSum uint128
	for i := range pre {
		p := &pre[i]
		post := &accounts[p.txIndex]
		if err := verifyAccount(program, p.writable, &p.account, post, rent); err != nil {
			return err
		}
		preSum = preSum.add(p.account.Lamports)
		postSum = postSum.add(post.Lamports)
	}
	if preSum != postSum {
		return ErrUnbalancedInstruction
	}
	return nil
}

// uint128 sums lamports without overflow: 256 accounts of u64 fit easily.
type uint128 struct{ hi, lo uint64 }

func (u uint128) add(v uint64) uint128 {
	lo := u.lo + v
	hi := u.hi
	if lo < u.lo {
		hi++
	}
	return uint128{hi, lo}
}
