package host

import (
	"bytes"
	"log/slog"
	"sync"
	"time"
)

// Bounds on what a runtime's output can do to the node's log: line length,
// and lines per second (the rest are counted and reported as dropped).
const (
	maxLogLine        = 1024
	maxLogLinesPerSec = 200
)

// lineLogger turns a runtime's output stream into one log record per line.
type lineLogger struct {
	log *slog.Logger
	msg string
	now func() time.Time

	mu      sync.Mutex
	buf     []byte
	window  time.Time // start of the current one-second window
	lines   int       // logged in the window
	dropped int       // dropped in the window
}

func newLineLogger(log *slog.Logger, msg string) *lineLogger {
	return &lineLogger{log: log, msg: msg, now: time.Now}
}

func (l *lineLogger) Write(p []byte) (int, error) {
	l.mu.Lock()
	defer l.mu.Unlock()
	n := len(p)
	for len(p) > 0 {
		i := bytes.IndexByte(p, '\n')
		if i < 0 {
			room := maxLogLine - len(l.buf)
			if room > 0 {
				l.buf = append(l.buf, p[:min(room, len(p))]...)
			}
			break
		}
		line := append(l.buf, p[:min(i, max(maxLogLine-len(l.buf), 0))]...)
		l.emit(line)
		l.buf = l.buf[:0]
		p = p[i+1:]
	}
	return n, nil
}

func (l *lineLogger) emit(line []byte) {
	if now := l.now(); now.Sub(l.window) >= time.Second {
		if l.dropped > 0 {
			l.log.Warn("runtime output rate-limited", "stream", l.msg, "dropped_lines", l.dropped)
		}
		l.window, l.lines, l.dropped = now, 0, 0
	}
	if l.lines >= maxLogLinesPerSec {
		l.dropped++
		return
	}
	l.lines++
	l.log.Info(l.msg, "line", string(line))
}
