package svm

// logLimitBytes is the per-transaction log budget, as Solana's 10 KB.
const logLimitBytes = 10_000

// logCollector gathers a transaction's log lines up to the byte limit, after
// which it records "Log truncated" once and drops the rest.
type logCollector struct {
	lines     []string
	bytes     int
	truncated bool
}

func (l *logCollector) add(line string) {
	if l.truncated {
		return
	}
	if l.bytes+len(line) > logLimitBytes {
		l.truncated = true
		l.lines = append(l.lines, "Log truncated")
		return
	}
	l.bytes += len(line)
	if l.lines == nil {
		// A native instruction logs two lines; one allocation covers a
		// couple of instructions.
		l.lines = make([]string, 0, 4)
	}
	l.lines = append(l.lines, line)
}
