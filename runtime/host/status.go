package host

import (
	"time"

	"github.com/atoll-dev/atoll/runtime/rhp"
)

// State is where the supervisor is with the runtime.
type State int

const (
	StateStarting State = iota // starting the process and handshaking
	StateReady                 // serving calls
	StateBackoff               // waiting to restart after a failure
	StateClosed                // Close was called
)

func (s State) String() string {
	switch s {
	case StateStarting:
		return "starting"
	case StateReady:
		return "ready"
	case StateBackoff:
		return "backoff"
	case StateClosed:
		return "closed"
	}
	return "unknown"
}

// Counters count supervision events since New. They only grow.
type Counters struct {
	Starts            uint64 // processes started
	Ready             uint64 // handshakes completed
	Crashes           uint64 // the runtime exited or closed its socket
	Hangs             uint64 // a request or ping went unanswered past its deadline
	ProtocolErrors    uint64 // garbage, an oversized frame, an unrequested or ill-typed response
	VersionMismatches uint64 // the runtime speaks another major protocol version
	StartFailures     uint64 // the process could not be started or did not handshake in time
	Restarts          uint64 // restarts after any of the above
}

// Status is a snapshot of the runtime's supervision.
type Status struct {
	State   State
	Pid     int               // of the current process (bwrap's pid when sandboxed); 0 if none
	Version rhp.Version       // the runtime's protocol version, once handshaken
	Info    *rhp.InfoResponse // the runtime's answer to Info, once ready
	Since   time.Time         // when State was entered

	LastFailure   string // why the runtime was last killed or lost
	LastFailureAt time.Time
	NextStart     time.Time // in StateBackoff, when the next start is due

	Counters Counters
}
