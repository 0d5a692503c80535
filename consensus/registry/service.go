package registry

import (
	"fmt"

	"github.com/atoll-dev/atoll/consensus/codec"
	"github.com/atoll-dev/atoll/consensus/service"
	"github.com/atoll-dev/atoll/consensus/signature"
	"github.com/atoll-dev/atoll/consensus/state"
)

// Name is the service name.
const Name = "registry"

// Service is the registry service.
type Service struct{}

// Name implements service.Service.
func (Service) Name() string { return Name }

func decode(body []byte, v any) error {
	if err := codec.Unmarshal(body, v); err != nil {
		return fmt.Errorf("%w: %v", service.ErrBadBody, err)
	}
	return nil
}

// ExecTx implements service.Service. Methods: RegisterEntity (Entity),
// DeregisterEntity (empty map), RegisterNode (SignedNode), RegisterRuntime
// (Runtime).
func (Service) ExecTx(ctx *service.Context, method string, body []byte) error {
	switch method {
	case "RegisterEntity":
		var e Entity
		if err := decode(body, &e); err != nil {
			return err
		}
		return RegisterEntity(ctx, &e)
	case "DeregisterEntity":
		var empty struct{}
		if err := decode(body, &empty); err != nil {
			return err
		}
		return DeregisterEntity(ctx)
	case "RegisterNode":
		var sn SignedNode
		if err := decode(body, &sn); err != nil {
			return err
		}
		n, err := sn.Open(ctx.ChainContext)
		if err != nil {
			return err
		}
		return RegisterNode(ctx, n)
	case "RegisterRuntime":
		var rt Runtime
		if err := decode(body, &rt); err != nil {
			return err
		}
		return RegisterRuntime(ctx, &rt)
	}
	return service.Unknown(Name, method)
}

// EpochTransition implements service.Service.
func (Service) EpochTransition(ctx *service.Context) error { return ProcessEpoch(ctx) }

// NodeView is a node with its status, as queries return it.
type NodeView struct {
	Node    *Node      `json:"node"`
	Status  NodeStatus `json:"status"`
	Expired bool       `json:"expired"`
	Frozen  bool       `json:"frozen"`
}

// RuntimeView is a runtime with its status.
type RuntimeView struct {
	Runtime *Runtime      `json:"runtime"`
	Status  RuntimeStatus `json:"status"`
}

// Query implements service.Service. Paths: params, entities, nodes,
// node (hex id), runtimes, runtime (hex id).
func (Service) Query(kv state.KV, epoch uint64, path string, data []byte) (any, error) {
	nodeView := func(n *Node) NodeView {
		st := GetNodeStatus(kv, n.ID)
		return NodeView{Node: n, Status: st, Expired: n.IsExpired(epoch), Frozen: st.IsFrozen(epoch)}
	}
	switch path {
	case "params":
		return GetParams(kv), nil
	case "entities":
		out := []*Entity{}
		Entities(kv, func(e *Entity) bool { out = append(out, e); return true })
		return out, nil
	case "nodes":
		out := []NodeView{}
		Nodes(kv, func(n *Node) bool { out = append(out, nodeView(n)); return true })
		return out, nil
	case "node":
		var id signature.PublicKey
		if err := id.UnmarshalText(data); err != nil {
			return nil, fmt.Errorf("%w: %v", service.ErrInvalid, err)
		}
		n, ok := GetNode(kv, id)
		if !ok {
			return nil, fmt.Errorf("%w: %s", ErrNoNode, id)
		}
		return nodeView(n), nil
	case "runtimes":
		out := []RuntimeView{}
		Runtimes(kv, func(r *Runtime) bool {
			out = append(out, RuntimeView{r, GetRuntimeStatus(kv, r.ID)})
			return true
		})
		return out, nil
	case "runtime":
		var id RuntimeID
		if err := id.UnmarshalText(data); err != nil {
			return nil, fmt.Errorf("%w: %v", service.ErrInvalid, err)
		}
		r, ok := GetRuntime(kv, id)
		if !ok {
			return nil, fmt.Errorf("%w: %s", ErrNoRuntime, id)
		}
		return RuntimeView{r, GetRuntimeStatus(kv, id)}, nil
	}
	return nil, fmt.Errorf("%w: registry/%s", service.ErrUnknownQuery, path)
}

// ParameterChange is the registry's governance change: new registry
// parameters and/or new parameters for one runtime. Nil fields are kept.
type ParameterChange struct {
	Params  *Params        `cbor:"params,omitempty" json:"params,omitempty"`
	Runtime *RuntimeChange `cbor:"runtime,omitempty" json:"runtime,omitempty"`
}

// RuntimeChange replaces parameters of one runtime.
type RuntimeChange struct {
	ID       RuntimeID             `cbor:"id" json:"id"`
	Executor *ExecutorParams       `cbor:"executor,omitempty" json:"executor,omitempty"`
	Storage  *StorageParams        `cbor:"storage,omitempty" json:"storage,omitempty"`
	Staking  *RuntimeStakingParams `cbor:"staking,omitempty" json:"staking,omitempty"`
}

// ChangeParameters implements service.Service.
func (Service) ChangeParameters(kv state.KV, change []byte, apply bool) error {
	var c ParameterChange
	if err := decode(change, &c); err != nil {
		return err
	}
	if c.Params == nil && c.Runtime == nil {
		return fmt.Errorf("%w: registry parameter change changes nothing", service.ErrInvalid)
	}
	if c.Params != nil {
		if err := c.Params.Validate(); err != nil {
			return fmt.Errorf("%w: %v", service.ErrInvalid, err)
		}
	}
	var rt *Runtime
	if c.Runtime != nil {
		var ok bool
		if rt, ok = GetRuntime(kv, c.Runtime.ID); !ok {
			return fmt.Errorf("%w: %s", ErrNoRuntime, c.Runtime.ID)
		}
		if c.Runtime.Executor != nil {
			rt.Executor = *c.Runtime.Executor
		}
		if c.Runtime.Storage != nil {
			rt.Storage = *c.Runtime.Storage
		}
		if c.Runtime.Staking != nil {
			rt.Staking = *c.Runtime.Staking
		}
		if err := rt.Validate(); err != nil {
			return fmt.Errorf("%w: %v", service.ErrInvalid, err)
		}
	}
	if !apply {
		return nil
	}
	if c.Params != nil {
		SetParams(kv, *c.Params)
	}
	if rt != nil {
		SetRuntime(kv, rt)
	}
	return nil
}

// Genesis is the registry section of the genesis document. Descriptors in
// genesis are trusted as a whole with the document and carry no signatures.
type Genesis struct {
	Params   Params     `json:"params"`
	Entities []*Entity  `json:"entities"`
	Runtimes []*Runtime `json:"runtimes"`
	Nodes    []*Node    `json:"nodes"`
}

// InitGenesis validates g against kv (which must already hold staking
// genesis) with the same rules transactions obey, and writes it.
func InitGenesis(ctx *service.Context, g *Genesis) error {
	if err := g.Params.Validate(); err != nil {
		return fmt.Errorf("registry.params: %w", err)
	}
	SetParams(ctx.KV, g.Params)
	seen := map[signature.PublicKey]bool{}
	for i, e := range g.Entities {
		if seen[e.ID] {
			return fmt.Errorf("registry.entities[%d]: duplicate entity %s", i, e.ID)
		}
		seen[e.ID] = true
		ctx.Signer = e.ID
		if err := RegisterEntity(ctx, e); err != nil {
			return fmt.Errorf("registry.entities[%d]: %w", i, err)
		}
	}
	rts := map[RuntimeID]bool{}
	for i, rt := range g.Runtimes {
		if rts[rt.ID] {
			return fmt.Errorf("registry.runtimes[%d]: duplicate runtime %s", i, rt.ID)
		}
		rts[rt.ID] = true
		ctx.Signer = rt.Owner
		if err := RegisterRuntime(ctx, rt); err != nil {
			return fmt.Errorf("registry.runtimes[%d]: %w", i, err)
		}
	}
	nodes := map[signature.PublicKey]bool{}
	for i, n := range g.Nodes {
		if nodes[n.ID] {
			return fmt.Errorf("registry.nodes[%d]: duplicate node %s", i, n.ID)
		}
		nodes[n.ID] = true
		ctx.Signer = n.EntityID
		if err := RegisterNode(ctx, n); err != nil {
			return fmt.Errorf("registry.nodes[%d]: %w", i, err)
		}
	}
	ctx.Signer = signature.PublicKey{}
	return nil
}
