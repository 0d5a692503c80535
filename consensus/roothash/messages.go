package roothash

import (
	"encoding/hex"
	"fmt"

	"github.com/atoll-dev/atoll/consensus/codec"
	"github.com/atoll-dev/atoll/consensus/registry"
	"github.com/atoll-dev/atoll/consensus/roothash/api"
	"github.com/atoll-dev/atoll/consensus/service"
	"github.com/atoll-dev/atoll/consensus/staking"
	"github.com/atoll-dev/atoll/consensus/state"
)

func hexs(b []byte) string { return hex.EncodeToString(b) }

// Errors of the message paths.
var (
	ErrQueueFull = fmt.Errorf("roothash: incoming message queue full: %w", service.ErrInvalid)
	ErrAmount    = fmt.Errorf("roothash: bad amount: %w", service.ErrInvalid)
)

// executeMessages carries out a finalized block's runtime messages in
// order. Each runs in its own overlay: a message that fails (the runtime's
// account lacks the funds) changes nothing and is reported, and the block
// stays final.
func executeMessages(ctx *service.Context, id registry.RuntimeID, round uint64, msgs []api.Message) {
	from := staking.RuntimeAddress(id)
	for i := range msgs {
		m := &msgs[i]
		attrs := []string{"runtime", id.String(), "round", fmt.Sprint(round), "index", fmt.Sprint(i)}
		var err error
		switch {
		case m.Staking != nil && m.Staking.Transfer != nil:
			t := m.Staking.Transfer
			sub := state.NewOverlay(ctx.KV)
			if err = staking.Transfer(sub, from, t.To, t.Amount); err == nil {
				sub.Commit()
			}
			attrs = append(attrs, "kind", "staking.transfer", "to", t.To.String(), "amount", fmt.Sprint(t.Amount))
		default:
			err = fmt.Errorf("unknown message kind")
		}
		if err != nil {
			attrs = append(attrs, "ok", "false", "error", err.Error())
		} else {
			attrs = append(attrs, "ok", "true")
		}
		ctx.Emit(api.EventMessage, attrs...)
	}
}

// submitIncoming moves the deposit into the runtime's account and queues
// the message for the runtime's next rounds.
func submitIncoming(ctx *service.Context, b *api.SubmitIncomingBody) error {
	rt, ok := registry.GetRuntime(ctx.KV, b.Runtime)
	if !ok {
		return fmt.Errorf("%w: %s", ErrNoRuntime, b.Runtime)
	}
	if b.Amount == 0 || b.Amount < staking.GetParams(ctx.KV).MinTransfer {
		return fmt.Errorf("%w: deposit of %d", ErrAmount, b.Amount)
	}
	st := ensureRuntime(ctx, rt)
	if st.Suspended {
		// Its rounds would not run; the deposit would sit unprocessed.
		return fmt.Errorf("%w: %s; deposits wait for it to resume", ErrSuspended, rt.ID)
	}
	if st.NextIncoming-st.FirstIncoming >= GetParams(ctx.KV).MaxIncomingQueue {
		return fmt.Errorf("%w: %d messages queued for %s", ErrQueueFull, st.NextIncoming-st.FirstIncoming, rt.ID)
	}
	from := staking.NewAddress(ctx.Signer)
	if err := staking.Transfer(ctx.KV, from, staking.RuntimeAddress(rt.ID), b.Amount); err != nil {
		return err
	}
	m := api.IncomingMessage{ID: st.NextIncoming, From: from, Amount: b.Amount, Recipient: b.Recipient}
	ctx.KV.Set(key(prefixIncoming, rt.ID[:], u64(m.ID)), codec.Marshal(&m))
	st.NextIncoming++
	setRuntimeState(ctx.KV, rt.ID, st)
	ctx.Emit(api.EventIncoming, "runtime", rt.ID.String(), "id", fmt.Sprint(m.ID), "from", from.String(),
		"amount", fmt.Sprint(m.Amount), "recipient", hexs(m.Recipient[:]))
	return nil
}

// dequeueIncoming drops the messages below upTo, which the finalized round
// has processed.
func dequeueIncoming(ctx *service.Context, id registry.RuntimeID, st *runtimeState, upTo uint64) {
	for ; st.FirstIncoming < upTo; st.FirstIncoming++ {
		ctx.KV.Delete(key(prefixIncoming, id[:], u64(st.FirstIncoming)))
	}
}

// incomingQueue lists the queued messages of id in ID order.
func incomingQueue(kv state.KV, id registry.RuntimeID) []api.IncomingMessage {
	out := []api.IncomingMessage{}
	kv.Iterate(key(prefixIncoming, id[:]), func(_, v []byte) bool {
		var m api.IncomingMessage
		mustDecode(v, &m)
		out = append(out, m)
		return true
	})
	return out
}
