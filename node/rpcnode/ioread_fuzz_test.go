package rpcnode

import (
	"testing"

	"github.com/atoll-dev/atoll/runtime/rhp"
	"github.com/atoll-dev/atoll/runtime/svm"
	"github.com/atoll-dev/atoll/runtime/svm/hosted"
	"github.com/atoll-dev/atoll/runtime/svm/sol"
	"github.com/atoll-dev/atoll/storage/mkvs"
)

// FuzzLogTransactions feeds arbitrary IO write logs (what storage peers
// and the candidate stash hand the indexer) to the record reader and the
// lazy result decoder: errors, never panics.
func FuzzLogTransactions(f *testing.F) {
	res := hosted.NewResult(&svm.TxResult{Signature: sol.Signature{1}, Processed: true, Logs: []string{"x"}, Keys: []sol.Pubkey{{2}}, PreBalances: []uint64{1}, PostBalances: []uint64{2}})
	enc, err := rhp.Marshal(&res)
	if err != nil {
		f.Fatal(err)
	}
	good := mkvs.WriteLog{{Key: hosted.ResultKey(0), Value: enc}, {Key: hosted.TxKey(0), Value: []byte{1, 2, 3}}}
	seed, err := good.MarshalBinary()
	if err != nil {
		f.Fatal(err)
	}
	f.Add(seed)
	f.Add(enc)
	f.Add([]byte{})
	f.Fuzz(func(t *testing.T, b []byte) {
		var wl mkvs.WriteLog
		if err := wl.UnmarshalBinary(b); err != nil {
			// Not a write log: try the bytes as one result.
			wl = mkvs.WriteLog{{Key: hosted.ResultKey(0), Value: b}, {Key: hosted.TxKey(0), Value: b}}
		}
		recs, err := logTransactions(wl, 1, 0)
		if err != nil {
			return
		}
		for i := range recs {
			_, _ = recs[i].Full()
		}
	})
}
