package host

import (
	"bytes"
	"log/slog"
	"strings"
	"testing"
	"time"
)

func TestLineLogger_Write(t *testing.T) {
	var out bytes.Buffer
	l := newLineLogger(slog.New(slog.NewTextHandler(&out, nil)), "runtime stderr")
	clock := time.Unix(1000, 0)
	l.now = func() time.Time { return clock }

	l.Write([]byte("hel"))
	l.Write([]byte("lo\nsecond"))
	l.Write([]byte(" line\n" + strings.Repeat("x", 5000) + "\n"))
	got := out.String()
	for _, want := range []string{`line=hello`, `line="second line"`, `line=` + strings.Repeat("x", maxLogLine) + "\n"} {
		if !strings.Contains(got, want) {
			t.Fatalf("missing %q in\n%s", want[:min(len(want), 40)], got)
		}
	}

	// A flood: only maxLogLinesPerSec lines a second get through.
	out.Reset()
	l.Write([]byte(strings.Repeat("spam\n", 1000)))
	if n := strings.Count(out.String(), "line=spam"); n != maxLogLinesPerSec-3 {
		t.Fatalf("%d spam lines logged in the first second", n)
	}
	clock = clock.Add(time.Second)
	l.Write([]byte("after\n"))
	if !strings.Contains(out.String(), "dropped_lines=803") || !strings.Contains(out.String(), "line=after") {
		t.Fatalf("no drop report:\n%s", out.String()[len(out.String())-300:])
	}
}
