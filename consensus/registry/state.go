package registry

import (
	"fmt"

	"github.com/atoll-dev/atoll/consensus/codec"
	"github.com/atoll-dev/atoll/consensus/signature"
	"github.com/atoll-dev/atoll/consensus/state"
)

var (
	keyParams      = []byte("registry/params")
	prefixEntity   = []byte("registry/entity/")
	prefixNode     = []byte("registry/node/")
	prefixNodeStat = []byte("registry/nodestatus/")
	prefixRuntime  = []byte("registry/runtime/")
	prefixRTStatus = []byte("registry/rtstatus/")
)

func key(prefix []byte, id []byte) []byte { return append(append([]byte{}, prefix...), id...) }

func get(kv state.KV, k []byte, v any) bool {
	raw := kv.Get(k)
	if raw == nil {
		return false
	}
	if err := codec.Unmarshal(raw, v); err != nil {
		panic(&state.FatalError{Err: fmt.Errorf("registry: decoding %T: %w", v, err)})
	}
	return true
}

// GetParams reads the registry parameters.
func GetParams(kv state.KV) Params {
	var p Params
	get(kv, keyParams, &p)
	return p
}

// SetParams writes the registry parameters.
func SetParams(kv state.KV, p Params) { kv.Set(keyParams, codec.Marshal(&p)) }

// GetEntity returns the entity, if registered.
func GetEntity(kv state.KV, id signature.PublicKey) (*Entity, bool) {
	var e Entity
	return &e, get(kv, key(prefixEntity, id[:]), &e)
}

// SetEntity writes an entity.
func SetEntity(kv state.KV, e *Entity) { kv.Set(key(prefixEntity, e.ID[:]), codec.Marshal(e)) }

// GetNode returns the node, if registered (expired nodes included).
func GetNode(kv state.KV, id signature.PublicKey) (*Node, bool) {
	var n Node
	return &n, get(kv, key(prefixNode, id[:]), &n)
}

// SetNode writes a node descriptor.
func SetNode(kv state.KV, n *Node) { kv.Set(key(prefixNode, n.ID[:]), codec.Marshal(n)) }

// GetNodeStatus returns the node's status (zero if none).
func GetNodeStatus(kv state.KV, id signature.PublicKey) NodeStatus {
	var s NodeStatus
	get(kv, key(prefixNodeStat, id[:]), &s)
	return s
}

// SetNodeStatus writes a node's status.
func SetNodeStatus(kv state.KV, id signature.PublicKey, s NodeStatus) {
	kv.Set(key(prefixNodeStat, id[:]), codec.Marshal(&s))
}

func removeNode(kv state.KV, id signature.PublicKey) {
	kv.Delete(key(prefixNode, id[:]))
	kv.Delete(key(prefixNodeStat, id[:]))
}

// Nodes visits every registered node (expired included) in id order.
func Nodes(kv state.KV, fn func(*Node) bool) {
	kv.Iterate(prefixNode, func(_, v []byte) bool {
		var n Node
		if err := codec.Unmarshal(v, &n); err != nil {
			panic(&state.FatalError{Err: fmt.Errorf("registry: decoding node: %w", err)})
		}
		return fn(&n)
	})
}

// Entities visits every entity in id order.
func Entities(kv state.KV, fn func(*Entity) bool) {
	kv.Iterate(prefixEntity, func(_, v []byte) bool {
		var e Entity
		if err := codec.Unmarshal(v, &e); err != nil {
			panic(&state.FatalError{Err: fmt.Errorf("registry: decoding entity: %w", err)})
		}
		return fn(&e)
	})
}

// GetRuntime returns the runtime, if registered.
func GetRuntime(kv state.KV, id RuntimeID) (*Runtime, bool) {
	var r Runtime
	return &r, get(kv, key(prefixRuntime, id[:]), &r)
}

// SetRuntime writes a runtime descriptor.
func SetRuntime(kv state.KV, r *Runtime) { kv.Set(key(prefixRuntime, r.ID[:]), codec.Marshal(r)) }

// Runtimes visits every runtime in id order.
func Runtimes(kv state.KV, fn func(*Runtime) bool) {
	kv.Iterate(prefixRuntime, func(_, v []byte) bool {
		var r Runtime
		if err := codec.Unmarshal(v, &r); err != nil {
			panic(&state.FatalError{Err: fmt.Errorf("registry: decoding runtime: %w", err)})
		}
		return fn(&r)
	})
}

// GetRuntimeStatus returns the runtime's status.
func GetRuntimeStatus(kv state.KV, id RuntimeID) RuntimeStatus {
	var s RuntimeStatus
	get(kv, key(prefixRTStatus, id[:]), &s)
	return s
}

// SetRuntimeStatus writes the runtime's status.
func SetRuntimeStatus(kv state.KV, id RuntimeID, s RuntimeStatus) {
	kv.Set(key(prefixRTStatus, id[:]), codec.Marshal(&s))
}
