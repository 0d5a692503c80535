package node

import (
	"context"
	"fmt"
	"log/slog"
	"sync/atomic"

	cmtlog "github.com/cometbft/cometbft/libs/log"
)

// cometLogger adapts log/slog to CometBFT's logger. CometBFT logs a great
// deal at Info; it is passed through only at or above minLevel so that
// atoll's own lines stay readable.
type cometLogger struct {
	l        *slog.Logger
	minLevel slog.Level
	// stopping silences the errors CometBFT logs about its own listeners
	// closing while the node shuts down.
	stopping *atomic.Bool
}

// NewCometLogger returns a CometBFT logger writing to l, dropping records
// below minLevel (CometBFT's Debug/Info/Error map to slog's levels).
func NewCometLogger(l *slog.Logger, minLevel slog.Level) cmtlog.Logger {
	return cometLogger{l: l.With("module", "cometbft"), minLevel: minLevel, stopping: new(atomic.Bool)}
}

func (c cometLogger) log(level slog.Level, msg string, kv []any) {
	if level < c.minLevel || c.stopping.Load() || !c.l.Enabled(context.Background(), level) {
		return
	}
	attrs := make([]any, 0, len(kv))
	for i := 0; i+1 < len(kv); i += 2 {
		attrs = append(attrs, slog.Any(fmt.Sprint(kv[i]), stringer(kv[i+1])))
	}
	c.l.Log(context.Background(), level, msg, attrs...)
}

// stringer renders CometBFT values (byte slices, IDs) as text eagerly.
func stringer(v any) any {
	switch x := v.(type) {
	case error:
		return x.Error()
	case fmt.Stringer:
		return x.String()
	case []byte:
		return fmt.Sprintf("%X", x)
	}
	return v
}

func (c cometLogger) Debug(msg string, kv ...any) { c.log(slog.LevelDebug, msg, kv) }
func (c cometLogger) Info(msg string, kv ...any)  { c.log(slog.LevelInfo, msg, kv) }
func (c cometLogger) Error(msg string, kv ...any) { c.log(slog.LevelError, msg, kv) }
func (c cometLogger) With(kv ...any) cmtlog.Logger {
	attrs := make([]any, 0, len(kv))
	for i := 0; i+1 < len(kv); i += 2 {
		attrs = append(attrs, slog.Any(fmt.Sprint(kv[i]), stringer(kv[i+1])))
	}
	return cometLogger{l: c.l.With(attrs...), minLevel: c.minLevel, stopping: c.stopping}
}
