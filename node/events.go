package node

import (
	"context"
	"fmt"

	abci "github.com/cometbft/cometbft/abci/types"
	cmttypes "github.com/cometbft/cometbft/types"
)

// followEvents delivers every committed block's events to fn. CometBFT's
// event bus drops a subscriber that falls behind, so blocks are queued
// here without bound and handed to fn on another goroutine.
func (n *Node) followEvents(ctx context.Context, fn func(int64, []abci.Event)) error {
	sub, err := n.comet.EventBus().SubscribeUnbuffered(ctx, "atoll-events", cmttypes.EventQueryNewBlock)
	if err != nil {
		return fmt.Errorf("node: subscribing to blocks: %w", err)
	}
	type block struct {
		height int64
		events []abci.Event
	}
	queue := make(chan block, 1024)
	var pending []block
	n.wg.Add(2)
	go func() {
		defer n.wg.Done()
		defer close(queue)
		for {
			var out chan block
			var next block
			if len(pending) > 0 {
				out, next = queue, pending[0]
			}
			select {
			case <-ctx.Done():
				// The subscription is unbuffered: the bus blocks until we
				// read, so keep draining while unsubscribing, or the bus (and
				// CometBFT's Stop with it) would wait on us forever.
				go func() {
					_ = n.comet.EventBus().Unsubscribe(context.Background(), "atoll-events", cmttypes.EventQueryNewBlock)
				}()
				for {
					select {
					case <-sub.Out():
					case <-sub.Canceled():
						return
					}
				}
			case <-sub.Canceled():
				return
			case msg := <-sub.Out():
				d, ok := msg.Data().(cmttypes.EventDataNewBlock)
				if !ok {
					continue
				}
				var evs []abci.Event
				for _, r := range d.ResultFinalizeBlock.TxResults {
					if r.Code == 0 {
						evs = append(evs, r.Events...)
					}
				}
				evs = append(evs, d.ResultFinalizeBlock.Events...)
				pending = append(pending, block{height: d.Block.Height, events: evs})
			case out <- next:
				pending = pending[1:]
			}
		}
	}()
	go func() {
		defer n.wg.Done()
		for b := range queue {
			fn(b.height, b.events)
		}
	}()
	return nil
}
