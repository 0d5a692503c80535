package agent_test

import (
	"bufio"
	"context"
	"encoding/hex"
	"fmt"
	"io"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"sync"
	"syscall"
	"testing"
	"time"

	"github.com/atoll-dev/atoll/bridge/agent"
	"github.com/atoll-dev/atoll/bridge/agent/localnet"
	"github.com/atoll-dev/atoll/bridge/keccak"
	"github.com/atoll-dev/atoll/bridge/programs/tokenbridge"
	breplica "github.com/atoll-dev/atoll/bridge/replica"
	"github.com/atoll-dev/atoll/bridge/update"
)

var (
	buildOnce sync.Once
	atollBin  string
	buildErr  error
)

// atollBinary builds cmd/atoll once per test process.
func atollBinary(t *testing.T) string {
	t.Helper()
	return atollBinaryTB(t)
}

// atollBinaryB is atollBinary for benchmarks.
func atollBinaryB(b *testing.B) string {
	b.Helper()
	return atollBinaryTB(b)
}

func atollBinaryTB(t testing.TB) string {
	t.Helper()
	buildOnce.Do(func() {
		dir, err := os.MkdirTemp("", "atoll-agent-test-")
		if err != nil {
			buildErr = err
			return
		}
		atollBin = filepath.Join(dir, "atoll")
		out, err := exec.Command("go", "build", "-o", atollBin, "github.com/atoll-dev/atoll/cmd/atoll").CombinedOutput()
		if err != nil {
			buildErr = fmt.Errorf("building cmd/atoll: %v\n%s", err, out)
		}
	})
	if buildErr != nil {
		t.Fatal(buildErr)
	}
	return atollBin
}

// proc is an agent running as a child process.
type proc struct {
	t     *testing.T
	role  string
	path  string
	cmd   *exec.Cmd
	lines chan string
	done  chan struct{}
}

// spawn starts `atoll agent role --config path`; its log lines are sent on
// p.lines (and to the test log when verbose).
func (tb *testBridge) spawn(role, path string) *proc {
	tb.t.Helper()
	p := &proc{t: tb.t, role: role, path: path, lines: make(chan string, 4096), done: make(chan struct{})}
	p.cmd = exec.Command(atollBinary(tb.t), "agent", role, "--config", path)
	stderr, err := p.cmd.StderrPipe()
	if err != nil {
		tb.t.Fatal(err)
	}
	if err := p.cmd.Start(); err != nil {
		tb.t.Fatal(err)
	}
	go func() {
		defer close(p.done)
		sc := bufio.NewScanner(stderr)
		for sc.Scan() {
			if testing.Verbose() {
				fmt.Fprintf(os.Stderr, "[%s %d] %s\n", filepath.Base(path), p.cmd.Process.Pid, sc.Text())
			}
			select {
			case p.lines <- sc.Text():
			default:
			}
		}
		io.Copy(io.Discard, stderr)
	}()
	tb.t.Cleanup(func() { p.kill() })
	return p
}

// kill ends the process with SIGKILL, as a crash would.
func (p *proc) kill() {
	if p.cmd.ProcessState != nil {
		return
	}
	_ = p.cmd.Process.Signal(syscall.SIGKILL)
	<-p.done
	_ = p.cmd.Wait()
}

// waitLine waits for a log line containing s.
func (p *proc) waitLine(s string) {
	p.t.Helper()
	timeout := time.After(time.Minute)
	for {
		select {
		case l := <-p.lines:
			if strings.Contains(l, s) {
				return
			}
		case <-timeout:
			p.t.Fatalf("%s: no log line with %q", p.role, s)
		}
	}
}

// signingWatch records what every updater serves for each old root, and
// fails if an updater ever serves two different new roots for one.
type signingWatch struct {
	mu    sync.Mutex
	seen  map[string]keccak.Hash // updater URL + old root → new root
	twice []string
}

func (w *signingWatch) poll(ctx context.Context, urls []string, olds func() []keccak.Hash) {
	for ctx.Err() == nil {
		for _, u := range urls {
			for _, old := range olds() {
				resp, err := http.Get(u + agent.SignedPath(domainA, old))
				if err != nil {
					continue
				}
				b, _ := io.ReadAll(resp.Body)
				resp.Body.Close()
				if resp.StatusCode != http.StatusOK {
					continue
				}
				var su update.SignedUpdate
				raw, err := hexDecode(strings.TrimSpace(string(b)))
				if err != nil || su.UnmarshalBinary(raw) != nil {
					continue
				}
				k := u + old.String()
				w.mu.Lock()
				if prev, ok := w.seen[k]; ok && prev != su.NewRoot {
					w.twice = append(w.twice, fmt.Sprintf("%s signed %s → %s and → %s", u, old, prev, su.NewRoot))
				}
				w.seen[k] = su.NewRoot
				w.mu.Unlock()
			}
		}
		time.Sleep(30 * time.Millisecond)
	}
}

// TestAgents_CrashRestart runs the agents as child processes of the atoll
// binary and kills the proposing updater with SIGKILL right after it signs,
// while messages keep arriving, and the processor in the middle of
// delivering; both restart from their databases. No updater signs two roots
// for one old root, the watcher finds no fraud, every message is processed,
// and the token transfer among them is minted exactly once. Then the same
// networks serve the lone-updater frauds (loneUpdaters: one updater's
// signature at its exchange, a double update on A and an improper update on
// B), which a watcher reading that exchange proves. It runs on devbank
// chains and on two real atoll networks.
func TestAgents_CrashRestart(t *testing.T) {
	t.Parallel()
	for _, net := range []string{"devbank", "atoll networks"} {
		t.Run(net, func(t *testing.T) {
			t.Parallel()
			o := bridgeOpts{optimistic: 2}
			if net != "devbank" {
				o.atoll = atollBinary(t)
			}
			crashRestart(t, newTestBridge(t, o))
		})
	}
}

func crashRestart(t *testing.T, tb *testBridge) {
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	upaths, ls := tb.updaterConfigs("alpha")
	for _, l := range ls {
		l.Close() // the child processes bind them
	}
	var ups []*proc
	var urls []string
	for _, p := range upaths {
		ups = append(ups, tb.spawn("updater", p))
		cfg, err := agent.LoadConfig(p, func(string) string { return "" })
		if err != nil {
			t.Fatal(err)
		}
		urls = append(urls, "http://"+cfg.Updater.Listen)
	}
	relayer := tb.spawn("relayer", tb.config("relayer-alpha", "alpha", payers("relayer")))
	_ = relayer
	ppath := tb.config("processor-alpha", "alpha", payers("processor"))
	processor := tb.spawn("processor", ppath)
	tb.startAgents("alpha", "watcher")

	// Every root the Home committed or queued is an old root someone may sign from.
	var rootsMu sync.Mutex
	roots := []keccak.Hash{}
	olds := func() []keccak.Hash {
		rootsMu.Lock()
		defer rootsMu.Unlock()
		return append([]keccak.Hash(nil), roots...)
	}
	watch := &signingWatch{seen: map[string]keccak.Hash{}}
	go watch.poll(ctx, urls, olds)
	go func() {
		for ctx.Err() == nil {
			if st, err := agent.HomeState(ctx, tb.a.Chain); err == nil {
				rootsMu.Lock()
				have := map[keccak.Hash]bool{}
				for _, r := range roots {
					have[r] = true
				}
				for _, r := range append([]keccak.Hash{st.Home.CommittedRoot()}, st.Home.Queue()...) {
					if !have[r] {
						roots = append(roots, r)
					}
				}
				rootsMu.Unlock()
			}
			time.Sleep(30 * time.Millisecond)
		}
	}()

	var msgs []agent.Dispatched
	send := func(n int) {
		for i := 0; i < n; i++ {
			msgs = append(msgs, tb.dispatch(localnet.Inbox, fmt.Sprintf("message %d", len(msgs))))
		}
	}
	send(1)
	// Crash the proposer just after it signed, then let the queue grow
	// before it comes back: a forgetful updater would now pick a newer root.
	ups[0].waitLine("signed update")
	ups[0].kill()
	send(2)
	ups[0] = tb.spawn("updater", upaths[0])

	tb.eventually("the first message processed", func() bool { return tb.status(msgs[0]) == breplica.Processed })
	send(2)
	const amount = 4_000_000_000
	recipient := agent.PubkeyOf(key("recipient"))
	msgs = append(msgs, tb.sendDispatch(tokenbridge.SendInstruction(domainA, agent.PubkeyOf(tb.user), domainB, recipient, amount, domainA)))
	// Crash the processor while it works through the new messages.
	tb.eventually("a root covering every message relayed", func() bool {
		st, err := agent.ReplicaState(ctx, tb.b.Chain, domainA)
		return err == nil && st.CommittedRoot() == msgs[len(msgs)-1].Root
	})
	processor.waitLine("processed message")
	processor.kill()
	time.Sleep(300 * time.Millisecond)
	processor = tb.spawn("processor", ppath)
	_ = processor
	// And crash a follower updater mid-run too.
	ups[1].kill()
	send(1)
	ups[1] = tb.spawn("updater", upaths[1])

	tb.eventually("every message processed", func() bool {
		for _, m := range msgs {
			if tb.status(m) != breplica.Processed {
				return false
			}
		}
		return true
	})
	cancel()
	// The transfer was minted once, and the escrow holds exactly its amount
	// above the rent minimum.
	if got := tb.wrapped(recipient); got != amount {
		t.Fatalf("wrapped balance on B = %d, want %d", got, amount)
	}
	rent, err := tb.a.Chain.RPC.GetMinimumBalanceForRentExemption(context.Background(), 0)
	if err != nil {
		t.Fatal(err)
	}
	if got := tb.escrowed(); got != rent+amount {
		t.Fatalf("escrow on A = %d, want %d (rent) + %d", got, rent, amount)
	}
	watch.mu.Lock()
	twice, seen := watch.twice, len(watch.seen)
	watch.mu.Unlock()
	if len(twice) > 0 {
		t.Fatalf("double signing:\n%s", strings.Join(twice, "\n"))
	}
	if seen == 0 {
		t.Fatal("the signing watch saw no signatures")
	}
	if tb.homeFailed() || tb.replicaHalted() || !tb.replicaEnrolled() {
		t.Fatal("the bridge was failed, halted or unenrolled without fraud")
	}
	tb.loneUpdaters()
}

func hexDecode(s string) ([]byte, error) { return hex.DecodeString(s) }

// TestMain removes the atoll binary the crash test built.
func TestMain(m *testing.M) {
	code := m.Run()
	if atollBin != "" {
		os.RemoveAll(filepath.Dir(atollBin))
	}
	os.Exit(code)
}
