package agent_test

import (
	"context"
	"errors"
	"io"
	"log/slog"
	"sync/atomic"
	"testing"
	"time"

	"github.com/atoll-dev/atoll/bridge/agent"
)

func TestWSURL(t *testing.T) {
	for _, tc := range []struct {
		in, want string
		err      bool
	}{
		{in: "http://127.0.0.1:8899", want: "ws://127.0.0.1:8900"},
		{in: "https://rpc.example:443/path", want: "wss://rpc.example:444/path"},
		{in: "http://[::1]:17899", want: "ws://[::1]:17900"},
		{in: "http://rpc.example", want: "ws://rpc.example"},
		{in: "ftp://127.0.0.1:21", err: true},
		{in: "http://127.0.0.1:65535", err: true},
		{in: "::nonsense", err: true},
	} {
		got, err := agent.WSURL(tc.in)
		if tc.err {
			if !errors.Is(err, agent.ErrConfig) {
				t.Fatalf("WSURL(%q) = %q, %v; want ErrConfig", tc.in, got, err)
			}
			continue
		}
		if err != nil || got != tc.want {
			t.Fatalf("WSURL(%q) = %q, %v; want %q", tc.in, got, err, tc.want)
		}
	}
}

type countingPoller struct{ n atomic.Int64 }

func (p *countingPoller) Poll(context.Context) error { p.n.Add(1); return nil }

// TestLoop_PollOnSlot: a loop that follows a chain's slots polls on every
// new slot although its interval is an hour.
func TestLoop_PollOnSlot(t *testing.T) {
	t.Parallel()
	n := startNet(t)
	p := &countingPoller{}
	l := &agent.Loop{Name: "test", Interval: time.Hour, Poller: p, Log: slog.New(slog.NewTextHandler(io.Discard, nil)),
		Slots: []*agent.SlotFeed{{Chain: n.Chain}}}
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan struct{})
	go func() { l.Run(ctx); close(done) }()
	defer func() { cancel(); <-done }()
	deadline := time.Now().Add(30 * time.Second)
	for p.n.Load() < 5 {
		if time.Now().After(deadline) {
			t.Fatalf("%d polls in 30s of 50ms slots", p.n.Load())
		}
		time.Sleep(20 * time.Millisecond)
	}
}
