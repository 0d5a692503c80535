package host

import (
	"errors"
	"fmt"

	"github.com/atoll-dev/atoll/runtime/rhp"
)

// FailureKind classifies why a runtime was lost.
type FailureKind int

const (
	FailCrash    FailureKind = iota + 1 // exited or closed its socket
	FailHang                            // left a request or ping unanswered past its deadline
	FailProtocol                        // sent bytes that are not the protocol
	FailVersion                         // speaks another major protocol version
	FailStart                           // could not be started or did not handshake in time
)

func (k FailureKind) String() string {
	switch k {
	case FailCrash:
		return "crash"
	case FailHang:
		return "hang"
	case FailProtocol:
		return "protocol"
	case FailVersion:
		return "version"
	case FailStart:
		return "start"
	}
	return "unknown"
}

// Failure is why the supervisor killed or lost a runtime; Status reports
// its message.
type Failure struct {
	Kind FailureKind
	Err  error
}

func (f *Failure) Error() string { return fmt.Sprintf("runtime %s: %v", f.Kind, f.Err) }
func (f *Failure) Unwrap() error { return f.Err }

// isProtocolError reports whether a connection ended because the peer broke
// the protocol, as opposed to going away.
func isProtocolError(err error) bool {
	for _, e := range []error{rhp.ErrMalformedFrame, rhp.ErrFrameTooLarge, rhp.ErrMalformedBody,
		rhp.ErrProtocol, rhp.ErrUnexpectedResponse, rhp.ErrUnknownType} {
		if errors.Is(err, e) {
			return true
		}
	}
	return false
}

func failureKind(err error) FailureKind {
	var f *Failure
	if errors.As(err, &f) {
		return f.Kind
	}
	return FailCrash
}

func countFailure(c *Counters, err error) {
	switch failureKind(err) {
	case FailCrash:
		c.Crashes++
	case FailHang:
		c.Hangs++
	case FailProtocol:
		c.ProtocolErrors++
	case FailVersion:
		c.VersionMismatches++
	case FailStart:
		c.StartFailures++
	}
}
