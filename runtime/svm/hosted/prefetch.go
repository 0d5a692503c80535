package hosted

import (
	"bytes"
	"slices"

	"github.com/atoll-dev/atoll/runtime/rhp"
	"github.com/atoll-dev/atoll/runtime/svm"
	"github.com/atoll-dev/atoll/runtime/svm/sol"
)

// PrefetchKeys predicts the state keys a batch will read, so the host can
// ship them with one multi-key proof instead of a round trip per read: every
// static account key and lookup table of every transaction (read by
// txKeys, without decoding the whole transaction), the
// status ledger entries of their blockhashes, the recipients of the round's
// deposits (credited before the batch), the sysvars and the known feature
// accounts. Whatever it misses (loaded addresses, program data accounts,
// the entry of a blockhash leaving the window) the runtime reads through the
// host on demand. The result is sorted and without duplicates; its keys
// share one backing array.
func PrefetchKeys(txs [][]byte, deposits ...rhp.Deposit) [][]byte {
	// A batch's transactions share most of their keys (payers, programs,
	// the blockhash): a set sized for a few per transaction.
	seen := make(map[sol.Pubkey]struct{}, 64+len(txs)/4)
	add := func(k sol.Pubkey) { seen[k] = struct{}{} }
	for _, k := range []sol.Pubkey{svm.SysvarClockID, svm.SysvarRecentBlockhashID, svm.SysvarSlotHashesID, svm.SysvarRentID, svm.SysvarEpochScheduleID} {
		add(k)
	}
	for _, f := range svm.KnownFeatures() {
		add(f.ID)
	}
	for _, d := range deposits {
		add(sol.Pubkey(d.Recipient))
	}
	var last sol.Hash
	blockhash := func(h sol.Hash) {
		if h != last { // a batch names few blockhashes; hash each once
			last = h
			add(svm.StatusAccountID(h))
		}
	}
	for _, raw := range txs {
		txKeys(raw, add, blockhash)
	}
	sorted := make([]sol.Pubkey, 0, len(seen))
	for k := range seen {
		sorted = append(sorted, k)
	}
	slices.SortFunc(sorted, func(a, b sol.Pubkey) int { return bytes.Compare(a[:], b[:]) })
	keys := make([][]byte, len(sorted))
	for i := range sorted {
		keys[i] = sorted[i][:]
	}
	return keys
}

// Prefetch is what a host ships for keys: their values and one proof.
func Prefetch(resp *rhp.StorageGetResponse) rhp.Prefetch {
	return rhp.Prefetch{Entries: resp.Entries, Proof: resp.Proof}
}
