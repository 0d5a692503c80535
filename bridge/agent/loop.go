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

// Loop runs one agent's poll rounds every interval until ctx is done.
type Loop struct {
	Name     string
	Interval time.Duration
	Poller   Poller
	Log      *slog.Logger
	Metrics  *Metrics

	rounds atomic.Uint64
}

// Rounds is the number of completed poll rounds, failed ones included.
func (l *Loop) Rounds() uint64 { return l.rounds.Load() }

// Run polls at once and then every interval until ctx ends; it returns nil
// on cancellation.
func (l *Loop) Run(ctx context.Context) error {
	l.Log.Info("agent started", "agent", l.Name, "interval", l.Interval)
	t := time.NewTicker(l.Interval)
	defer t.Stop()
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
		}
	}
}
