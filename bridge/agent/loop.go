package agent

import (
	"context"
	"log/slog"
	"sync/atomic"
	"time"
)

// Poller is one agent's work: Poll does one round and returns. A round that
// fails is logged and retried at the next interval; the agent keeps running.
type Poller interface {
	Poll(ctx context.Context) error
}

// Loop runs one agent's poll rounds every interval until ctx is done, and
// also after every new slot of the chains in Slots: an agent that follows
// slots reacts within the round in which its work appears instead of up
// to an interval later, and the interval remains the fallback.
type Loop struct {
	Name     string
	Interval time.Duration
	Poller   Poller
	Log      *slog.Logger
	Metrics  *Metrics
	Slots    []*SlotFeed

	rounds atomic.Uint64
}

// Rounds is the number of completed poll rounds, failed ones included.
func (l *Loop) Rounds() uint64 { return l.rounds.Load() }

// Run polls at once and then every interval, and after new slots, until
// ctx ends; it returns nil on cancellation.
func (l *Loop) Run(ctx context.Context) error {
	l.Log.Info("agent started", "agent", l.Name, "interval", l.Interval, "follows_slots", len(l.Slots) > 0)
	t := time.NewTicker(l.Interval)
	defer t.Stop()
	wake := make(chan struct{}, 1)
	for _, f := range l.Slots {
		go f.follow(ctx, wake, l.Log.With("agent", l.Name))
	}
	for {
		start := time.Now()
		err := l.Poller.Poll(ctx)
		if ctx.Err() != nil {
			l.Log.Info("agent stopped", "agent", l.Name)
			return nil
		}
		l.rounds.Add(1)
		if l.Metrics != nil {
			l.Metrics.Polls.WithLabelValues(l.Name).Inc()
			l.Metrics.LastPoll.WithLabelValues(l.Name).Set(float64(time.Now().Unix()))
		}
		if err != nil {
			if l.Metrics != nil {
				l.Metrics.PollErrors.WithLabelValues(l.Name).Inc()
			}
			l.Log.Warn("poll failed", "agent", l.Name, "err", err, "took", time.Since(start))
		}
		select {
		case <-ctx.Done():
			l.Log.Info("agent stopped", "agent", l.Name)
			return nil
		case <-t.C:
		case <-wake:
		}
	}
}
