package rhp

import (
	"context"
	"testing"
)

func benchPair(b *testing.B) *Conn {
	host, _ := pair(b, nil, HandlerFunc(func(ctx context.Context, req *Request) (Message, error) {
		switch r := req.Body.(type) {
		case *Ping:
			return &PingResponse{}, nil
		case *ExecuteTxBatch:
			return &ExecuteTxBatchResponse{Results: make([]TxResult, len(r.Txs))}, nil
		}
		return nil, Errorf(CodeUnsupported, "bench", "no")
	}))
	return host
}

// BenchmarkConn_Ping is the round-trip latency of the smallest request over a
// socket pair: encode, write, read, decode, dispatch, and back.
func BenchmarkConn_Ping(b *testing.B) {
	host := benchPair(b)
	ctx := context.Background()
	b.ReportAllocs()
	for b.Loop() {
		if err := host.Call(ctx, &Ping{}, &PingResponse{}); err != nil {
			b.Fatal(err)
		}
	}
}

// BenchmarkConn_ExecuteTxBatch1MiB is the round trip of a 1 MiB batch; the
// throughput counts the batch bytes sent to the runtime.
func BenchmarkConn_ExecuteTxBatch1MiB(b *testing.B) {
	for _, bc := range []struct {
		name    string
		txs     int
		txBytes int
	}{
		{"1x1MiB", 1, 1 << 20},
		{"1024x1KiB", 1024, 1 << 10},
	} {
		b.Run(bc.name, func(b *testing.B) {
			host := benchPair(b)
			req := &ExecuteTxBatch{Round: 1, Context: BlockContext{RecentBlockhashes: make([]Hash, 150)}}
			for i := range bc.txs {
				tx := make([]byte, bc.txBytes)
				tx[0] = byte(i)
				req.Txs = append(req.Txs, tx)
			}
			ctx := context.Background()
			b.SetBytes(int64(bc.txs * bc.txBytes))
			b.ReportAllocs()
			for b.Loop() {
				var resp ExecuteTxBatchResponse
				if err := host.Call(ctx, req, &resp); err != nil {
					b.Fatal(err)
				}
				if len(resp.Results) != bc.txs {
					b.Fatalf("%d results", len(resp.Results))
				}
			}
		})
	}
}
