package agent_test

import (
	"context"
	"crypto/ed25519"
	"fmt"
	"io"
	"log/slog"
	"testing"
	"time"

	"github.com/atoll-dev/atoll/bridge/agent"
	"github.com/atoll-dev/atoll/bridge/agent/localnet"
	"github.com/atoll-dev/atoll/bridge/keccak"
	"github.com/atoll-dev/atoll/bridge/programs/home"
	"github.com/atoll-dev/atoll/runtime/svm/sol"
)

// BenchmarkBridge_EndToEnd measures a message's latency from dispatch on
// alpha to processed on beta with every agent running (3 updaters, quorum
// 2), as in the demo. One op is one message. It reports the latency beyond
// the optimistic period in agent poll rounds; the design target is at most 3.
// Run with -benchtime=Nx: each op takes seconds.
func BenchmarkBridge_EndToEnd(b *testing.B) {
	const optimistic = 2
	const interval = 500 * time.Millisecond
	user := key("bench user")
	ctx := context.Background()
	br, err := localnet.StartBridge(ctx, localnet.BridgeConfig{Dir: b.TempDir(), OptimisticSeconds: optimistic,
		SlotDuration: 100 * time.Millisecond, Interval: interval, Funded: []sol.Pubkey{agent.PubkeyOf(user)},
		Log: slog.New(slog.NewTextHandler(io.Discard, nil))})
	if err != nil {
		b.Fatal(err)
	}
	defer br.Close()
	var total time.Duration
	b.ResetTimer()
	for i := 0; i < b.N; i++ {
		total += deliver(b, br, user, i).total
	}
	b.StopTimer()
	mean := total / time.Duration(b.N)
	b.ReportMetric(mean.Seconds(), "s/msg")
	b.ReportMetric(optimistic, "optimistic-s")
	b.ReportMetric((mean-optimistic*time.Second).Seconds()/interval.Seconds(), "rounds-beyond-optimistic")
}

// BenchmarkBridge_EndToEndRealNetworks is BenchmarkBridge_EndToEnd between
// two real atoll networks (`atoll devnet` processes with 3 compute nodes,
// 200 ms blocks) whose agents poll on every new slot as well as every
// second. s/msg counts from the dispatch's submission, the rest from its
// finality on alpha (the demo's "dispatched"). It reports the latency
// beyond the optimistic period in beta's runtime rounds (measured over the
// run), and the two parts the agents' speed decides: dispatched to
// relayed (signing and relaying), and confirmable to processed. The
// Replica counts the optimistic period in whole seconds of consensus time
// from the relaying round, so the period itself lasts 1 s less to 0 s
// less than nominal, and the latency beyond it can come out negative.
func BenchmarkBridge_EndToEndRealNetworks(b *testing.B) {
	const optimistic = 2
	user := key("bench user")
	ctx := context.Background()
	bin := atollBinaryB(b)
	base, err := localnet.FreePortRange(2 * localnet.DevnetPorts)
	if err != nil {
		b.Fatal(err)
	}
	dir := b.TempDir()
	br, err := localnet.StartBridge(ctx, localnet.BridgeConfig{Dir: dir, OptimisticSeconds: optimistic,
		Interval: time.Second, PollOnSlot: true, Funded: []sol.Pubkey{agent.PubkeyOf(user)},
		Log:     slog.New(slog.NewTextHandler(io.Discard, nil)),
		DevnetA: &localnet.Devnet{Binary: bin, Dir: dir + "/alpha", BasePort: base},
		DevnetB: &localnet.Devnet{Binary: bin, Dir: dir + "/beta", BasePort: base + localnet.DevnetPorts}})
	if err != nil {
		b.Fatal(err)
	}
	defer br.Close()
	slot0, err := br.B.Chain.Slot(ctx)
	if err != nil {
		b.Fatal(err)
	}
	began := time.Now()
	var sum delivery
	b.ResetTimer()
	for i := 0; i < b.N; i++ {
		d := deliver(b, br, user, i)
		sum.total += d.total
		sum.fromDispatch += d.fromDispatch
		sum.toRelayed += d.toRelayed
		sum.afterConfirmable += d.afterConfirmable
	}
	b.StopTimer()
	slot1, err := br.B.Chain.Slot(ctx)
	if err != nil {
		b.Fatal(err)
	}
	round := time.Since(began) / time.Duration(max(slot1-slot0, 1))
	n := time.Duration(b.N)
	fromDispatch := sum.fromDispatch / n
	b.ReportMetric((sum.total / n).Seconds(), "s/msg")
	b.ReportMetric(fromDispatch.Seconds(), "s/msg-from-dispatched")
	b.ReportMetric(round.Seconds(), "s/round")
	b.ReportMetric((sum.toRelayed/n).Seconds()/round.Seconds(), "rounds-dispatched-to-relayed")
	b.ReportMetric((sum.afterConfirmable/n).Seconds()/round.Seconds(), "rounds-confirmable-to-processed")
	b.ReportMetric((fromDispatch-optimistic*time.Second).Seconds()/round.Seconds(), "rounds-beyond-optimistic")
}

// delivery is one message's timeline as the benchmark saw it.
type delivery struct {
	total        time.Duration // from submitting the dispatch to processed
	fromDispatch time.Duration // from the dispatch being final on alpha
	toRelayed    time.Duration // from the dispatch being final to its root on beta's Replica
	// afterConfirmable is from the first poll that found its root past
	// confirmAt on beta's clock to processed.
	afterConfirmable time.Duration
}

// deliver dispatches message i from user on alpha and follows it to
// processed on beta.
func deliver(b *testing.B, br *localnet.Bridge, user ed25519.PrivateKey, i int) delivery {
	ctx := context.Background()
	ix, err := home.Dispatch(agent.PubkeyOf(user), localnet.DomainB, keccak.Hash(localnet.Inbox), []byte(fmt.Sprintf("bench %d", i)))
	if err != nil {
		b.Fatal(err)
	}
	start := time.Now()
	sig, err := br.A.Chain.Send(ctx, user, nil, ix)
	if err != nil {
		b.Fatal(err)
	}
	tx, err := br.A.Chain.Transaction(ctx, sig)
	if err != nil || tx == nil {
		b.Fatalf("dispatch transaction: %v", err)
	}
	d := agent.DispatchedIn(tx)[0]
	final := time.Now()
	var relayed, confirmable time.Time
	for {
		hist, err := agent.ReadHistory(ctx, br.A.Chain)
		if err != nil {
			b.Fatal(err)
		}
		p, err := agent.Track(ctx, br.A.Chain, br.B.Chain, hist, &d)
		if err != nil {
			b.Fatal(err)
		}
		now := time.Now()
		if p.Stage >= agent.StageRelayed && relayed.IsZero() {
			relayed = now
		}
		if p.Stage >= agent.StageConfirmable && confirmable.IsZero() {
			confirmable = now
		}
		if p.Stage == agent.StageProcessed {
			return delivery{total: now.Sub(start), fromDispatch: now.Sub(final), toRelayed: relayed.Sub(final),
				afterConfirmable: now.Sub(confirmable)}
		}
		if time.Since(start) > 2*time.Minute {
			b.Fatal("message not processed within two minutes")
		}
		time.Sleep(20 * time.Millisecond)
	}
}
