package rpc_test

import (
	"bytes"
	"crypto/ed25519"
	"crypto/sha256"
	"encoding/base64"
	"encoding/binary"
	"encoding/json"
	"fmt"
	"net/http"
	"sync"
	"syscall"
	"testing"
	"time"

	"github.com/atoll-dev/atoll/client"
	"github.com/atoll-dev/atoll/rpc"
	"github.com/atoll-dev/atoll/rpc/devbank"
	"github.com/atoll-dev/atoll/runtime/svm"
	"github.com/atoll-dev/atoll/runtime/svm/sol"
)

const (
	tpsPayers   = 256
	tpsWave     = 2048
	tpsSenders  = 32
	tpsMaxSlots = 4096
)

// tpsBank is a bank with tpsPayers funded payers, driven by hand.
func tpsBank(b *testing.B) (*devbank.Bank, []ed25519.PrivateKey) {
	var genesis []svm.AccountWrite
	keys := make([]ed25519.PrivateKey, tpsPayers)
	for i := range keys {
		seed := sha256.Sum256(binary.LittleEndian.AppendUint64([]byte("tps payer"), uint64(i)))
		keys[i] = ed25519.NewKeyFromSeed(seed[:])
		genesis = append(genesis, svm.AccountWrite{Key: client.PubkeyOf(keys[i]), Account: sol.Account{Lamports: 1e15}})
	}
	bank, err := devbank.New(devbank.Config{Clock: fixedClock{time.Unix(1_800_000_000, 0)}, GenesisAccounts: genesis,
		ConfirmedDepth: 1, FinalizedDepth: 2, MaxTxsPerSlot: tpsMaxSlots, MaxPending: 1 << 20})
	if err != nil {
		b.Fatal(err)
	}
	if _, err := bank.ProduceSlot(); err != nil {
		b.Fatal(err)
	}
	return bank, keys
}

// wave signs n transfers, payer i%tpsPayers to a fresh recipient each, so
// that they are all distinct and mostly independent.
func wave(b *testing.B, bank *devbank.Bank, keys []ed25519.PrivateKey, n, offset int) ([][]byte, []sol.Signature) {
	bh := bank.LatestBlockhash(rpc.Processed).Blockhash
	raws, sigs := make([][]byte, n), make([]sol.Signature, n)
	for i := range raws {
		to := sha256.Sum256(binary.LittleEndian.AppendUint64(nil, uint64(offset+i)))
		raw, sig, err := client.SignTransaction(bh, keys[i%len(keys)], nil, svm.Transfer(client.PubkeyOf(keys[i%len(keys)]), to, 1_000_000))
		if err != nil {
			b.Fatal(err)
		}
		raws[i], sigs[i] = raw, sig
	}
	return raws, sigs
}

// rpcFinalized reports whether every signature is finalized, asking
// getSignatureStatuses 256 at a time.
func rpcFinalized(b *testing.B, c *client.Client) func([]sol.Signature) bool {
	return func(sigs []sol.Signature) bool {
		for len(sigs) > 0 {
			n := min(len(sigs), 256)
			strs := make([]string, n)
			for i := range strs {
				strs[i] = sigs[i].String()
			}
			var r struct {
				Value []*client.SignatureStatus `json:"value"`
			}
			if err := c.Call(b.Context(), "getSignatureStatuses", []any{strs}, &r); err != nil {
				b.Fatal(err)
			}
			for _, st := range r.Value {
				if st == nil || st.ConfirmationStatus != client.Finalized || st.Failed() {
					return false
				}
			}
			sigs = sigs[n:]
		}
		return true
	}
}

// runTPS submits waves of transfers through send and produces slots until
// every one is finalized, timing submission and execution but not signing.
// It reports finalized transactions per second.
func runTPS(b *testing.B, bank *devbank.Bank, keys []ed25519.PrivateKey, per int, send func([][]byte) error, finalized func([]sol.Signature) bool) {
	var elapsed time.Duration
	cpuStart := processCPU()
	done := 0
	for w := 0; done < b.N; w++ {
		n := min(tpsWave, b.N-done)
		raws, sigs := wave(b, bank, keys, n, done)
		start := time.Now()
		var wg sync.WaitGroup
		for s := 0; s < tpsSenders; s++ {
			wg.Add(1)
			go func(s int) {
				defer wg.Done()
				for i := s * per; i < n; i += tpsSenders * per {
					if err := send(raws[i:min(n, i+per)]); err != nil {
						b.Error(err)
						return
					}
				}
			}(s)
		}
		wg.Wait()
		for !finalized(sigs) {
			if _, err := bank.ProduceSlot(); err != nil {
				b.Fatal(err)
			}
		}
		elapsed += time.Since(start)
		done += n
	}
	b.ReportMetric(float64(b.N)/elapsed.Seconds(), "tx/s")
	// CPU time per transaction (this process: clients, server and bank,
	// signing included) is what the RPC path costs independently of how
	// busy the machine is.
	b.ReportMetric(float64((processCPU()-cpuStart).Microseconds())/float64(b.N), "cpu-µs/tx")
}

// processCPU is the user and system CPU time this process has used.
func processCPU() time.Duration {
	var ru syscall.Rusage
	if err := syscall.Getrusage(syscall.RUSAGE_SELF, &ru); err != nil {
		return 0
	}
	return time.Duration(ru.Utime.Nano() + ru.Stime.Nano())
}

func allFinalized(statuses []*rpc.SignatureStatus) bool {
	for _, st := range statuses {
		if st == nil || st.Commitment != rpc.Finalized || st.Err != nil {
			return false
		}
	}
	return true
}

// BenchmarkTPS_Direct submits through the Backend in-process: the
// submission API the RPC path is compared with.
func BenchmarkTPS_Direct(b *testing.B) {
	bank, keys := tpsBank(b)
	b.ResetTimer()
	runTPS(b, bank, keys, 1, func(raws [][]byte) error {
		_, err := bank.SendTransaction(raws[0], rpc.SendOptions{PreflightCommitment: rpc.Processed})
		return err
	}, func(sigs []sol.Signature) bool {
		st, _, err := bank.SignatureStatuses(sigs, true)
		return err == nil && allFinalized(st)
	})
}

// BenchmarkTPS_RPC submits the same transactions with sendTransaction over
// HTTP keep-alive and watches them with getSignatureStatuses (256 a call).
func BenchmarkTPS_RPC(b *testing.B) {
	bank, keys := tpsBank(b)
	ls, err := rpc.Listen("127.0.0.1:0")
	if err != nil {
		b.Fatal(err)
	}
	srv := rpc.NewServer(bank, nil)
	srv.Serve(ls)
	defer srv.Close()
	c := client.New("http://" + ls.HTTP.Addr().String())
	ctx := b.Context()
	b.ResetTimer()
	runTPS(b, bank, keys, 1, func(raws [][]byte) error {
		_, err := c.SendTransaction(ctx, raws[0], false, client.Processed)
		return err
	}, rpcFinalized(b, c))
}

// BenchmarkTPS_RPCBatch is BenchmarkTPS_RPC with 64 sendTransaction calls per
// HTTP request (a JSON-RPC batch), as a high-rate submitter sends them.
func BenchmarkTPS_RPCBatch(b *testing.B) {
	bank, keys := tpsBank(b)
	ls, err := rpc.Listen("127.0.0.1:0")
	if err != nil {
		b.Fatal(err)
	}
	srv := rpc.NewServer(bank, nil)
	srv.Serve(ls)
	defer srv.Close()
	url := "http://" + ls.HTTP.Addr().String()
	c := client.New(url)
	hc := &http.Client{Transport: &http.Transport{MaxIdleConnsPerHost: tpsSenders}}
	b.ResetTimer()
	runTPS(b, bank, keys, 64, func(raws [][]byte) error {
		reqs := make([]map[string]any, len(raws))
		for i, raw := range raws {
			reqs[i] = map[string]any{"jsonrpc": "2.0", "id": i, "method": "sendTransaction",
				"params": []any{base64.StdEncoding.EncodeToString(raw), map[string]any{"encoding": "base64", "preflightCommitment": "processed"}}}
		}
		body, _ := json.Marshal(reqs)
		resp, err := hc.Post(url, "application/json", bytes.NewReader(body))
		if err != nil {
			return err
		}
		defer resp.Body.Close()
		var out []struct {
			Error json.RawMessage `json:"error"`
		}
		if err := json.NewDecoder(resp.Body).Decode(&out); err != nil {
			return err
		}
		for _, r := range out {
			if r.Error != nil {
				return fmt.Errorf("sendTransaction: %s", r.Error)
			}
		}
		return nil
	}, rpcFinalized(b, c))
}
