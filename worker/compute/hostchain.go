package compute

import (
	"context"
	"encoding/json"
	"fmt"
	"sync"
	"time"

	"github.com/atoll-dev/atoll/consensus/registry"
	roothash "github.com/atoll-dev/atoll/consensus/roothash/api"
	"github.com/atoll-dev/atoll/consensus/signature"
	"github.com/atoll-dev/atoll/node"
)

// HostChain implements Chain with a node.Host's queries and transactions:
// app/status (height, epoch), roothash/round and roothash/block, and the
// registry's runtime and node descriptors (re-read at most once per epoch,
// or when a committee member is missing).
type HostChain struct {
	h    node.Host
	poll time.Duration

	mu        sync.Mutex
	views     map[registry.RuntimeID]*View // latest view per runtime
	nodes     map[signature.PublicKey]*registry.Node
	nodeEpoch uint64
	rt        *registry.Runtime
	rtEpoch   uint64
}

// NewHostChain returns a Chain over h.
func NewHostChain(h node.Host) *HostChain { return &HostChain{h: h, poll: 10 * time.Millisecond} }

// ChainContext implements Chain.
func (c *HostChain) ChainContext() []byte { return c.h.ChainContext() }

// appStatus is the part of the app/status answer a worker uses.
type appStatus struct {
	Height int64  `json:"height"`
	Epoch  uint64 `json:"epoch"`
}

// View implements Chain. Views are immutable and change only with the
// height: one of the latest height is answered from memory (a busy worker
// steps many times per block).
func (c *HostChain) View(ctx context.Context, rt registry.RuntimeID) (*View, error) {
	var st appStatus
	if err := c.h.Query(ctx, "app/status", nil, &st); err != nil {
		return nil, err
	}
	c.mu.Lock()
	cached := c.views[rt]
	c.mu.Unlock()
	if cached != nil && cached.Height == st.Height {
		return cached, nil
	}
	v, err := c.view(ctx, rt, st)
	if err != nil {
		return nil, err
	}
	c.mu.Lock()
	if c.views == nil {
		c.views = map[registry.RuntimeID]*View{}
	}
	if old := c.views[rt]; old == nil || old.Height <= v.Height {
		c.views[rt] = v
	}
	c.mu.Unlock()
	return v, nil
}

func (c *HostChain) view(ctx context.Context, rt registry.RuntimeID, st appStatus) (*View, error) {
	var raw json.RawMessage
	if err := c.h.Query(ctx, roothash.QueryRound, roothash.RuntimeQueryData(rt), &raw); err != nil {
		return nil, err
	}
	rv, err := roothash.DecodeRound(raw)
	if err != nil {
		return nil, err
	}
	v := &View{Height: st.Height, Epoch: st.Epoch, Suspended: rv.Suspended || rv.Round == nil, Latest: rv.Latest.Header}
	if r := rv.Round; r != nil {
		v.RoundStart, v.Discrepancy, v.Locked = r.StartHeight, r.Discrepancy, r.Proposal
		v.Workers, v.Backups, v.Storage = r.Committee.Workers, r.Committee.Backups, r.Committee.Storage
		if r.IncomingUpTo > 0 {
			var q json.RawMessage
			if err := c.h.Query(ctx, roothash.QueryIncoming, roothash.RuntimeQueryData(rt), &q); err != nil {
				return nil, err
			}
			queue, err := roothash.DecodeIncoming(q)
			if err != nil {
				return nil, err
			}
			v.Deposits = r.IncomingFor(queue)
		}
	}
	if v.Runtime, err = c.runtime(ctx, rt, st.Epoch); err != nil {
		return nil, err
	}
	if v.Nodes, err = c.registered(ctx, st.Epoch, v); err != nil {
		return nil, err
	}
	return v, nil
}

func (c *HostChain) runtime(ctx context.Context, id registry.RuntimeID, epoch uint64) (registry.Runtime, error) {
	c.mu.Lock()
	if c.rt != nil && c.rtEpoch == epoch {
		defer c.mu.Unlock()
		return *c.rt, nil
	}
	c.mu.Unlock()
	var rv registry.RuntimeView
	if err := c.h.Query(ctx, "registry/runtime", []byte(id.String()), &rv); err != nil {
		return registry.Runtime{}, err
	}
	if rv.Runtime == nil {
		return registry.Runtime{}, fmt.Errorf("compute: runtime %s is not registered", id)
	}
	c.mu.Lock()
	defer c.mu.Unlock()
	c.rt, c.rtEpoch = rv.Runtime, epoch
	return *rv.Runtime, nil
}

func (c *HostChain) registered(ctx context.Context, epoch uint64, v *View) (map[signature.PublicKey]*registry.Node, error) {
	c.mu.Lock()
	nodes, fresh := c.nodes, c.nodeEpoch == epoch && c.nodes != nil
	c.mu.Unlock()
	if fresh {
		for _, ks := range [][]signature.PublicKey{v.Workers, v.Backups, v.Storage} {
			for _, k := range ks {
				if nodes[k] == nil {
					fresh = false
				}
			}
		}
	}
	if fresh {
		return nodes, nil
	}
	var views []registry.NodeView
	if err := c.h.Query(ctx, "registry/nodes", nil, &views); err != nil {
		return nil, err
	}
	nodes = make(map[signature.PublicKey]*registry.Node, len(views))
	for _, nv := range views {
		if nv.Node != nil && !nv.Expired {
			nodes[nv.Node.ID] = nv.Node
		}
	}
	c.mu.Lock()
	defer c.mu.Unlock()
	c.nodes, c.nodeEpoch = nodes, epoch
	return nodes, nil
}

// Header implements Chain.
func (c *HostChain) Header(ctx context.Context, rt registry.RuntimeID, round uint64) (*roothash.Header, error) {
	var raw json.RawMessage
	if err := c.h.Query(ctx, roothash.QueryBlock, roothash.BlockQueryData(rt, round), &raw); err != nil {
		return nil, err
	}
	b, err := roothash.DecodeBlock(raw)
	if err != nil {
		return nil, err
	}
	if b.Header.Round != round || b.Header.Namespace != rt {
		return nil, fmt.Errorf("compute: asked for round %d, got %d", round, b.Header.Round)
	}
	return &b.Header, nil
}

// SubmitCommitment implements Chain.
func (c *HostChain) SubmitCommitment(ctx context.Context, signer *signature.Signer, sc *roothash.SignedCommitment) error {
	return c.h.Submit(ctx, signer, roothash.MethodExecutorCommit, &roothash.ExecutorCommitBody{
		Runtime: sc.Commitment.Namespace, Commitments: []roothash.SignedCommitment{*sc}})
}

// Changed implements Chain: the host signals epochs only, so blocks are
// polled.
func (c *HostChain) Changed() <-chan struct{} {
	ch := make(chan struct{})
	epoch := c.h.EpochChanged()
	go func() {
		select {
		case <-epoch:
		case <-time.After(c.poll):
		}
		close(ch)
	}()
	return ch
}
