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

// roundResponse is the shape of the answer to a round of 5,000 transfers:
// a code per transaction, 260 changed accounts, and an IO write log of the
// encoded results and the transactions.
func roundResponse() *ExecuteTxBatchResponse {
	const n = 5000
	resp := &ExecuteTxBatchResponse{Results: make([]TxResult, n), Messages: [][]byte{}, StateRoot: hashOf(1), IORoot: hashOf(2)}
	for i := range resp.Results {
		resp.Results[i] = TxResult{Units: 150, Data: []byte{}, Logs: []string{}}
	}
	for i := range 260 {
		key := make([]byte, 32)
		key[0], key[1] = byte(i>>8), byte(i)
		resp.StateWriteLog = append(resp.StateWriteLog, WriteLogEntry{Key: key, Value: make([]byte, 125)})
	}
	for _, io := range []struct {
		kind byte
		size int
	}{{'R', 440}, {'T', 215}} {
		for i := range n {
			resp.IOWriteLog = append(resp.IOWriteLog, WriteLogEntry{Key: []byte{io.kind, 0, byte(i >> 8), byte(i)}, Value: make([]byte, io.size)})
		}
	}
	return resp
}

// BenchmarkCodec_ExecuteTxBatchResponse encodes and decodes the answer to
// a 5,000-transfer round with the hand-written codec and with the
// reflective reference it replaced.
func BenchmarkCodec_ExecuteTxBatchResponse(b *testing.B) {
	resp := roundResponse()
	body, err := encMode.Marshal(resp)
	if err != nil {
		b.Fatal(err)
	}
	b.Run("encode/reference", func(b *testing.B) {
		b.SetBytes(int64(len(body)))
		b.ReportAllocs()
		for b.Loop() {
			if _, err := encMode.Marshal(resp); err != nil {
				b.Fatal(err)
			}
		}
	})
	b.Run("encode/hand", func(b *testing.B) {
		b.SetBytes(int64(len(body)))
		b.ReportAllocs()
		for b.Loop() {
			marshalFast(resp)
		}
	})
	b.Run("decode/reference", func(b *testing.B) {
		b.SetBytes(int64(len(body)))
		b.ReportAllocs()
		for b.Loop() {
			var out ExecuteTxBatchResponse
			if err := decMode.Unmarshal(body, &out); err != nil {
				b.Fatal(err)
			}
		}
	})
	b.Run("decode/hand", func(b *testing.B) {
		b.SetBytes(int64(len(body)))
		b.ReportAllocs()
		for b.Loop() {
			var out ExecuteTxBatchResponse
			if err := decodeInto(TypeExecuteTxBatch.Response(), body, &out); err != nil {
				b.Fatal(err)
			}
		}
	})
}
