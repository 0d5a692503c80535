package api

import (
	"encoding/hex"
	"fmt"
	"strconv"

	"github.com/atoll-dev/atoll/consensus/registry"
)

// BlockEvent is what a block event (finalized, round_failed,
// epoch_transition, suspended) tells a worker without a query: which
// runtime's chain grew, by which round, and the new header's hash and roots.
type BlockEvent struct {
	Type       HeaderType
	Runtime    registry.RuntimeID
	Round      uint64
	HeaderHash Hash
	StateRoot  Hash
	IORoot     Hash
}

var blockEventTypes = map[string]HeaderType{
	EventFinalized: Normal, EventRoundFailed: RoundFailed, EventEpochTransition: EpochTransition, EventSuspended: Suspended,
}

// ParseBlockEvent reads a block event from its type and attribute lookup
// (attr returns "" for an absent key). ok is false for other event types.
func ParseBlockEvent(typ string, attr func(key string) string) (ev BlockEvent, ok bool, err error) {
	t, ok := blockEventTypes[typ]
	if !ok {
		return BlockEvent{}, false, nil
	}
	ev.Type = t
	if err := ev.Runtime.UnmarshalText([]byte(attr("runtime"))); err != nil {
		return ev, true, fmt.Errorf("roothash: %s event: %w", typ, err)
	}
	if ev.Round, err = strconv.ParseUint(attr("round"), 10, 64); err != nil {
		return ev, true, fmt.Errorf("roothash: %s event: round: %w", typ, err)
	}
	for _, f := range []struct {
		key string
		dst *Hash
	}{{"header_hash", &ev.HeaderHash}, {"state_root", &ev.StateRoot}, {"io_root", &ev.IORoot}} {
		b, err := hex.DecodeString(attr(f.key))
		if err != nil || len(b) != len(f.dst) {
			return ev, true, fmt.Errorf("roothash: %s event: %s is not a 32-byte hex hash", typ, f.key)
		}
		copy(f.dst[:], b)
	}
	return ev, true, nil
}
