package rpc_test

import (
	"bufio"
	"fmt"
	"io"
	"net"
	"net/http"
	"strings"
	"testing"
	"time"

	"github.com/atoll-dev/atoll/rpc"
	"github.com/atoll-dev/atoll/rpc/devbank"
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
