package service

import (
	"errors"
	"fmt"

	"github.com/atoll-dev/atoll/consensus/signature"
	"github.com/atoll-dev/atoll/consensus/state"
)

// Sentinel errors shared by all services; services wrap them with detail so
// the application can map them to stable result codes.
var (
	ErrUnknownMethod = errors.New("service: unknown method")
	ErrBadBody       = errors.New("service: malformed transaction body")
	ErrForbidden     = errors.New("service: signer not permitted")
	ErrInvalid       = errors.New("service: invalid argument")
	ErrNotFound      = errors.New("service: not found")
	ErrFunds         = errors.New("service: insufficient funds")
	ErrUnknownQuery  = errors.New("service: unknown query")
)

// Mode says why a Context runs.
type Mode int

const (
	// ModeCheck runs a transaction against mempool state (CheckTx).
	ModeCheck Mode = iota
	// ModeDeliver runs a transaction inside a block (FinalizeBlock).
	ModeDeliver
	// ModeSystem runs block- and epoch-level hooks; there is no signer.
	ModeSystem
)

// Attr is one event attribute.
type Attr struct{ Key, Value string }

// Event is what a service reports about a state change. Type is
// "service.event_name"; attributes keep their emission order.
type Event struct {
	Type  string
	Attrs []Attr
}

// Context is the environment of one transaction or hook. KV writes are
// buffered by the application and discarded if the call fails.
type Context struct {
	KV     state.KV
	Height int64
	// Time is the consensus time of the block (BFT time, unix seconds): the
	// same on every node, never a local clock. CheckTx sees the last block's.
	Time         int64
	Epoch        uint64
	ChainContext []byte
	Signer       signature.PublicKey
	Mode         Mode
	Events       []Event
}

// Emit records an event. attrs alternate key, value.
func (c *Context) Emit(typ string, kv ...string) {
	if len(kv)%2 != 0 {
		panic("service: odd number of event attribute arguments")
	}
	ev := Event{Type: typ}
	for i := 0; i < len(kv); i += 2 {
		ev.Attrs = append(ev.Attrs, Attr{kv[i], kv[i+1]})
	}
	c.Events = append(c.Events, ev)
}

// Service is one consensus service. Every method must be deterministic:
// no wall-clock time, no map-order dependence, no goroutines.
type Service interface {
	// Name is the method prefix and event/query namespace ("staking").
	Name() string
	// ExecTx runs method (without the service prefix) with its CBOR body.
	// ctx.Signer has been authenticated and has paid the fee.
	ExecTx(ctx *Context, method string, body []byte) error
	// EpochTransition runs once when ctx.Epoch becomes the new epoch, in the
	// application's fixed service order.
	EpochTransition(ctx *Context) error
	// Query answers a read-only query on kv; the result is JSON-encodable.
	Query(kv state.KV, epoch uint64, path string, data []byte) (any, error)
	// ChangeParameters validates a governance parameter change and, if
	// apply, writes it. It must not write when apply is false.
	ChangeParameters(kv state.KV, change []byte, apply bool) error
}

// BlockEnder is implemented by services that act at the end of every block
// (the roothash's round timeouts, for one). EndBlock runs after the block's
// transactions and before any epoch transition, in service order, with
// ctx.Epoch the epoch the block belongs to.
type BlockEnder interface {
	EndBlock(ctx *Context) error
}

// Unknown is a convenience for a method switch's default branch.
func Unknown(svc, method string) error {
	return fmt.Errorf("%w: %s.%s", ErrUnknownMethod, svc, method)
}
