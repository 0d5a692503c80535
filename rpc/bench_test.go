package rpc_test

import (
	"bufio"
	"bytes"
	"encoding/base64"
	"fmt"
	"io"
	"net"
	"net/http"
	"strings"
	"testing"
	"time"

	"github.com/atoll-dev/atoll/rpc"
	"github.com/atoll-dev/atoll/rpc/devbank"
	"github.com/atoll-dev/atoll/runtime/svm/sol"
)

// BenchmarkServer_GetAccountInfoHTTP measures getAccountInfo throughput over
// HTTP keep-alive: 16 Go load clients, each on its own kept-alive
// connection, against a server on loopback. The client writes a prepared
// HTTP/1.1 request and parses the response with net/http, as a lean load
// generator (wrk, hey) does, so that its own cost stays small next to the
// server's on the same machine.
func BenchmarkServer_GetAccountInfoHTTP(b *testing.B) {
	n := startNode(b, devbank.Config{SlotDuration: time.Second})
	body := req("getAccountInfo", n.bank.FaucetKey().String(), map[string]any{"encoding": "base64"})
	host := strings.TrimPrefix(n.url, "http://")
	request := []byte(fmt.Sprintf("POST / HTTP/1.1\r\nHost: %s\r\nContent-Type: application/json\r\nContent-Length: %d\r\n\r\n%s", host, len(body), body))
	b.SetParallelism(8)
	b.ResetTimer()
	start, cpuStart := time.Now(), processCPU()
	b.RunParallel(func(pb *testing.PB) {
		conn, err := net.Dial("tcp", host)
		if err != nil {
			b.Error(err)
			return
		}
		defer conn.Close()
		r := bufio.NewReader(conn)
		for pb.Next() {
			if _, err := conn.Write(request); err != nil {
				b.Error(err)
				return
			}
			resp, err := http.ReadResponse(r, nil)
			if err != nil {
				b.Error(err)
				return
			}
			_, _ = io.Copy(io.Discard, resp.Body)
			resp.Body.Close()
			if resp.StatusCode != http.StatusOK {
				b.Errorf("HTTP %d", resp.StatusCode)
				return
			}
		}
	})
	b.ReportMetric(float64(b.N)/time.Since(start).Seconds(), "req/s")
	// Server and load client together; the throughput a dedicated core
	// would give is about 1e6 / this.
	b.ReportMetric(float64((processCPU()-cpuStart).Microseconds())/float64(b.N), "cpu-µs/req")
}

// BenchmarkServer_GetAccountInfoHandler is the same call without HTTP: the
// cost of decoding, reading the bank and encoding.
func BenchmarkServer_GetAccountInfoHandler(b *testing.B) {
	bank := newManualBank(b)
	s := rpc.NewServer(bank, nil)
	body := []byte(req("getAccountInfo", bank.FaucetKey().String(), map[string]any{"encoding": "base64"}))
	b.ReportAllocs()
	for b.Loop() {
		if out := s.HandleBody(body); len(out) == 0 {
			b.Fatal("no answer")
		}
	}
}

// BenchmarkServer_GetSignatureStatusesHandler answers getSignatureStatuses
// for 256 signatures, half of them finalized transfers and half unknown,
// as a client polling for finality asks it: decoding, the bank's lookups
// and encoding, without HTTP.
func BenchmarkServer_GetSignatureStatusesHandler(b *testing.B) {
	bank, keys := tpsBank(b)
	raws, sigs := wave(b, bank, keys, 128, 0)
	for _, raw := range raws {
		if _, err := bank.SendTransaction(raw, rpc.SendOptions{SkipPreflight: true}); err != nil {
			b.Fatal(err)
		}
	}
	for {
		st, _, err := bank.SignatureStatuses(sigs, false)
		if err != nil {
			b.Fatal(err)
		}
		if allFinalized(st) {
			break
		}
		if _, err := bank.ProduceSlot(); err != nil {
			b.Fatal(err)
		}
	}
	strs := make([]string, 0, 256)
	for i, s := range sigs {
		strs = append(strs, s.String())
		var unknown sol.Signature
		unknown[0], unknown[1] = byte(i), 0xee
		strs = append(strs, unknown.String())
	}
	body := []byte(req("getSignatureStatuses", strs))
	s := rpc.NewServer(bank, nil)
	b.ReportAllocs()
	for b.Loop() {
		if out := s.HandleBody(body); !bytes.Contains(out, []byte(`"confirmationStatus":"finalized"`)) {
			b.Fatalf("answer %.200s", out)
		}
	}
}

// BenchmarkServer_SendTransactionHandler answers sendTransaction for a
// transfer the bank already holds, with skipPreflight: the request's
// decoding, the transaction's, the signature check and the answer, the
// RPC's own cost of a send.
func BenchmarkServer_SendTransactionHandler(b *testing.B) {
	bank, keys := tpsBank(b)
	raws, _ := wave(b, bank, keys, 1, 0)
	if _, err := bank.SendTransaction(raws[0], rpc.SendOptions{SkipPreflight: true}); err != nil {
		b.Fatal(err)
	}
	body := []byte(req("sendTransaction", base64.StdEncoding.EncodeToString(raws[0]),
		map[string]any{"encoding": "base64", "skipPreflight": true, "preflightCommitment": "finalized"}))
	s := rpc.NewServer(bank, nil)
	b.ReportAllocs()
	for b.Loop() {
		if out := s.HandleBody(body); !bytes.Contains(out, []byte(`"result"`)) {
			b.Fatalf("answer %s", out)
		}
	}
}
