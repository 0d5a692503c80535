package client

import (
	"context"
	"encoding/binary"
	"net"
	"net/http"
	"sync"
	"testing"

	"github.com/atoll-dev/atoll/consensus/registry"
	"github.com/atoll-dev/atoll/worker/submit"
)

// instant finalizes every transaction of a batch at once with a
// transfer's result.
type instant struct{ echo }

func (instant) SubmitTxs(_ context.Context, txs [][]byte, deliver func([]submit.Answer)) {
	as := make([]submit.Answer, len(txs))
	for i := range txs {
		as[i] = submit.Answer{Index: i, Result: &submit.TxResult{Round: 9, Units: 150,
			Logs: []string{"Program 11111111111111111111111111111111 invoke [1]", "Program 11111111111111111111111111111111 success"}}}
	}
	deliver(as)
}

// BenchmarkClient_SubmitTx is 1,000 concurrent submissions of
// transfer-sized transactions, batched by the client, against a node that
// finalizes them at once: the client's cost per transaction (and the
// endpoint's) is ns/op divided by 1,000.
func BenchmarkClient_SubmitTx(b *testing.B) {
	const n, size = 1000, 215
	h := submit.NewHandler()
	h.Register(registry.RuntimeID{1}, instant{})
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		b.Fatal(err)
	}
	srv := &http.Server{Handler: h}
	go srv.Serve(l)
	defer srv.Close()
	c := &Client{URL: "http://" + l.Addr().String(), Runtime: registry.RuntimeID{1}}
	txs := make([][]byte, n)
	for i := range txs {
		txs[i] = make([]byte, size)
		binary.LittleEndian.PutUint64(txs[i], uint64(i))
	}
	for b.Loop() {
		var wg sync.WaitGroup
		for _, tx := range txs {
			wg.Add(1)
			go func() {
				defer wg.Done()
				if r, err := c.SubmitTx(context.Background(), tx); err != nil || r.Round != 9 {
					b.Error(r, err)
				}
			}()
		}
		wg.Wait()
	}
}
