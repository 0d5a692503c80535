package host

import (
	"context"
	"testing"
	"time"

	"github.com/atoll-dev/atoll/runtime/rhp"
)

// BenchmarkHost_Call measures requests to a real runtime process in the
// sandbox, through the supervisor: what a node pays per call.
func BenchmarkHost_Call(b *testing.B) {
	h, err := New(Config{
		Sandbox:      sandboxConfig("echo"),
		PingInterval: -1,
	})
	if err != nil {
		b.Fatal(err)
	}
	defer h.Close()
	ctx, cancel := context.WithTimeout(context.Background(), 20*time.Second)
	defer cancel()
	if err := h.WaitReady(ctx); err != nil {
		b.Fatal(err)
	}
	bg := context.Background()
	b.Run("Ping", func(b *testing.B) {
		b.ReportAllocs()
		for b.Loop() {
			if err := h.Call(bg, &rhp.Ping{}, &rhp.PingResponse{}); err != nil {
				b.Fatal(err)
			}
		}
	})
	b.Run("ExecuteTxBatch1MiB", func(b *testing.B) {
		req := &rhp.ExecuteTxBatch{Round: 1}
		for i := 0; i < 1024; i++ {
			req.Txs = append(req.Txs, make([]byte, 1024))
		}
		b.SetBytes(1 << 20)
		b.ReportAllocs()
		for b.Loop() {
			var resp rhp.ExecuteTxBatchResponse
			if err := h.Call(bg, req, &resp); err != nil {
				b.Fatal(err)
			}
			if len(resp.Results) != 1024 {
				b.Fatalf("%d results", len(resp.Results))
			}
		}
	})
}
