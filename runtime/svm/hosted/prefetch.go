package hosted

import (
	"github.com/atoll-dev/atoll/runtime/rhp"
	"github.com/atoll-dev/atoll/runtime/svm"
	"github.com/atoll-dev/atoll/runtime/svm/sol"
)

// PrefetchKeys predicts the state keys a batch will read, so the host can
// ship them with one multi-key proof instead of a round trip per read: every
// static account key and lookup table of every decodable transaction, the
// status ledger entries of their blockhashes, the recipients of the round's
// deposits (credited before the batch), the sysvars and the known feature
// accounts. Whatever it misses (loaded addresses, program data accounts,
// the entry of a blockhash leaving the window) the runtime reads through the
// host on demand. The result is sorted and without duplicates.
func PrefetchKeys(txs [][]byte, deposits ...rhp.Deposit) [][]byte {
	seen := map[sol.Pubkey]bool{}
	add := func(k sol.Pubkey) { seen[k] = true }
	for _, k := range []sol.Pubkey{svm.SysvarClockID, svm.SysvarRecentBlockhashID, svm.SysvarSlotHashesID, svm.SysvarRentID, svm.SysvarEpochScheduleID} {
		add(k)
	}
	for _, f := range svm.KnownFeatures() {
		add(f.ID)
	}
	for _, d := range deposits {
		add(sol.Pubkey(d.Recipient))
	}
	for _, raw := range txs {
		tx, err := sol.DecodeTransaction(raw)
		if err != nil {
			continue
		}
		for _, k := range tx.Message.AccountKeys {
			add(k)
		}
		for _, l := range tx.Message.AddressTableLookups {
			add(l.AccountKey)
		}
		add(svm.StatusAccountID(tx.Message.RecentBlockhash))
	}
	keys := make([][]byte, 0, len(seen))
	for k := range seen {
		keys = append(keys, append([]byte(nil), k[:]...))
	}
	return dedupKeys(keys)
}

// Prefetch is what a host ships for keys: their values and one proof.
func Prefetch(resp *rhp.StorageGetResponse) rhp.Prefetch {
	return rhp.Prefetch{Entries: resp.Entries, Proof: resp.Proof}
}
