package runtime

import (
	"bytes"
	"context"
	"crypto/ed25519"
	"fmt"
	"os"
	"os/exec"
	"strconv"
	"strings"
	"testing"
	"time"

	"golang.org/x/sys/unix"

	"github.com/atoll-dev/atoll/runtime/host"
	"github.com/atoll-dev/atoll/runtime/host/sandbox"
	"github.com/atoll-dev/atoll/runtime/rhp"
	"github.com/atoll-dev/atoll/runtime/rhp/guest"
	"github.com/atoll-dev/atoll/runtime/svm"
	"github.com/atoll-dev/atoll/runtime/svm/hosted"
	"github.com/atoll-dev/atoll/runtime/svm/sol"
	"github.com/atoll-dev/atoll/storage/mkvs"
)

// rhpPair serves the SVM runtime (the code `atoll runtime svm` runs) on one
// end of a Unix socket pair, as the sandboxed process does, and returns the
// host's end with kv answering the runtime's reads: the whole RHP boundary
// of a worker, both sides in this process so that a benchmark counts the
// CPU of both.
func rhpPair(tb testing.TB, kv *mkvs.Store) *rhp.Conn {
	tb.Helper()
	fds, err := unix.Socketpair(unix.AF_UNIX, unix.SOCK_STREAM|unix.SOCK_CLOEXEC, 0)
	if err != nil {
		tb.Fatal(err)
	}
	for _, fd := range fds {
		if err := unix.SetNonblock(fd, true); err != nil {
			tb.Fatal(err)
		}
	}
	srv := guest.NewServer(os.NewFile(uintptr(fds[1]), "runtime"), guest.Options{})
	rt, err := hosted.New(srv.Host().StorageGet)
	if err != nil {
		tb.Fatal(err)
	}
	go srv.Serve(context.Background(), rt) //nolint:errcheck // ends with the connection
	sh := &StorageHandler{KV: kv}
	conn := rhp.NewConn(os.NewFile(uintptr(fds[0]), "host"), rhp.Options{Role: rhp.RoleHost,
		Handler: rhp.HandlerFunc(func(ctx context.Context, req *rhp.Request) (rhp.Message, error) {
			if g, ok := req.Body.(*rhp.StorageGet); ok {
				return sh.StorageGet(ctx, g)
			}
			return nil, rhp.Errorf(rhp.CodeUnsupported, "bench", "%s", req.Type)
		})})
	tb.Cleanup(func() { conn.Close() })
	ctx := context.Background()
	if err := conn.Call(ctx, &rhp.Handshake{Version: rhp.ProtocolVersion}, &rhp.HandshakeResponse{}); err != nil {
		tb.Fatal(err)
	}
	if err := conn.Call(ctx, &rhp.InfoRequest{LocalConfig: localConfig}, &rhp.InfoResponse{}); err != nil {
		tb.Fatal(err)
	}
	return conn
}

// transferBatch seeds kv with 256 funded payers and returns 5,000 signed
// transfers between them, the shape of a full devnet round.
func transferBatch(tb testing.TB, kv *mkvs.Store) (prev rhp.Root, blk rhp.BlockContext, txs [][]byte) {
	tb.Helper()
	const n, payers = 5000, 256
	var accounts []svm.AccountWrite
	for i := range payers {
		accounts = append(accounts, svm.AccountWrite{Key: pub(payerKey(i)), Account: sol.Account{Lamports: 1e15, Owner: svm.SystemProgramID}})
	}
	wl, root, err := Genesis(hosted.Config{SlotsPerEpoch: 32}, accounts)
	if err != nil {
		tb.Fatal(err)
	}
	if err := SeedGenesis(kv, wl, root); err != nil {
		tb.Fatal(err)
	}
	bh := sol.Hash{9}
	blk = rhp.BlockContext{Slot: 1, RecentBlockhashes: []rhp.Hash{rhp.Hash(bh)}}
	for i := range n {
		from := payerKey(i % payers)
		m, err := sol.NewLegacyMessage(pub(from), bh, svm.Transfer(pub(from), pub(payerKey((i+1)%payers)), 1_000_000+uint64(i)))
		if err != nil {
			tb.Fatal(err)
		}
		tx := &sol.Transaction{Message: m}
		if err := tx.Sign(from); err != nil {
			tb.Fatal(err)
		}
		b, err := tx.MarshalBinary()
		if err != nil {
			tb.Fatal(err)
		}
		txs = append(txs, b)
	}
	return rhp.Root{Hash: rhp.Hash(root)}, blk, txs
}

func payerKey(i int) ed25519.PrivateKey {
	seed := make([]byte, ed25519.SeedSize)
	copy(seed, fmt.Sprint("payer", i))
	return ed25519.NewKeyFromSeed(seed)
}

// BenchmarkRHP_ExecuteTxBatch5000 is one round of a worker at the boundary
// with its runtime: the host prefetches the batch's accounts with one proof,
// sends the 5,000-transfer ExecuteTxBatch over a real RHP connection, the
// runtime executes it (its signatures checked beforehand by CheckTxBatch, as
// the pool does on admission) and answers, and the host decodes the answer
// and turns its write logs into the MKVS form a worker stashes. ns/op and
// allocs/op count both sides.
func BenchmarkRHP_ExecuteTxBatch5000(b *testing.B) {
	kv, err := mkvs.Open(b.TempDir(), mkvs.Options{Namespace: mkvs.Namespace{7}, NoSync: true})
	if err != nil {
		b.Fatal(err)
	}
	defer kv.Close()
	prev, blk, txs := transferBatch(b, kv)
	conn := rhpPair(b, kv)
	ctx := context.Background()
	var check rhp.CheckTxBatchResponse
	if err := conn.Call(ctx, &rhp.CheckTxBatch{Context: blk, StateRoot: prev, Txs: txs}, &check); err != nil {
		b.Fatal(err)
	}
	sh := &StorageHandler{KV: kv}
	b.ReportAllocs()
	defer reportCPU(b)()
	for b.Loop() {
		req := &rhp.ExecuteTxBatch{Round: 1, Context: blk, PrevRoots: rhp.Roots{State: prev}, Txs: txs}
		if err := sh.Prefetch(ctx, req); err != nil {
			b.Fatal(err)
		}
		var resp rhp.ExecuteTxBatchResponse
		if err := conn.Call(ctx, req, &resp); err != nil {
			b.Fatal(err)
		}
		if len(resp.Results) != len(txs) || resp.Results[len(txs)-1].Code != hosted.CodeOK {
			b.Fatalf("%d results, last %+v", len(resp.Results), resp.Results[len(resp.Results)-1])
		}
		if _, err := FromRHPLog(resp.StateWriteLog).MarshalBinary(); err != nil {
			b.Fatal(err)
		}
		if _, err := FromRHPLog(resp.IOWriteLog).MarshalBinary(); err != nil {
			b.Fatal(err)
		}
	}
	b.ReportMetric(float64(len(txs)*b.N)/b.Elapsed().Seconds(), "tx/s")
}

// BenchmarkRHP_CheckTxBatch5000 is the admission check of 5,000 transfers
// through the runtime over RHP, fee payers read through the host.
func BenchmarkRHP_CheckTxBatch5000(b *testing.B) {
	kv, err := mkvs.Open(b.TempDir(), mkvs.Options{Namespace: mkvs.Namespace{7}, NoSync: true})
	if err != nil {
		b.Fatal(err)
	}
	defer kv.Close()
	prev, blk, txs := transferBatch(b, kv)
	conn := rhpPair(b, kv)
	ctx := context.Background()
	b.ReportAllocs()
	defer reportCPU(b)()
	for b.Loop() {
		var resp rhp.CheckTxBatchResponse
		if err := conn.Call(ctx, &rhp.CheckTxBatch{Context: blk, StateRoot: prev, Txs: txs}, &resp); err != nil {
			b.Fatal(err)
		}
		if len(resp.Results) != len(txs) || resp.Results[0].Code != hosted.CodeOK {
			b.Fatalf("%d results, first %+v", len(resp.Results), resp.Results[0])
		}
	}
}

// reportCPU reports the process's CPU time (user and system, every
// goroutine and the garbage collector) per operation from now until the
// returned function is called: on a shared machine it varies much less
// than ns/op, which is wall time.
func reportCPU(b *testing.B) func() {
	start := cpuTime()
	return func() { b.ReportMetric(float64(cpuTime()-start)/1e6/float64(b.N), "cpu-ms/op") }
}

func cpuTime() int64 {
	var ru unix.Rusage
	if err := unix.Getrusage(unix.RUSAGE_SELF, &ru); err != nil {
		return 0
	}
	return ru.Utime.Nano() + ru.Stime.Nano()
}

// BenchmarkStorageHandler_Prefetch is the host's read of a 5,000-transfer
// batch's accounts with one proof, each round before ExecuteTxBatch.
func BenchmarkStorageHandler_Prefetch(b *testing.B) {
	kv, err := mkvs.Open(b.TempDir(), mkvs.Options{Namespace: mkvs.Namespace{7}, NoSync: true})
	if err != nil {
		b.Fatal(err)
	}
	defer kv.Close()
	prev, blk, txs := transferBatch(b, kv)
	sh := &StorageHandler{KV: kv}
	ctx := context.Background()
	b.ReportAllocs()
	for b.Loop() {
		req := &rhp.ExecuteTxBatch{Round: 1, Context: blk, PrevRoots: rhp.Roots{State: prev}, Txs: txs}
		if err := sh.Prefetch(ctx, req); err != nil {
			b.Fatal(err)
		}
	}
}

// BenchmarkHosted_ExecuteTxBatch5000 is BenchmarkRHP_ExecuteTxBatch5000
// with the runtime in its real sandboxed process (bubblewrap, seccomp), as
// a worker runs it: ns/op is the round's wall time, cpu-ms/op this
// process's CPU (the host's side) and runtime-cpu-ms/op the sandbox's.
func BenchmarkHosted_ExecuteTxBatch5000(b *testing.B) {
	if _, err := exec.LookPath("bwrap"); err != nil {
		b.Fatal("bubblewrap is required: apt-get install bubblewrap")
	}
	kv, err := mkvs.Open(b.TempDir(), mkvs.Options{Namespace: mkvs.Namespace{7}, NoSync: true})
	if err != nil {
		b.Fatal(err)
	}
	defer kv.Close()
	prev, blk, txs := transferBatch(b, kv)
	rt, err := NewHosted(host.Config{Sandbox: sandbox.Config{Binary: svmRuntime, Trampoline: trampoline},
		Info: rhp.InfoRequest{LocalConfig: localConfig}}, kv)
	if err != nil {
		b.Fatal(err)
	}
	defer rt.Close()
	ctx := context.Background()
	if _, err := rt.CheckTx(ctx, &rhp.CheckTxBatch{Context: blk, StateRoot: prev, Txs: txs}); err != nil {
		b.Fatal(err)
	}
	pid := rt.H.Status().Pid
	b.ReportAllocs()
	defer reportCPU(b)()
	rtStart := processTreeCPU(pid)
	for b.Loop() {
		resp, err := rt.ExecuteTxBatch(ctx, &rhp.ExecuteTxBatch{Round: 1, Context: blk, PrevRoots: rhp.Roots{State: prev}, Txs: txs})
		if err != nil {
			b.Fatal(err)
		}
		if resp.Results[len(txs)-1].Code != hosted.CodeOK {
			b.Fatalf("last result %+v", resp.Results[len(txs)-1])
		}
		if _, err := FromRHPLog(resp.StateWriteLog).MarshalBinary(); err != nil {
			b.Fatal(err)
		}
		if _, err := FromRHPLog(resp.IOWriteLog).MarshalBinary(); err != nil {
			b.Fatal(err)
		}
	}
	if rtStart >= 0 {
		b.ReportMetric(float64(processTreeCPU(pid)-rtStart)/1e6/float64(b.N), "runtime-cpu-ms/op")
	}
}

// processTreeCPU is the user and system CPU time, in nanoseconds, of the
// process pid and its descendants (from /proc), or -1 when unreadable.
func processTreeCPU(pid int) int64 {
	stat, err := os.ReadFile(fmt.Sprintf("/proc/%d/stat", pid))
	if err != nil {
		return -1
	}
	// Fields after the command (which may hold spaces) start after ')':
	// state is field 3, utime 14 and stime 15.
	f := strings.Fields(string(stat[bytes.LastIndexByte(stat, ')')+1:]))
	if len(f) < 13 {
		return -1
	}
	ut, err1 := strconv.ParseInt(f[11], 10, 64)
	st, err2 := strconv.ParseInt(f[12], 10, 64)
	if err1 != nil || err2 != nil {
		return -1
	}
	total := (ut + st) * int64(time.Second) / clockTicks
	children, _ := os.ReadFile(fmt.Sprintf("/proc/%d/task/%d/children", pid, pid))
	for _, c := range strings.Fields(string(children)) {
		if n, err := strconv.Atoi(c); err == nil {
			if t := processTreeCPU(n); t > 0 {
				total += t
			}
		}
	}
	return total
}

// clockTicks is USER_HZ, the unit of /proc's CPU times (100 on Linux).
const clockTicks = 100
