package svm

import "github.com/atoll-dev/atoll/runtime/svm/sol"

// Well-known addresses, the same as Solana's.
var (
	SystemProgramID         = sol.Pubkey{}
	ComputeBudgetProgramID  = sol.MustPubkey("ComputeBudget111111111111111111111111111111")
	NativeLoaderID          = sol.MustPubkey("NativeLoader1111111111111111111111111111111")
	FeatureProgramID        = sol.MustPubkey("Feature111111111111111111111111111111111111")
	SysvarOwnerID           = sol.MustPubkey("Sysvar1111111111111111111111111111111111111")
	AddressLookupTableID    = sol.MustPubkey("AddressLookupTab1e1111111111111111111111111")
	BPFLoaderDeprecatedID   = sol.MustPubkey("BPFLoader1111111111111111111111111111111111")
	BPFLoader2ID            = sol.MustPubkey("BPFLoader2111111111111111111111111111111111")
	BPFLoaderUpgradeableID  = sol.MustPubkey("BPFLoaderUpgradeab1e11111111111111111111111")
	SysvarClockID           = sol.MustPubkey("SysvarC1ock11111111111111111111111111111111")
	SysvarRentID            = sol.MustPubkey("SysvarRent111111111111111111111111111111111")
	SysvarEpochScheduleID   = sol.MustPubkey("SysvarEpochSchedu1e111111111111111111111111")
	SysvarRecentBlockhashID = sol.MustPubkey("SysvarRecentB1ockHashes11111111111111111111")
	SysvarSlotHashesID      = sol.MustPubkey("SysvarS1otHashes111111111111111111111111111")
	SysvarInstructionsID    = sol.MustPubkey("Sysvar1nstructions1111111111111111111111111")
	// IncineratorID burns: whatever lamports it holds at the end of a batch
	// leave the runtime's supply (Solana's incinerator address).
	IncineratorID = sol.MustPubkey("1nc1nerator11111111111111111111111111111111")
)

// isReservedKey reports whether a key may never be written by a transaction:
// sysvars and builtin programs are demoted to read-only, as in Solana.
func isReservedKey(k sol.Pubkey) bool {
	switch k {
	case SysvarClockID, SysvarRentID, SysvarEpochScheduleID, SysvarRecentBlockhashID, SysvarSlotHashesID,
		SysvarInstructionsID, SysvarOwnerID, NativeLoaderID, FeatureProgramID, ComputeBudgetProgramID,
		BPFLoaderDeprecatedID, BPFLoader2ID, BPFLoaderUpgradeableID, AddressLookupTableID:
		return true
	}
	return false
}
