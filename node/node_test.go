package node

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"log/slog"
	"math/rand/v2"
	"net"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	cmttypes "github.com/cometbft/cometbft/types"

	"github.com/atoll-dev/atoll/consensus/app"
	"github.com/atoll-dev/atoll/consensus/codec"
	"github.com/atoll-dev/atoll/consensus/genesis"
	"github.com/atoll-dev/atoll/consensus/governance"
	"github.com/atoll-dev/atoll/consensus/staking"
	"github.com/atoll-dev/atoll/consensus/state"
)

// FreePortRange returns a base port from which n ports are free on
// loopback. It searches below the kernel's ephemeral range (32768 up), where
// the outgoing connections of a busy machine cannot take a port between
// the check and the bind.
func FreePortRange(t testing.TB, n int) int {
	for attempt := 0; attempt < 200; attempt++ {
		base := 20000 + rand.IntN(12000-n)
		ok := true
		for port := base; port < base+n && ok; port++ {
			l, err := net.Listen("tcp", fmt.Sprintf("127.0.0.1:%d", port))
			if err != nil {
				ok = false
				break
			}
			l.Close()
		}
		if ok {
			return base
		}
	}
	t.Fatal("no free port range")
	return 0
}

func devnetHome(t *testing.T) string {
	t.Helper()
	home := filepath.Join(t.TempDir(), "devnet")
	base := FreePortRange(t, 20)
	if err := InitNetwork(NetworkOptions{Homes: []string{home}, ChainID: "atoll-unit", Compute: 4, EpochInterval: 3,
		BlockTime: 30 * time.Millisecond, BasePort: base, ListenHost: "127.0.0.1"}); err != nil {
		t.Fatal(err)
	}
	return home
}

// TestStart_DevnetResume runs a one-validator network in-process until the
// VRF beacon drives elections, stops it, and resumes it from disk.
func TestStart_DevnetResume(t *testing.T) {
	home := devnetHome(t)
	epochs := make(chan app.EpochSummary, 100)
	start := func() *Node {
		n, err := Start(Options{Home: home, OnEpoch: func(s app.EpochSummary) { epochs <- s }})
		if err != nil {
			t.Fatal(err)
		}
		return n
	}
	waitEpoch := func(want uint64) app.EpochSummary {
		timeout := time.After(60 * time.Second)
		for {
			select {
			case s := <-epochs:
				if s.Epoch >= want {
					return s
				}
			case <-timeout:
				t.Fatalf("no epoch %d", want)
			}
		}
	}
	n := start()
	s := waitEpoch(3)
	if s.Insecure {
		t.Fatal("beacon fell back although the agent submits VRF proofs")
	}
	if len(s.Suspended) != 0 || len(s.Committees) != 2 || len(s.Committees[0].Members) == 0 {
		t.Fatalf("epoch summary %+v", s)
	}
	if err := n.Stop(); err != nil {
		t.Fatal(err)
	}
	stopped := n.Height()
	n = start()
	defer n.Stop()
	// Renewals keep the agent's nodes registered past their genesis expiry (epoch 5).
	s = waitEpoch(s.Epoch + 4)
	if s.Height <= stopped || len(s.Suspended) != 0 {
		t.Fatalf("after resume: height %d (stopped at %d), suspended %v", s.Height, stopped, s.Suspended)
	}
}

func TestStart_Errors(t *testing.T) {
	cases := []struct {
		name   string
		break_ func(t *testing.T, home string) func()
		want   error
	}{
		{"occupied port", func(t *testing.T, home string) func() {
			cfg, _ := LoadConfig(home)
			l, err := net.Listen("tcp", strings.TrimPrefix(cfg.RPC.ListenAddress, "tcp://"))
			if err != nil {
				t.Fatal(err)
			}
			return func() { l.Close() }
		}, ErrPortInUse},
		{"bad genesis", func(t *testing.T, home string) func() {
			p := filepath.Join(home, "config", "genesis.json")
			b, _ := os.ReadFile(p)
			os.WriteFile(p, bytes.Replace(b, []byte(`"interval": 3`), []byte(`"interval": 0`), 1), 0o600)
			return func() {}
		}, ErrBadGenesis},
		{"corrupt state", func(t *testing.T, home string) func() {
			dir := filepath.Join(home, "data", "atoll-state")
			os.MkdirAll(dir, 0o700)
			os.WriteFile(filepath.Join(dir, "CURRENT"), []byte("junk\n"), 0o600)
			return func() {}
		}, state.ErrCorrupt},
		{"corrupt validator key", func(t *testing.T, home string) func() {
			os.WriteFile(filepath.Join(home, "config", "priv_validator_key.json"), []byte("{"), 0o600)
			return func() {}
		}, ErrCorruptData},
		{"not a home", func(t *testing.T, home string) func() {
			os.RemoveAll(home)
			return func() {}
		}, ErrNoHome},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			home := devnetHome(t)
			defer c.break_(t, home)()
			n, err := Start(Options{Home: home})
			if err == nil {
				n.Stop()
			}
			if !errors.Is(err, c.want) || strings.Contains(err.Error(), "\n") {
				t.Fatalf("got %v, want one line wrapping %v", err, c.want)
			}
		})
	}
}

func TestIdentities_RoundTrip(t *testing.T) {
	home := devnetHome(t)
	ids, err := LoadIdentities(home)
	if err != nil || len(ids) != 5 {
		t.Fatalf("loaded %d identities: %v", len(ids), err)
	}
	home2 := t.TempDir()
	os.MkdirAll(filepath.Join(home2, "config"), 0o700)
	if err := WriteIdentities(home2, ids); err != nil {
		t.Fatal(err)
	}
	back, _ := LoadIdentities(home2)
	for i := range ids {
		if back[i].Node.Public() != ids[i].Node.Public() || back[i].VRF.Public() != ids[i].VRF.Public() || back[i].Name != ids[i].Name {
			t.Fatalf("identity %d changed", i)
		}
	}
	os.WriteFile(IdentitiesFile(home2), []byte(`[{"entity_seed":"zz"}]`), 0o600)
	if _, err := LoadIdentities(home2); err == nil {
		t.Fatal("bad seed accepted")
	}
}

func TestCometLogger_Levels(t *testing.T) {
	var buf bytes.Buffer
	l := slog.New(slog.NewTextHandler(&buf, &slog.HandlerOptions{Level: slog.LevelDebug}))
	cl := NewCometLogger(l, slog.LevelInfo).With("height", int64(5), "hash", []byte{0xab})
	cl.Debug("dropped")
	cl.Info("kept", "err", fmt.Errorf("boom"))
	out := buf.String()
	if strings.Contains(out, "dropped") || !strings.Contains(out, "kept") || !strings.Contains(out, "hash=AB") ||
		!strings.Contains(out, "err=boom") || !strings.Contains(out, "module=cometbft") {
		t.Fatalf("log output %q", out)
	}
}

// TestAgent_RestoresLapsedNode removes a hosted compute node from genesis;
// the agent must register it again from its descriptor template.
func TestAgent_RestoresLapsedNode(t *testing.T) {
	home := devnetHome(t)
	cfg, err := LoadConfig(home)
	if err != nil {
		t.Fatal(err)
	}
	gdoc, err := cmttypes.GenesisDocFromFile(cfg.GenesisFile())
	if err != nil {
		t.Fatal(err)
	}
	doc, err := genesis.Parse(gdoc.AppState)
	if err != nil {
		t.Fatal(err)
	}
	dropped := doc.Registry.Nodes[len(doc.Registry.Nodes)-1]
	doc.Registry.Nodes = doc.Registry.Nodes[:len(doc.Registry.Nodes)-1]
	gdoc.AppState = doc.Marshal()
	if err := gdoc.SaveAs(cfg.GenesisFile()); err != nil {
		t.Fatal(err)
	}
	registered := make(chan struct{}, 1)
	var n *Node
	n, err = Start(Options{Home: home, OnEpoch: func(s app.EpochSummary) {
		for _, c := range s.Committees {
			for _, m := range c.Members {
				if m.Node == dropped.ID {
					select {
					case registered <- struct{}{}:
					default:
					}
				}
			}
		}
	}})
	if err != nil {
		t.Fatal(err)
	}
	defer n.Stop()
	select {
	case <-registered:
	case <-time.After(60 * time.Second):
		t.Fatal("the dropped node was never registered again and elected")
	}
}

// TestGovernance_ChangesCometLimitsLive enacts a consensus-limit proposal on
// a running node and checks that CometBFT itself adopted the new limits.
func TestGovernance_ChangesCometLimitsLive(t *testing.T) {
	home := devnetHome(t)
	ids, err := LoadIdentities(home)
	if err != nil {
		t.Fatal(err)
	}
	epochs := make(chan uint64, 100)
	n, err := Start(Options{Home: home, OnEpoch: func(s app.EpochSummary) { epochs <- s.Epoch }})
	if err != nil {
		t.Fatal(err)
	}
	defer n.Stop()
	ctx, cancel := context.WithTimeout(context.Background(), 60*time.Second)
	defer cancel()
	cc, _ := n.Status()
	h := &rpcHost{n: n, sig: newEpochSignal(), cc: cc.ChainContext, nonce: map[staking.Address]uint64{}}
	validator := ids[0].Entity
	limits := app.ConsensusLimits{MaxTxSize: 64 << 10, MaxBlockBytes: 3 << 20, MaxBlockGas: 5_000_000}
	if err := h.Submit(ctx, validator, "governance.SubmitProposal", governance.SubmitBody{
		Content: governance.ChangeParameters{Module: app.ConsensusName, Changes: codec.Marshal(limits)}}); err != nil {
		t.Fatal(err)
	}
	var props []governance.Proposal
	for len(props) == 0 {
		if err := h.Query(ctx, "governance/proposals", nil, &props); err != nil {
			t.Fatal(err)
		}
		time.Sleep(20 * time.Millisecond)
	}
	if err := h.Submit(ctx, validator, "governance.CastVote", governance.VoteBody{ID: props[0].ID, Vote: governance.VoteYes}); err != nil {
		t.Fatal(err)
	}
	for {
		// The latest height's parameters may not be stored yet; ask again.
		res, err := n.rpc.ConsensusParams(ctx, nil)
		if err == nil && res.ConsensusParams.Block.MaxBytes == 3<<20 && res.ConsensusParams.Block.MaxGas == 5_000_000 {
			return
		}
		select {
		case <-ctx.Done():
			t.Fatalf("CometBFT block limits not updated (last answer %+v, %v)", res, err)
		case <-epochs:
		case <-time.After(50 * time.Millisecond):
		}
	}
}
