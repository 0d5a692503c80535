package rhp

import (
	"context"
	"fmt"
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

// BenchmarkConn_StorageGet compares reading the keys a batch touches with
// one StorageGet per key against one StorageGet for all of them: the choice
// between per-read round trips and a host-shipped multi-key read. Values
// are 165 bytes, the size of a small Solana account record.
func BenchmarkConn_StorageGet(b *testing.B) {
	value := make([]byte, 165)
	_, rtConn := pair(b, HandlerFunc(func(ctx context.Context, req *Request) (Message, error) {
		g := req.Body.(*StorageGet)
		resp := &StorageGetResponse{Proof: make([]byte, 32*len(g.Keys))}
		for _, k := range g.Keys {
			resp.Entries = append(resp.Entries, StorageEntry{Key: k, Found: true, Value: value})
		}
		return resp, nil
	}), nil)
	for _, n := range []int{1, 16, 64} {
		keys := make([][]byte, n)
		for i := range keys {
			keys[i] = make([]byte, 32)
			keys[i][0] = byte(i)
		}
		ctx := context.Background()
		b.Run(fmt.Sprintf("keys=%d/one-request-per-key", n), func(b *testing.B) {
			b.ReportAllocs()
			for b.Loop() {
				for _, k := range keys {
					var resp StorageGetResponse
					if err := rtConn.Call(ctx, &StorageGet{Keys: [][]byte{k}}, &resp); err != nil {
						b.Fatal(err)
					}
				}
			}
		})
		b.Run(fmt.Sprintf("keys=%d/one-request", n), func(b *testing.B) {
			b.ReportAllocs()
			for b.Loop() {
				var resp StorageGetResponse
				if err := rtConn.Call(ctx, &StorageGet{Keys: keys}, &resp); err != nil {
					b.Fatal(err)
				}
			}
		})
	}
}
