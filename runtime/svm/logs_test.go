package svm

import (
	"fmt"
	"testing"
)

func TestExecutor_ProgramLines(t *testing.T) {
	e := NewExecutor(NewMapStore())
	for id := range e.programs {
		l := e.programLines(id)
		if l == nil || l != e.programLines(id) {
			t.Fatalf("%s: lines %p not cached", id, l)
		}
		if want := fmt.Sprintf("Program %s success", id); l.success != want {
			t.Errorf("%q, want %q", l.success, want)
		}
		for h := 1; h <= len(l.invoke); h++ {
			if want := fmt.Sprintf("Program %s invoke [%d]", id, h); l.invoke[h-1] != want {
				t.Errorf("%q, want %q", l.invoke[h-1], want)
			}
		}
	}
	if l := e.programLines(pubkeyOf("an sBPF program")); l != nil {
		t.Fatalf("lines cached for a program that is not native: %+v", l)
	}
}

func TestLogCollector_Add(t *testing.T) {
	var l logCollector
	l.add("a")
	l.add("b")
	if len(l.lines) != 2 || l.lines[0] != "a" || l.lines[1] != "b" || l.bytes != 2 {
		t.Fatalf("%+v", l)
	}
	l.add(string(make([]byte, logLimitBytes)))
	l.add("c")
	if len(l.lines) != 3 || l.lines[2] != "Log truncated" || !l.truncated {
		t.Fatalf("truncation: %q", l.lines)
	}
}
