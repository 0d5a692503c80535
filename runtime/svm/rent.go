package svm

import "github.com/atoll-dev/atoll/runtime/svm/sol"

// Rent holds the rent parameters (Solana's defaults via DefaultRent).
type Rent struct {
	LamportsPerByteYear uint64
	ExemptionThreshold  float64
	BurnPercent         uint8
}

// DefaultRent is Solana's rent: 3,480 lamports per byte-year, exempt at two years.
var DefaultRent = Rent{LamportsPerByteYear: 3480, ExemptionThreshold: 2.0, BurnPercent: 50}

// accountStorageOverhead is the bytes of bookkeeping rent charges for every account.
const accountStorageOverhead = 128

// MinimumBalance is the rent-exempt minimum for an account of dataLen bytes.
// A single multiplication of float64 is exact IEEE arithmetic, so every node
// computes the same value.
func (r Rent) MinimumBalance(dataLen int) uint64 {
	bytes := uint64(accountStorageOverhead + dataLen)
	return uint64(float64(bytes*r.LamportsPerByteYear) * r.ExemptionThreshold)
}

// IsExempt reports whether lamports cover the minimum for dataLen bytes.
func (r Rent) IsExempt(lamports uint64, dataLen int) bool {
	return lamports >= r.MinimumBalance(dataLen)
}

// rentState classifies an account as Solana's rent-state transition check does.
type rentState struct {
	kind     uint8 // 0 uninitialized, 1 rent-paying, 2 rent-exempt
	lamports uint64
	dataLen  int
}

func (r Rent) stateOf(a *sol.Account) rentState {
	switch {
	case a.Lamports == 0:
		return rentState{kind: 0}
	case r.IsExempt(a.Lamports, len(a.Data)):
		return rentState{kind: 2}
	}
	return rentState{kind: 1, lamports: a.Lamports, dataLen: len(a.Data)}
}

// transitionAllowed: an account may end uninitialized or exempt, or stay
// rent-paying if it was, with the same size and no more lamports.
func (post rentState) transitionAllowed(pre rentState) bool {
	if post.kind != 1 {
		return true
	}
	return pre.kind == 1 && pre.dataLen == post.dataLen && post.lamports <= pre.lamports
}
