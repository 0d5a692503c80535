package host

import (
	"bytes"
	"log/slog"
	"sync"
)

// maxLogLine bounds one logged line of runtime output; a runtime must not be
// able to make the node's log lines arbitrarily long.
const maxLogLine = 1024

// lineLogger turns a runtime's output stream into one log record per line.
type lineLogger struct {
	log *slog.Logger
	msg string
	mu  sync.Mutex
	buf []byte
}

func newLineLogger(log *slog.Logger, msg string) *lineLogger {
	return &lineLogger{log: log, msg: msg}
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
		line := append(l.buf, p[:i]...)
		if len(line) > maxLogLine {
			line = line[:maxLogLine]
		}
		l.log.Info(l.msg, "line", string(line))
		l.buf = l.buf[:0]
		p = p[i+1:]
	}
	return n, nil
}
