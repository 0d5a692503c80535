package rpc_test

import (
	"crypto/ed25519"
	"crypto/sha256"
	"encoding/binary"
	"sync"
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

// runTPS submits waves of transfers through send and produces slots until
// every one is finalized, timing submission and execution but not signing.
// It reports finalized transactions per second.
func runTPS(b *testing.B, bank *devbank.Bank, keys []ed25519.PrivateKey, send func([]byte) error, finalized func([]sol.Signature) bool) {
	var elapsed time.Duration
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
				for i := s; i < n; i += tpsSenders {
					if err := send(raws[i]); err != nil {
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
	runTPS(b, bank, keys, func(raw []byte) error {
		_, err := bank.SendTransaction(raw, rpc.SendOptions{PreflightCommitment: rpc.Processed})
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
	runTPS(b, bank, keys, func(raw []byte) error {
		_, err := c.SendTransaction(ctx, raw, false, client.Processed)
		return err
	}, func(sigs []sol.Signature) bool {
		for len(sigs) > 0 {
			n := min(len(sigs), 256)
			strs := make([]string, n)
			for i := range strs {
				strs[i] = sigs[i].String()
			}
			var r struct {
				Value []*client.SignatureStatus `json:"value"`
			}
			if err := c.Call(ctx, "getSignatureStatuses", []any{strs}, &r); err != nil {
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
	})
}
