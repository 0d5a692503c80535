package hosted

import (
	"bytes"
	"testing"

	"github.com/atoll-dev/atoll/storage/mkvs"
)

func TestBuildIO_KeyOrder(t *testing.T) {
	for _, n := range []int{0, 1, 2, 300, 70000} {
		txs, results := make([][]byte, n), make([][]byte, n)
		for i := range txs {
			txs[i], results[i] = []byte{byte(i), 1}, []byte{byte(i), 2}
		}
		root, log, err := buildIO(txs, results)
		if err != nil || len(log) != 2*n {
			t.Fatalf("%d transactions: %d entries, %v", n, len(log), err)
		}
		want := mkvs.NewTree()
		for i := range log {
			if i > 0 && bytes.Compare(log[i-1].Key, log[i].Key) >= 0 {
				t.Fatalf("%d transactions: entry %d out of order", n, i)
			}
			_ = want.Insert(log[i].Key, log[i].Value)
		}
		if want.Hash() != root {
			t.Fatalf("%d transactions: log does not build the root", n)
		}
	}
}
