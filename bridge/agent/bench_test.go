package agent_test

import (
	"context"
	"fmt"
	"io"
	"log/slog"
	"testing"
	"time"

	"github.com/atoll-dev/atoll/bridge/agent"
	"github.com/atoll-dev/atoll/bridge/agent/localnet"
	"github.com/atoll-dev/atoll/bridge/keccak"
	"github.com/atoll-dev/atoll/bridge/message"
	"github.com/atoll-dev/atoll/bridge/programs/home"
	breplica "github.com/atoll-dev/atoll/bridge/replica"
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
		leaf := message.Leaf(agent.DispatchedIn(tx)[0].Raw)
		for {
			r, err := agent.MessageStatus(ctx, br.B.Chain, localnet.DomainA, leaf)
			if err != nil {
				b.Fatal(err)
			}
			if r.Status == breplica.Processed {
				break
			}
			if time.Since(start) > 2*time.Minute {
				b.Fatal("message not processed within two minutes")
			}
			time.Sleep(20 * time.Millisecond)
		}
		total += time.Since(start)
	}
	b.StopTimer()
	mean := total / time.Duration(b.N)
	b.ReportMetric(mean.Seconds(), "s/msg")
	b.ReportMetric(optimistic, "optimistic-s")
	b.ReportMetric((mean-optimistic*time.Second).Seconds()/interval.Seconds(), "rounds-beyond-optimistic")
}
