package agent_test

import (
	"encoding/base64"
	"strings"
	"testing"

	"github.com/atoll-dev/atoll/bridge/agent"
	"github.com/atoll-dev/atoll/bridge/keccak"
	"github.com/atoll-dev/atoll/bridge/merkle"
	"github.com/atoll-dev/atoll/bridge/message"
	"github.com/atoll-dev/atoll/bridge/programs/address"
	"github.com/atoll-dev/atoll/bridge/programs/home"
)

func dispatchLogs(t testing.TB) []string {
	m := message.Message{Origin: domainA, Destination: domainB, Body: []byte("hi")}
	raw, err := m.Encode()
	if err != nil {
		t.Fatal(err)
	}
	e := home.Event{Kind: home.EventDispatch, LeafIndex: 0, CommittedRoot: merkle.EmptyRoot(), Root: keccak.Sum(raw), Message: raw}
	line, err := e.LogLine()
	if err != nil {
		t.Fatal(err)
	}
	return []string{"Program " + address.Home.String() + " invoke [1]", line, "Program " + address.Home.String() + " success"}
}

func TestDispatchedIn(t *testing.T) {
	logs := dispatchLogs(t)
	got := agent.DispatchedIn(&agent.Tx{Logs: logs})
	if len(got) != 1 || string(got[0].Raw[message.HeaderSize:]) != "hi" {
		t.Fatalf("DispatchedIn = %+v", got)
	}
	// The same line outside the Home's invocation is not the Home's event.
	if got := agent.DispatchedIn(&agent.Tx{Logs: logs[1:2]}); len(got) != 0 {
		t.Fatalf("event outside the Home counted: %+v", got)
	}
}

// FuzzDispatchedIn feeds arbitrary transaction logs (lines separated by
// newlines) to the processor's event reader: it must never panic, and what
// it returns must be well-formed messages.
func FuzzDispatchedIn(f *testing.F) {
	f.Add(strings.Join(dispatchLogs(f), "\n"))
	f.Add("Program " + address.Home.String() + " invoke [1]\nProgram data: " + base64.StdEncoding.EncodeToString([]byte{1, 2, 3}))
	f.Fuzz(func(t *testing.T, logs string) {
		for _, d := range agent.DispatchedIn(&agent.Tx{Logs: strings.Split(logs, "\n")}) {
			if _, err := message.Decode(d.Raw); err != nil {
				t.Fatalf("dispatched message does not decode: %v", err)
			}
		}
	})
}
