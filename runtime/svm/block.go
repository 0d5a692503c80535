package svm

import "github.com/atoll-dev/atoll/runtime/svm/sol"

// MaxRecentBlockhashes is how many recent blockhashes a transaction may name.
const MaxRecentBlockhashes = 150

// LamportsPerSignature is the fee per transaction signature.
const LamportsPerSignature = 5000

// BlockhashEntry is one recent blockhash and the slot it closed.
type BlockhashEntry struct {
	Slot uint64
	Hash sol.Hash
}

// BlockContext is everything about the block that execution may depend on.
// It is plain data: the host builds it from finalized state, ships it to the
// runtime, and every node executes against the same value.
type BlockContext struct {
	Slot  uint64
	Epoch uint64
	// UnixTimestamp is consensus time in seconds, never a local clock.
	UnixTimestamp int64
	// EpochStartTimestamp is UnixTimestamp at the first slot of Epoch.
	EpochStartTimestamp int64
	// RecentBlockhashes are newest first, at most MaxRecentBlockhashes. The
	// first is the blockhash durable nonces advance to.
	RecentBlockhashes []BlockhashEntry
	// Features are the features active at Slot (see LoadFeatureSet).
	Features FeatureSet
	// Deposits are value the consensus layer moved into the runtime, credited
	// in order before the batch's transactions.
	Deposits []Deposit
}

// Deposit credits Lamports to Recipient, creating a system account if needed.
type Deposit struct {
	Recipient sol.Pubkey
	Lamports  uint64
}

// blockhashRecent reports whether h is one of the recent blockhashes.
func (b *BlockContext) blockhashRecent(h sol.Hash) bool {
	for i := range b.RecentBlockhashes {
		if i >= MaxRecentBlockhashes {
			break
		}
		if b.RecentBlockhashes[i].Hash == h {
			return true
		}
	}
	return false
}

// latestBlockhash is what nonces advance to; the zero hash before any block.
func (b *BlockContext) latestBlockhash() sol.Hash {
	if len(b.RecentBlockhashes) == 0 {
		return sol.Hash{}
	}
	return b.RecentBlockhashes[0].Hash
}
