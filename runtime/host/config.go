package host

import (
	"errors"
	"log/slog"
	"time"

	"github.com/atoll-dev/atoll/runtime/host/sandbox"
	"github.com/atoll-dev/atoll/runtime/rhp"
)

// Config describes a runtime to host.
type Config struct {
	// Sandbox says which binary to start and how.
	Sandbox sandbox.Config
	// Handler serves the runtime's calls back into the node; nil answers
	// them all with rhp.CodeUnsupported.
	Handler Handler
	// Info is sent after every handshake; the runtime's answer is in Status.
	Info rhp.InfoRequest

	// CallTimeout bounds every request to the runtime. A runtime that has
	// not answered by then is considered hung: it is killed and restarted.
	// Default 30s.
	CallTimeout time.Duration
	// StartTimeout bounds starting the process, the handshake and Info.
	// Default 10s.
	StartTimeout time.Duration
	// PingInterval is how often an idle runtime is pinged to find hangs
	// between requests (a ping unanswered within PingTimeout counts as a
	// hang). Default 5s; negative disables.
	PingInterval time.Duration
	// PingTimeout bounds a liveness ping. Default 5s.
	PingTimeout time.Duration
	// BackoffMin and BackoffMax bound the delay before a restart; it doubles
	// with every consecutive failure. Defaults 100ms and 30s.
	BackoffMin, BackoffMax time.Duration
	// StableAfter is how long a runtime must have run for its next failure
	// to restart the backoff from BackoffMin. Default 1m.
	StableAfter time.Duration
	// MaxFrameSize bounds frames in both directions; 0 means the default.
	MaxFrameSize int
	// Logger receives supervision events and the runtime's stderr lines.
	Logger *slog.Logger
}

// ErrConfig is returned by New for an unusable Config.
var ErrConfig = errors.New("host: bad config")

func (c *Config) withDefaults() Config {
	out := *c
	def := func(d *time.Duration, v time.Duration) {
		if *d == 0 {
			*d = v
		}
	}
	def(&out.CallTimeout, 30*time.Second)
	def(&out.StartTimeout, 10*time.Second)
	def(&out.PingInterval, 5*time.Second)
	def(&out.PingTimeout, 5*time.Second)
	def(&out.BackoffMin, 100*time.Millisecond)
	def(&out.BackoffMax, 30*time.Second)
	def(&out.StableAfter, time.Minute)
	if out.Logger == nil {
		out.Logger = slog.New(slog.DiscardHandler)
	}
	return out
}
