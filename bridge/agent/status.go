package agent

import (
	"context"
	"fmt"

	"github.com/atoll-dev/atoll/bridge/keccak"
	"github.com/atoll-dev/atoll/bridge/message"
	"github.com/atoll-dev/atoll/bridge/programs/address"
	"github.com/atoll-dev/atoll/bridge/programs/home"
	breplica "github.com/atoll-dev/atoll/bridge/replica"
)

// Stage is how far a message has travelled.
type Stage int

// Stages of a message, in order.
const (
	StageUnknown     Stage = iota
	StageDispatched        // in the Home's tree, its root queued
	StageSigned            // a quorum update covering it was accepted by the Home
	StageRelayed           // an update covering it reached the destination's Replica
	StageConfirmable       // that root is past confirmAt: it can be proven and processed
	StageProcessed         // delivered to its recipient
)

func (s Stage) String() string {
	return [...]string{"unknown", "dispatched", "signed", "relayed", "confirmable", "processed"}[s]
}

// DispatchedIn returns the messages a transaction dispatched through the Home.
func DispatchedIn(tx *Tx) []Dispatched {
	var out []Dispatched
	for _, e := range home.ParseLogs(tx.Logs) {
		if e.Kind == home.EventDispatch {
			out = append(out, Dispatched{Index: e.LeafIndex, Root: e.Root, Raw: append([]byte(nil), e.Message...)})
		}
	}
	return out
}

// History is a Home's messages as read from its Dispatch events.
type History struct {
	Messages []Dispatched
	counts   map[keccak.Hash]uint32
}

// ReadHistory reads every message the Home of ch dispatched.
func ReadHistory(ctx context.Context, ch *Chain) (*History, error) {
	txs, _, err := ch.Since(ctx, address.HomeState(), [64]byte{})
	if err != nil {
		return nil, err
	}
	h := &History{counts: map[keccak.Hash]uint32{}}
	for i := range txs {
		for _, d := range DispatchedIn(&txs[i]) {
			h.Messages = append(h.Messages, d)
			h.counts[d.Root] = d.Index + 1
		}
	}
	return h, nil
}

// Find returns the message whose leaf (message hash) is leaf.
func (h *History) Find(leaf keccak.Hash) (*Dispatched, bool) {
	for i := range h.Messages {
		if message.Leaf(h.Messages[i].Raw) == leaf {
			return &h.Messages[i], true
		}
	}
	return nil, false
}

// Progress is where one message stands.
type Progress struct {
	Stage Stage
	// ConfirmAt is the confirmAt of the earliest relayed root covering the
	// message, and Now the destination's clock, once relayed.
	ConfirmAt, Now uint64
}

// Track reports how far message d of src's Home has reached towards dst.
func Track(ctx context.Context, src, dst *Chain, hist *History, d *Dispatched) (Progress, error) {
	leaf := message.Leaf(d.Raw)
	rec, err := MessageStatus(ctx, dst, src.Domain, leaf)
	if err != nil {
		return Progress{}, err
	}
	if rec.Status == breplica.Processed {
		return Progress{Stage: StageProcessed}, nil
	}
	st, err := HomeState(ctx, src)
	if err != nil {
		return Progress{}, err
	}
	if st.Home.Count() <= d.Index {
		return Progress{}, fmt.Errorf("agent: message %d is not in the Home of %s", d.Index, src.Name)
	}
	if st.Home.QueueContains(d.Root) {
		return Progress{Stage: StageDispatched}, nil
	}
	p := Progress{Stage: StageSigned}
	rs, err := ReplicaState(ctx, dst, src.Domain)
	if err != nil || rs == nil {
		return p, err
	}
	root := rs.CommittedRoot()
	for i := 0; i < maxHistoryWalk; i++ {
		e, err := RootEntry(ctx, dst, src.Domain, root)
		if err != nil {
			return p, err
		}
		n, known := hist.counts[root]
		if e == nil || !known || n <= d.Index {
			break
		}
		p.Stage, p.ConfirmAt = StageRelayed, e.ConfirmAt
		root = e.Update.OldRoot
	}
	if p.Stage == StageRelayed {
		if p.Now, err = dst.Now(ctx); err != nil {
			return p, err
		}
		if p.Now >= p.ConfirmAt && !rs.Halted() {
			p.Stage = StageConfirmable
		}
	}
	return p, nil
}
