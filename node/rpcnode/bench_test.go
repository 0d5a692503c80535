package rpcnode

import (
	"bufio"
	"bytes"
	"context"
	"crypto/ed25519"
	"encoding/base64"
	"encoding/binary"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net"
	"net/http"
	"strings"
	"sync"
	"syscall"
	"testing"
	"time"

	"github.com/atoll-dev/atoll/client"
	"github.com/atoll-dev/atoll/runtime/svm"
	"github.com/atoll-dev/atoll/runtime/svm/hosted"
	"github.com/atoll-dev/atoll/runtime/svm/sol"
)

const benchPayers = 250

func benchKeys() []ed25519.PrivateKey {
	keys := make([]ed25519.PrivateKey, benchPayers)
	for i := range keys {
		seed := bytes.Repeat([]byte{7}, 32)
		binary.BigEndian.PutUint32(seed, uint32(i))
		keys[i] = ed25519.NewKeyFromSeed(seed)
	}
	return keys
}

// benchTransfers signs n distinct transfers from the payers.
func benchTransfers(b *testing.B, keys []ed25519.PrivateKey, n int, recent sol.Hash) [][]byte {
	txs := make([][]byte, n)
	for i := range txs {
		to := sol.Pubkey{byte(i), byte(i >> 8), 1}
		raw, _, err := client.SignTransaction(recent, keys[i%len(keys)], nil, svm.Transfer(client.PubkeyOf(keys[i%len(keys)]), to, uint64(1e9+i)))
		if err != nil {
			b.Fatal(err)
		}
		txs[i] = raw
	}
	return txs
}

// BenchmarkFinalized_Transfers measures finalized transfers per second on
// the replicated network, node 0 taking every transfer: three nodes (2
// workers, 1 backup, 2 storage), and a committee of one node; the real
// consensus application and roothash with a block every 15ms, P2P over
// loopback, the SVM runtime in process. One op is one transfer (from 250
// payers), sent with a steady number in flight; the timer stops when the
// last is finalized. Run it with -benchtime 5000x or so: b.N transfers
// are signed before the timer starts and must land within the 150-round
// blockhash window.
//
//   - submit: through the submission API (compute.Worker.SubmitTx, which
//     answers once finalized), the figure `atoll bench tps` reports, 1,000
//     in flight;
//   - rpc: sendTransaction with preflight over HTTP keep-alive from 1,000
//     concurrent clients (as many as the submit path keeps in flight;
//     sendTransaction answers once the pool took the transaction), request
//     bodies encoded before the timer starts, then getSignatureStatuses
//     every 20ms until every one is finalized. The load client runs in the
//     node's process and on its cores;
//   - rpc-batch100: the same with JSON-RPC batches of 100 sendTransaction
//     requests, 10 in flight.
//
// cpu-µs/tx is the process's CPU time per finalized transfer while timed
// (the network's own background work included): on a shared machine it
// tells what a path costs when wall-clock throughput moves with the
// neighbours' load.
func BenchmarkFinalized_Transfers(b *testing.B) {
	for _, o := range []struct {
		name string
		opts netOpts
	}{{"committee=2+1", threeNodes}, {"committee=1", netOpts{workers: 1, storage: 1, nodes: 1}}} {
		b.Run(o.name, func(b *testing.B) { benchFinalized(b, o.opts) })
	}
}

func benchFinalized(b *testing.B, o netOpts) {
	b.Run("path=submit", func(b *testing.B) {
		keys := benchKeys()
		s := serve(b, o, keys...)
		w := s.tn.members[0].worker
		txs := benchTransfers(b, keys, b.N, s.b.LatestBlockhash(0).Blockhash)
		b.ResetTimer()
		cpuStart := processCPU()
		ctx, cancel := context.WithTimeout(context.Background(), 120*time.Second)
		defer cancel()
		var wg sync.WaitGroup
		var mu sync.Mutex
		failed := 0
		slots := make(chan struct{}, 1000)
		for _, tx := range txs {
			slots <- struct{}{}
			wg.Add(1)
			go func(tx []byte) {
				defer func() { <-slots; wg.Done() }()
				if r, err := w.SubmitTx(ctx, tx); err != nil || r.Code != hosted.CodeOK {
					mu.Lock()
					failed++
					mu.Unlock()
				}
			}(tx)
		}
		wg.Wait()
		b.StopTimer()
		if failed > 0 {
			b.Fatalf("%d of %d transfers not finalized successfully", failed, b.N)
		}
		b.ReportMetric(float64(b.N)/b.Elapsed().Seconds(), "finalized-tx/s")
		b.ReportMetric(float64((processCPU()-cpuStart).Microseconds())/float64(b.N), "cpu-µs/tx")
	})
	b.Run("path=rpc", func(b *testing.B) { benchRPC(b, o, 1, 1000) })
	b.Run("path=rpc-batch100", func(b *testing.B) { benchRPC(b, o, 100, 10) })
}

// benchRPC sends b.N transfers with sendTransaction, batch to a JSON-RPC
// request (a batch array when batch > 1), from clients concurrent
// kept-alive clients, then polls getSignatureStatuses until every one is
// finalized.
func benchRPC(b *testing.B, o netOpts, batch, clients int) {
	keys := benchKeys()
	s := serve(b, o, keys...)
	hc := &http.Client{Transport: &http.Transport{MaxIdleConnsPerHost: clients}}
	type response struct {
		Result json.RawMessage
		Error  *struct{ Message string }
	}
	post := func(body []byte) ([]response, error) {
		resp, err := hc.Post(s.url, "application/json", bytes.NewReader(body))
		if err != nil {
			return nil, err
		}
		defer resp.Body.Close()
		var out []response
		if body[0] == '[' {
			err = json.NewDecoder(resp.Body).Decode(&out)
		} else {
			out = make([]response, 1)
			err = json.NewDecoder(resp.Body).Decode(&out[0])
		}
		if err != nil {
			return nil, err
		}
		for _, r := range out {
			if r.Error != nil {
				return nil, errors.New(r.Error.Message)
			}
		}
		return out, nil
	}
	txs := benchTransfers(b, keys, b.N, s.b.LatestBlockhash(0).Blockhash)
	// A client's encoding is its own cost, not the node's.
	var bodies [][]byte
	for lo := 0; lo < len(txs); lo += batch {
		var reqs []any
		for i := lo; i < min(lo+batch, len(txs)); i++ {
			reqs = append(reqs, map[string]any{"jsonrpc": "2.0", "id": i, "method": "sendTransaction",
				"params": []any{base64.StdEncoding.EncodeToString(txs[i]), map[string]any{"encoding": "base64"}}})
		}
		var body []byte
		if batch == 1 {
			body, _ = json.Marshal(reqs[0])
		} else {
			body, _ = json.Marshal(reqs)
		}
		bodies = append(bodies, body)
	}
	b.ResetTimer()
	cpuStart := processCPU()
	sigs := make([]string, len(txs))
	work := make(chan int)
	var wg sync.WaitGroup
	var errOnce sync.Once
	var sendErr error
	for range clients {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for j := range work {
				res, err := post(bodies[j])
				for k := 0; err == nil && k < len(res); k++ {
					err = json.Unmarshal(res[k].Result, &sigs[j*batch+k])
				}
				if err != nil {
					errOnce.Do(func() { sendErr = err })
				}
			}
		}()
	}
	for j := range bodies {
		work <- j
	}
	close(work)
	wg.Wait()
	if sendErr != nil {
		b.Fatal(sendErr)
	}
	deadline := time.Now().Add(120 * time.Second)
	for pending := sigs; len(pending) > 0; {
		if time.Now().After(deadline) {
			b.Fatalf("%d transfers not finalized", len(pending))
		}
		var next []string
		for lo := 0; lo < len(pending); lo += 256 {
			chunk := pending[lo:min(lo+256, len(pending))]
			body, _ := json.Marshal(map[string]any{"jsonrpc": "2.0", "id": 1, "method": "getSignatureStatuses", "params": []any{chunk}})
			res, err := post(body)
			if err != nil {
				b.Fatal(err)
			}
			var st struct {
				Value []*struct {
					Err                any    `json:"err"`
					ConfirmationStatus string `json:"confirmationStatus"`
				}
			}
			if err := json.Unmarshal(res[0].Result, &st); err != nil {
				b.Fatal(err)
			}
			for i, v := range st.Value {
				if v == nil || v.ConfirmationStatus != "finalized" {
					next = append(next, chunk[i])
				} else if v.Err != nil {
					b.Fatalf("transfer %s failed: %v", chunk[i], v.Err)
				}
			}
		}
		pending = next
		if len(pending) > 0 {
			time.Sleep(20 * time.Millisecond)
		}
	}
	b.StopTimer()
	b.ReportMetric(float64(b.N)/b.Elapsed().Seconds(), "finalized-tx/s")
	b.ReportMetric(float64((processCPU()-cpuStart).Microseconds())/float64(b.N), "cpu-µs/tx")
}

// BenchmarkServer_GetAccountInfoHTTP measures getAccountInfo throughput over
// HTTP keep-alive against a replicated node's backend (accounts read from
// the MKVS state tree at the finalized root; a committee of one node keeps
// producing rounds on the same cores meanwhile): 8×GOMAXPROCS load clients,
// each on its own kept-alive connection, writing a prepared request and
// parsing the response with net/http, on the same machine as the node.
func BenchmarkServer_GetAccountInfoHTTP(b *testing.B) {
	payer := key(42)
	s := serve(b, netOpts{workers: 1, storage: 1, nodes: 1}, payer)
	body := fmt.Sprintf(`{"jsonrpc":"2.0","id":1,"method":"getAccountInfo","params":[%q,{"encoding":"base64"}]}`, sol.Pubkey(payer.Public().(ed25519.PublicKey)).String())
	host := strings.TrimPrefix(s.url, "http://")
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
			out, _ := io.ReadAll(resp.Body)
			resp.Body.Close()
			if resp.StatusCode != http.StatusOK || !bytes.Contains(out, []byte(`"lamports":1000000000000000`)) {
				b.Errorf("HTTP %d: %s", resp.StatusCode, out)
				return
			}
		}
	})
	b.ReportMetric(float64(b.N)/time.Since(start).Seconds(), "req/s")
	// Server, load clients and the network together, per request.
	b.ReportMetric(float64((processCPU()-cpuStart).Microseconds())/float64(b.N), "cpu-µs/req")
}

// processCPU is the CPU time this process used so far: on a shared
// machine it says what a run cost when wall-clock throughput cannot.
func processCPU() time.Duration {
	var ru syscall.Rusage
	if err := syscall.Getrusage(syscall.RUSAGE_SELF, &ru); err != nil {
		return 0
	}
	return time.Duration(ru.Utime.Nano() + ru.Stime.Nano())
}
