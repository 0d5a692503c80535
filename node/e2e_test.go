package node_test

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"
	"sync"
	"syscall"
	"testing"
	"time"

	rpchttp "github.com/cometbft/cometbft/rpc/client/http"

	"github.com/atoll-dev/atoll/client"
	"github.com/atoll-dev/atoll/consensus/app"
	"github.com/atoll-dev/atoll/consensus/genesis"
	"github.com/atoll-dev/atoll/node"
	wclient "github.com/atoll-dev/atoll/worker/client"
)

// proc is one `atoll node` process.
type proc struct {
	home string
	rpc  string
	cmd  *exec.Cmd
	log  *os.File
}

func (p *proc) start(t *testing.T, bin string) {
	t.Helper()
	f, err := os.OpenFile(p.home+".log", os.O_CREATE|os.O_WRONLY|os.O_APPEND, 0o600)
	if err != nil {
		t.Fatal(err)
	}
	p.log = f
	p.cmd = exec.Command(bin, "node", "--home", p.home)
	p.cmd.Stdout, p.cmd.Stderr = f, f
	if err := p.cmd.Start(); err != nil {
		t.Fatal(err)
	}
}

// appStatus asks the node's own application for its height and app hash.
func (p *proc) appStatus(ctx context.Context) (app.Status, error) {
	var st app.Status
	c, err := rpchttp.New(p.rpc, "/websocket")
	if err != nil {
		return st, err
	}
	res, err := c.ABCIQuery(ctx, "app/status", nil)
	if err != nil {
		return st, err
	}
	return st, json.Unmarshal(res.Response.Value, &st)
}

// freeBase finds a base port from which 50 ports (4 validators' port
// pairs, then the compute nodes' worker and submission ports) are free on
// loopback.
func freeBase(t *testing.T) int { return node.FreePortRange(t, 50) }

// TestNetwork_FourProcesses runs four validators as separate atoll
// processes, three of them hosting a compute node each (2 workers, 1
// backup, sandboxed runtime), checks that they compute identical app hashes
// across epochs, kills one validator and its compute node with SIGKILL
// while a transfer is in flight, checks that consensus and the runtime stay
// live without it, and that the restarted node catches up: its own
// submission API then answers a transfer with its finalized result.
func TestNetwork_FourProcesses(t *testing.T) {
	dir := t.TempDir()
	bin := buildAtoll(t)
	base := freeBase(t)
	initOut, err := exec.Command(bin, "init", "--validators", "4", "--compute", "3", "--workers", "2", "--backups", "1", "--out", filepath.Join(dir, "net"),
		"--block-time", "100ms", "--epoch-blocks", "30", "--base-port", strconv.Itoa(base)).CombinedOutput()
	if err != nil {
		t.Fatalf("atoll init: %v\n%s", err, initOut)
	}
	procs := make([]*proc, 4)
	for i := range procs {
		procs[i] = &proc{home: filepath.Join(dir, "net", fmt.Sprintf("node%d", i)), rpc: fmt.Sprintf("http://127.0.0.1:%d", base+10*i+1)}
		procs[i].start(t, bin)
	}
	t.Cleanup(func() {
		for _, p := range procs {
			if p.cmd.ProcessState == nil {
				p.cmd.Process.Kill()
				p.cmd.Wait()
			}
			p.log.Close()
		}
		if t.Failed() {
			for _, p := range procs {
				b, _ := os.ReadFile(p.home + ".log")
				t.Logf("%s log tail:\n%s", filepath.Base(p.home), tail(b, 2000))
			}
		}
	})
	ctx, cancel := context.WithTimeout(context.Background(), 90*time.Second)
	defer cancel()

	// hashes[height] is the app hash every node reported at that height.
	hashes := map[int64][]byte{}
	compared := 0
	observe := func(ps []*proc) (minHeight int64, minEpoch uint64) {
		minHeight, minEpoch = 1<<62, 1<<62
		for _, p := range ps {
			st, err := p.appStatus(ctx)
			if err != nil {
				return 0, 0
			}
			if prev, ok := hashes[st.Height]; ok {
				if !bytes.Equal(prev, st.AppHash) {
					t.Fatalf("%s: app hash at height %d is %X, another node had %X", filepath.Base(p.home), st.Height, st.AppHash, prev)
				}
				compared++
			} else {
				hashes[st.Height] = st.AppHash
			}
			minHeight, minEpoch = min(minHeight, st.Height), min(minEpoch, st.Epoch)
		}
		return minHeight, minEpoch
	}
	waitFor := func(what string, ps []*proc, done func(h int64, e uint64) bool) int64 {
		for {
			h, e := observe(ps)
			if h > 0 && done(h, e) {
				return h
			}
			select {
			case <-ctx.Done():
				t.Fatalf("timed out waiting for %s (lowest height %d, epoch %d)", what, h, e)
			case <-time.After(50 * time.Millisecond):
			}
		}
	}

	waitFor("height 8 on all four", procs, func(h int64, _ uint64) bool { return h >= 8 })
	if compared < 3 {
		t.Fatalf("only %d app hash comparisons at equal heights", compared)
	}
	status, err := exec.Command(bin, "status", "--rpc", procs[1].rpc).CombinedOutput()
	if err != nil || !strings.Contains(string(status), "runtime svm") || !strings.Contains(string(status), "executor committee of svm") {
		t.Fatalf("atoll status: %v\n%s", err, status)
	}

	faucet, err := client.ReadKeypair(filepath.Join(dir, "net", "faucet.json"))
	if err != nil {
		t.Fatal(err)
	}
	submitter := func(j int) *wclient.Client {
		return &wclient.Client{URL: fmt.Sprintf("http://127.0.0.1:%d", base+40+2*j+1), Runtime: genesis.SVMRuntimeID}
	}
	transfer := func(j, i int) {
		t.Helper()
		if ok, err := submitTransfer(ctx, t, submitter(j), procs[0].rpc, faucet, i, 1_000_000_000); !ok {
			t.Fatalf("transfer %d through compute-%d: %v", i, j, err)
		}
	}
	start := time.Now()
	transfer(0, 1)
	t.Logf("%v: first transfer finalized", time.Since(start))

	// kill -9 node2, a validator hosting compute-2, with a transfer in
	// flight: the other three validators hold more than 2/3 of the power,
	// and the runtime needs 2 of 3 storage receipts.
	victim := procs[2]
	inflight := make(chan error, 1)
	go func() {
		_, err := submitTransfer(ctx, t, submitter(0), procs[0].rpc, faucet, 2, 1_000_000_000)
		inflight <- err
	}()
	time.Sleep(50 * time.Millisecond)
	if err := victim.cmd.Process.Signal(syscall.SIGKILL); err != nil {
		t.Fatal(err)
	}
	victim.cmd.Wait()
	live := []*proc{procs[0], procs[1], procs[3]}
	h0 := waitFor("any height", live, func(int64, uint64) bool { return true })
	hLive := waitFor("progress without node2", live, func(h int64, _ uint64) bool { return h >= h0+8 })
	if err := <-inflight; err != nil {
		t.Fatalf("transfer in flight at the kill: %v", err)
	}
	t.Logf("%v: consensus and the in-flight transfer done without node2", time.Since(start))
	transfer(1, 3)
	t.Logf("%v: transfer without node2 finalized", time.Since(start))

	victim.start(t, bin)
	waitFor("node2 to catch up", []*proc{victim}, func(h int64, _ uint64) bool { return h >= hLive+2 })
	before := compared
	waitFor("all four to advance together past an epoch", procs, func(h int64, e uint64) bool { return h >= hLive+6 && e >= 1 })
	if compared == before {
		t.Fatal("no app hash comparison after node2 rejoined")
	}
	// compute-2 answers only once its own store has the round.
	t.Logf("%v: node2 caught up with consensus", time.Since(start))
	transfer(2, 4)
	t.Logf("%v: compute-2 answered a transfer", time.Since(start))

	// A clean stop exits 0.
	for _, p := range procs {
		p.cmd.Process.Signal(os.Interrupt)
	}
	for _, p := range procs {
		if err := p.cmd.Wait(); err != nil {
			t.Errorf("%s exited with %v", filepath.Base(p.home), err)
		}
	}
}

var (
	buildOnce sync.Once
	builtBin  string
	buildErr  error
	buildDir  string
)

// buildAtoll builds the atoll binary once per test run.
func buildAtoll(t *testing.T) string {
	buildOnce.Do(func() {
		buildDir, buildErr = os.MkdirTemp("", "atoll-e2e-")
		if buildErr != nil {
			return
		}
		builtBin = filepath.Join(buildDir, "atoll")
		out, err := exec.Command("go", "build", "-o", builtBin, "../cmd/atoll").CombinedOutput()
		if err != nil {
			buildErr = fmt.Errorf("%v\n%s", err, out)
		}
	})
	if buildErr != nil {
		t.Fatalf("building atoll: %v", buildErr)
	}
	return builtBin
}

func TestMain(m *testing.M) {
	code := m.Run()
	if buildDir != "" {
		os.RemoveAll(buildDir)
	}
	os.Exit(code)
}

// TestDevnet_RunStopResume drives `atoll devnet` as a user would: a first
// start creates the chain and prints epoch lines, Ctrl-C stops it cleanly,
// a second start resumes, and a second devnet on the same ports fails with
// one clear line.
func TestDevnet_RunStopResume(t *testing.T) {
	bin := buildAtoll(t)
	dir := filepath.Join(t.TempDir(), "devnet")
	port := strconv.Itoa(freeBase(t))
	run := func(wantLine string) (string, *exec.Cmd) {
		cmd := exec.Command(bin, "devnet", "--dir", dir, "--epoch-blocks", "3", "--block-time", "50ms", "--base-port", port, "--rpc-port", "")
		var out syncBuffer
		cmd.Stdout, cmd.Stderr = &out, &out
		if err := cmd.Start(); err != nil {
			t.Fatal(err)
		}
		deadline := time.Now().Add(60 * time.Second)
		for !strings.Contains(out.String(), wantLine) {
			if time.Now().After(deadline) {
				cmd.Process.Kill()
				cmd.Wait()
				t.Fatalf("no %q in devnet output:\n%s", wantLine, out.String())
			}
			time.Sleep(50 * time.Millisecond)
		}
		second, err := exec.Command(bin, "devnet", "--dir", dir+"2", "--base-port", port, "--rpc-port", "").CombinedOutput()
		if err == nil || !strings.Contains(string(second), "port already in use") || strings.Count(strings.TrimSpace(string(second)), "\n") > 2 {
			t.Errorf("second devnet on the same ports: %v\n%s", err, second)
		}
		cmd.Process.Signal(os.Interrupt)
		if err := cmd.Wait(); err != nil {
			t.Fatalf("devnet exit: %v\n%s", err, out.String())
		}
		return out.String(), cmd
	}
	first, _ := run("epoch 2 at height")
	if !strings.Contains(first, "creating devnet") || !strings.Contains(first, "beacon vrf") || !strings.Contains(first, "stopped at height") {
		t.Fatalf("first run output:\n%s", first)
	}
	second, _ := run("epoch 4 at height")
	if !strings.Contains(second, "resuming devnet") || strings.Contains(second, "epoch 1 at height") {
		t.Fatalf("second run did not resume:\n%s", second)
	}
}

// syncBuffer is a bytes.Buffer safe for a process's writes and our reads.
type syncBuffer struct {
	mu sync.Mutex
	b  bytes.Buffer
}

func (s *syncBuffer) Write(p []byte) (int, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.b.Write(p)
}

func (s *syncBuffer) String() string {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.b.String()
}

func tail(b []byte, n int) string {
	if len(b) > n {
		b = b[len(b)-n:]
	}
	return strings.TrimSpace(string(b))
}
