package node_test

import (
	"context"
	"crypto/ed25519"
	"crypto/sha256"
	"encoding/binary"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"slices"
	"strconv"
	"strings"
	"sync"
	"syscall"
	"testing"
	"time"

	rpchttp "github.com/cometbft/cometbft/rpc/client/http"

	"github.com/atoll-dev/atoll/client"
	"github.com/atoll-dev/atoll/consensus/genesis"
	"github.com/atoll-dev/atoll/consensus/roothash/api"
	"github.com/atoll-dev/atoll/runtime/svm"
	"github.com/atoll-dev/atoll/runtime/svm/sol"
	"github.com/atoll-dev/atoll/storage/mkvs"
	"github.com/atoll-dev/atoll/storage/mkvs/accounts"
	wclient "github.com/atoll-dev/atoll/worker/client"
	"github.com/atoll-dev/atoll/worker/storage"
	"github.com/atoll-dev/atoll/worker/submit"
)

// recentBlockhash is the hash of the SVM runtime's header two rounds behind
// the latest finalized one (every worker has applied it).
func recentBlockhash(ctx context.Context, rpc string) (sol.Hash, error) {
	c, err := rpchttp.New(rpc, "/websocket")
	if err != nil {
		return sol.Hash{}, err
	}
	res, err := c.ABCIQuery(ctx, api.QueryLatest, api.RuntimeQueryData(genesis.SVMRuntimeID))
	if err != nil {
		return sol.Hash{}, err
	}
	v, err := api.DecodeBlock(res.Response.Value)
	if err != nil {
		return sol.Hash{}, err
	}
	if v.Header.Round >= 2 {
		if res, err = c.ABCIQuery(ctx, api.QueryBlock, api.BlockQueryData(genesis.SVMRuntimeID, v.Header.Round-2)); err != nil {
			return sol.Hash{}, err
		}
		if v, err = api.DecodeBlock(res.Response.Value); err != nil {
			return sol.Hash{}, err
		}
	}
	return sol.Hash(v.Hash), nil
}

// recipient i is a fresh account of the test.
func recipient(i int) sol.Pubkey {
	var seed [8]byte
	binary.LittleEndian.PutUint64(seed[:], uint64(i))
	h := sha256.Sum256(append([]byte("atoll/test/recipient"), seed[:]...))
	return client.PubkeyOf(ed25519.NewKeyFromSeed(h[:]))
}

// transferTx is from → to of lamports, signed.
func transferTx(t testing.TB, from ed25519.PrivateKey, to sol.Pubkey, lamports uint64, recent sol.Hash) []byte {
	src := client.PubkeyOf(from)
	m, err := sol.NewLegacyMessage(src, recent, svm.Transfer(src, to, lamports))
	if err != nil {
		t.Fatal(err)
	}
	x := &sol.Transaction{Message: m}
	if err := x.Sign(from); err != nil {
		t.Fatal(err)
	}
	raw, err := x.MarshalBinary()
	if err != nil {
		t.Fatal(err)
	}
	return raw
}

// submitTransfer sends lamports to recipient(i) through c and reports
// whether the node answered that the transfer was finalized successfully.
func submitTransfer(ctx context.Context, t testing.TB, c *wclient.Client, rpc string, faucet ed25519.PrivateKey, i int, lamports uint64) (bool, error) {
	_, ok, err := submitTransferRound(ctx, t, c, rpc, faucet, i, lamports)
	return ok, err
}

// submitTransferRound is submitTransfer that also returns the round that
// included the transfer.
func submitTransferRound(ctx context.Context, t testing.TB, c *wclient.Client, rpc string, faucet ed25519.PrivateKey, i int, lamports uint64) (uint64, bool, error) {
	var res *submit.TxResult
	for {
		recent, err := recentBlockhash(ctx, rpc)
		if err != nil {
			return 0, false, err
		}
		res, err = c.SubmitTx(ctx, transferTx(t, faucet, recipient(i), lamports, recent))
		// A node still catching up does not know the newest blockhashes
		// yet; a client retries, as with any Solana node.
		if err != nil && strings.Contains(err.Error(), "blockhash not found") && ctx.Err() == nil {
			time.Sleep(200 * time.Millisecond)
			continue
		}
		if err != nil {
			return 0, false, err
		}
		break
	}
	if res.Code != 0 {
		return 0, false, fmt.Errorf("transfer %d: code %d: %s", i, res.Code, res.Error)
	}
	return res.Round, true, nil
}

// balances opens a stopped network's worker store and reads accounts at
// its latest finalized round.
func balances(t *testing.T, workerDir string, keys []sol.Pubkey) (round uint64, out []uint64) {
	t.Helper()
	rep, err := storage.OpenReplica(filepath.Join(workerDir, genesis.SVMRuntimeID.String()), mkvs.Namespace(genesis.SVMRuntimeID), true)
	if err != nil {
		t.Fatal(err)
	}
	defer rep.Close()
	round, _, ok := rep.Round()
	if !ok {
		t.Fatalf("%s holds no state", workerDir)
	}
	st, err := accounts.Open(rep.KV)
	if err != nil {
		t.Fatal(err)
	}
	for _, k := range keys {
		a, _, err := st.Account(k)
		if err != nil {
			t.Fatal(err)
		}
		out = append(out, a.Lamports)
	}
	return round, out
}

// devnetProc is one `atoll devnet` process.
type devnetProc struct {
	cmd *exec.Cmd
	out *syncBuffer
}

func startDevnet(t *testing.T, bin string, args ...string) *devnetProc {
	t.Helper()
	return startDevnetEnv(t, bin, nil, args...)
}

// startDevnetEnv starts a devnet with env (nil: this process's).
func startDevnetEnv(t *testing.T, bin string, env []string, args ...string) *devnetProc {
	t.Helper()
	if !slices.Contains(args, "--rpc-port") {
		args = append(args, "--rpc-port", "") // tests that want the Solana RPC pick its port
	}
	p := &devnetProc{cmd: exec.Command(bin, append([]string{"devnet"}, args...)...), out: &syncBuffer{}}
	p.cmd.Env = env
	p.cmd.Stdout, p.cmd.Stderr = p.out, p.out
	if err := p.cmd.Start(); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() {
		if p.cmd.ProcessState == nil {
			p.cmd.Process.Kill()
			p.cmd.Wait()
		}
		if t.Failed() {
			t.Logf("devnet output tail:\n%s", tail([]byte(p.out.String()), 3000))
		}
	})
	return p
}

// waitLine waits until the output has a line containing each of parts.
func (p *devnetProc) waitLine(t *testing.T, timeout time.Duration, parts ...string) {
	t.Helper()
	deadline := time.Now().Add(timeout)
	for time.Now().Before(deadline) {
		for _, line := range strings.Split(p.out.String(), "\n") {
			all := true
			for _, s := range parts {
				all = all && strings.Contains(line, s)
			}
			if all {
				return
			}
		}
		time.Sleep(50 * time.Millisecond)
	}
	t.Fatalf("no line with %q in devnet output", parts)
}

// TestDevnet_TransfersSurviveKill runs `atoll devnet` with the sandboxed
// SVM runtime and its default committee (2 workers, 1 backup of 3 compute
// nodes), submits faucet transfers through the submission API under load,
// kills the whole devnet with SIGKILL mid-load, restarts it, and checks
// that every transfer the API reported finalized is in every node's state
// with the right balance, and that the restarted devnet finalizes more.
func TestDevnet_TransfersSurviveKill(t *testing.T) {
	bin := buildAtoll(t)
	dir := filepath.Join(t.TempDir(), "devnet")
	base := freeBase(t)
	args := []string{"--dir", dir, "--block-time", "100ms", "--epoch-blocks", "30", "--base-port", strconv.Itoa(base)}
	rpc := fmt.Sprintf("http://127.0.0.1:%d", base+1)
	submitURL := fmt.Sprintf("http://127.0.0.1:%d", base+10+1) // compute-0
	dn := startDevnet(t, bin, args...)
	dn.waitLine(t, 60*time.Second, "runtime svm round 3 finalized")
	if out := dn.out.String(); !strings.Contains(out, "sandboxed (bubblewrap)") || !strings.Contains(out, "submission API: "+submitURL) {
		t.Fatalf("devnet did not report sandboxed workers and the submission API:\n%s", out)
	}
	faucet, err := client.ReadKeypair(filepath.Join(dir, "faucet.json"))
	if err != nil {
		t.Fatal(err)
	}
	c := &wclient.Client{URL: submitURL, Runtime: genesis.SVMRuntimeID}
	ctx, cancel := context.WithTimeout(context.Background(), 90*time.Second)
	defer cancel()
	amount := func(i int) uint64 { return 1_000_000_000 + uint64(i) }
	round0, ok, err := submitTransferRound(ctx, t, c, rpc, faucet, 0, amount(0))
	if !ok {
		t.Fatalf("first transfer: %v", err)
	}

	// Load: senders keep submitting until the devnet dies under them.
	var (
		mu        sync.Mutex
		finalized = []int{0}
		rounds    = map[int]uint64{0: round0}
		next      = 1
		wg        sync.WaitGroup
	)
	loadCtx, stopLoad := context.WithCancel(ctx)
	for g := 0; g < 16; g++ {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for loadCtx.Err() == nil {
				mu.Lock()
				i := next
				next++
				mu.Unlock()
				if r, ok, _ := submitTransferRound(loadCtx, t, c, rpc, faucet, i, amount(i)); ok {
					mu.Lock()
					finalized = append(finalized, i)
					rounds[i] = r
					mu.Unlock()
				} else {
					time.Sleep(20 * time.Millisecond)
				}
			}
		}()
	}
	for {
		mu.Lock()
		n := len(finalized)
		mu.Unlock()
		if n >= 40 {
			break
		}
		if ctx.Err() != nil {
			t.Fatalf("only %d transfers finalized", n)
		}
		time.Sleep(20 * time.Millisecond)
	}
	if err := dn.cmd.Process.Signal(syscall.SIGKILL); err != nil {
		t.Fatal(err)
	}
	dn.cmd.Wait()
	stopLoad()
	wg.Wait()
	mu.Lock()
	reported := append([]int(nil), finalized...)
	submitted := next
	mu.Unlock()

	dn = startDevnet(t, bin, args...)
	dn.waitLine(t, 60*time.Second, "resuming devnet")
	dn.waitLine(t, 60*time.Second, "runtime svm round", "finalized")
	after := submitted + 1
	rAfter, ok, err := submitTransferRound(ctx, t, c, rpc, faucet, after, amount(after))
	if !ok {
		t.Fatalf("transfer after the restart: %v", err)
	}
	reported = append(reported, after)
	rounds[after] = rAfter
	dn.cmd.Process.Signal(os.Interrupt)
	if err := dn.cmd.Wait(); err != nil {
		t.Fatalf("devnet exit: %v", err)
	}

	keys := make([]sol.Pubkey, len(reported))
	for i, r := range reported {
		keys[i] = recipient(r)
	}
	// compute-0 answered every submission after applying its round; the
	// other nodes were stopped wherever their catch-up was, so they are
	// checked up to their latest round.
	for j := 0; j < 3; j++ {
		wdir := filepath.Join(dir, "data", "workers", fmt.Sprintf("compute-%d", j))
		round, got := balances(t, wdir, keys)
		if j == 0 && round < rAfter {
			t.Errorf("compute-0 stopped at round %d, before round %d it reported finalized", round, rAfter)
		}
		for i, r := range reported {
			if rounds[r] > round {
				continue
			}
			if got[i] != amount(r) {
				t.Errorf("compute-%d at round %d: transfer %d reported finalized, recipient holds %d, want %d", j, round, r, got[i], amount(r))
			}
		}
	}
	t.Logf("%d transfers reported finalized (of %d submitted) survived the kill", len(reported), submitted+1)
}

// TestDevnet_NoBwrap: without bubblewrap the devnet refuses to start with
// one line naming the Debian package; --unsafe-no-sandbox runs the runtime
// in-process after a warning.
func TestDevnet_NoBwrap(t *testing.T) {
	bin := buildAtoll(t)
	dir := filepath.Join(t.TempDir(), "devnet")
	base := strconv.Itoa(freeBase(t))
	cmd := exec.Command(bin, "devnet", "--dir", dir, "--base-port", base, "--rpc-port", "")
	cmd.Env = append(os.Environ(), "PATH="+t.TempDir())
	out, err := cmd.CombinedOutput()
	var last string
	if lines := strings.Split(strings.TrimSpace(string(out)), "\n"); len(lines) > 0 {
		last = lines[len(lines)-1]
	}
	if err == nil || !strings.Contains(last, "Debian package bubblewrap") {
		t.Fatalf("devnet without bwrap: %v\n%s", err, out)
	}
	dn := startDevnetEnv(t, bin, cmd.Env, "--dir", dir, "--base-port", base, "--block-time", "100ms", "--unsafe-no-sandbox")
	dn.waitLine(t, 60*time.Second, "runtime svm round 2 finalized")
	if out := dn.out.String(); !strings.Contains(out, "--unsafe-no-sandbox") || !strings.Contains(out, "in-process (UNSAFE: no sandbox)") {
		t.Fatalf("no warning for --unsafe-no-sandbox:\n%s", out)
	}
	dn.cmd.Process.Signal(os.Interrupt)
	if err := dn.cmd.Wait(); err != nil {
		t.Fatalf("devnet exit: %v", err)
	}
}
