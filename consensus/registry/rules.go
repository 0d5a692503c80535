package registry

import (
	"errors"
	"fmt"
	"slices"

	"github.com/atoll-dev/atoll/consensus/codec"
	"github.com/atoll-dev/atoll/consensus/service"
	"github.com/atoll-dev/atoll/consensus/signature"
	"github.com/atoll-dev/atoll/consensus/staking"
	"github.com/atoll-dev/atoll/consensus/state"
)

// Sentinel errors.
var (
	ErrNoEntity       = fmt.Errorf("registry: entity not registered: %w", service.ErrNotFound)
	ErrNoRuntime      = fmt.Errorf("registry: runtime not registered: %w", service.ErrNotFound)
	ErrNoNode         = fmt.Errorf("registry: node not registered: %w", service.ErrNotFound)
	ErrNotVouched     = fmt.Errorf("registry: entity does not vouch for node: %w", service.ErrForbidden)
	ErrNotOwner       = fmt.Errorf("registry: signer does not own this: %w", service.ErrForbidden)
	ErrNotAdmitted    = fmt.Errorf("registry: runtime admission policy refuses entity: %w", service.ErrForbidden)
	ErrBadExpiration  = fmt.Errorf("registry: bad expiration: %w", service.ErrInvalid)
	ErrInsufficient   = fmt.Errorf("registry: insufficient stake: %w", service.ErrFunds)
	ErrEntityHasNodes = fmt.Errorf("registry: entity still has nodes: %w", service.ErrForbidden)
	ErrKeyInUse       = fmt.Errorf("registry: key already used by another node: %w", service.ErrForbidden)
	ErrBadDescriptor  = fmt.Errorf("registry: bad descriptor: %w", service.ErrInvalid)
)

// NodeSignatureContext is the domain of a node's signature on its descriptor.
const NodeSignatureContext = "atoll/registry/node"

// SignedNode is a node descriptor signed by the node's own key.
//
//	{ "node": bstr (canonical CBOR of Node), "signature": bstr .size 64 }
//
// The signature covers chain context | node bytes.
type SignedNode struct {
	Node      []byte              `cbor:"node"`
	Signature signature.Signature `cbor:"signature"`
}

// SignNode encodes and signs n with the node's key.
func SignNode(nodeKey *signature.Signer, chainContext []byte, n *Node) *SignedNode {
	raw := codec.Marshal(n)
	return &SignedNode{Node: raw, Signature: nodeKey.Sign(NodeSignatureContext, append(append([]byte{}, chainContext...), raw...))}
}

// Open verifies the node's signature and decodes the descriptor.
func (s *SignedNode) Open(chainContext []byte) (*Node, error) {
	var n Node
	if err := codec.Unmarshal(s.Node, &n); err != nil {
		return nil, fmt.Errorf("%w: node: %v", service.ErrBadBody, err)
	}
	msg := append(append([]byte{}, chainContext...), s.Node...)
	if err := signature.Verify(n.ID, NodeSignatureContext, msg, s.Signature); err != nil {
		return nil, fmt.Errorf("%w: node %s did not sign its descriptor", service.ErrForbidden, n.ID)
	}
	return &n, nil
}

// StakeClaim is the escrow entity needs for everything it has registered,
// with node n substituted (or added) if non-nil and runtime rt likewise.
func StakeClaim(kv state.KV, entity signature.PublicKey, n *Node, rt *Runtime) (uint64, error) {
	p := staking.GetParams(kv)
	total := p.Thresholds[staking.KindEntity]
	addNode := func(node *Node) {
		for _, r := range node.Roles {
			if k, ok := r.threshold(); ok {
				total += p.Thresholds[k]
			}
		}
	}
	if e, ok := GetEntity(kv, entity); ok {
		for _, id := range e.Nodes {
			if n != nil && id == n.ID {
				continue
			}
			if node, ok := GetNode(kv, id); ok {
				addNode(node)
			}
		}
	}
	if n != nil {
		addNode(n)
	}
	var err error
	Runtimes(kv, func(r *Runtime) bool {
		if r.Owner != entity || (rt != nil && r.ID == rt.ID) {
			return true
		}
		total += p.Thresholds[staking.KindRuntime] + r.Deposit
		return true
	})
	if rt != nil {
		total += p.Thresholds[staking.KindRuntime] + rt.Deposit
	}
	return total, err
}

// CheckStake verifies entity's escrow covers its claim with n / rt included.
func CheckStake(kv state.KV, entity signature.PublicKey, n *Node, rt *Runtime) error {
	claim, err := StakeClaim(kv, entity, n, rt)
	if err != nil {
		return err
	}
	if have := staking.EscrowBalance(kv, staking.NewAddress(entity)); have < claim {
		return fmt.Errorf("%w: entity %s has %d in escrow, needs %d", ErrInsufficient, entity, have, claim)
	}
	return nil
}

// RegisterEntity adds or replaces the signer's entity descriptor.
func RegisterEntity(ctx *service.Context, e *Entity) error {
	if e.ID != ctx.Signer {
		return fmt.Errorf("%w: entity %s registered by %s", ErrNotOwner, e.ID, ctx.Signer)
	}
	seen := map[signature.PublicKey]bool{}
	for _, n := range e.Nodes {
		if seen[n] || n == e.ID || n.IsZero() {
			return fmt.Errorf("%w: entity %s lists node %s twice, as itself, or as zero", ErrBadDescriptor, e.ID, n)
		}
		seen[n] = true
	}
	if old, ok := GetEntity(ctx.KV, e.ID); ok {
		for _, id := range old.Nodes {
			if node, ok := GetNode(ctx.KV, id); ok && !seen[id] && !node.IsExpired(ctx.Epoch) {
				return fmt.Errorf("%w: entity %s drops live node %s", ErrEntityHasNodes, e.ID, id)
			}
		}
	}
	SetEntity(ctx.KV, e)
	if err := CheckStake(ctx.KV, e.ID, nil, nil); err != nil {
		return err
	}
	ctx.Emit("registry.entity_registered", "entity", e.ID.String())
	return nil
}

// DeregisterEntity removes the signer's entity if it has no live nodes.
func DeregisterEntity(ctx *service.Context) error {
	e, ok := GetEntity(ctx.KV, ctx.Signer)
	if !ok {
		return fmt.Errorf("%w: %s", ErrNoEntity, ctx.Signer)
	}
	for _, id := range e.Nodes {
		if _, ok := GetNode(ctx.KV, id); ok {
			return fmt.Errorf("%w: %s", ErrEntityHasNodes, id)
		}
	}
	owns := false
	Runtimes(ctx.KV, func(r *Runtime) bool { owns = r.Owner == e.ID; return !owns })
	if owns {
		return fmt.Errorf("%w: entity %s owns runtimes", service.ErrForbidden, e.ID)
	}
	ctx.KV.Delete(key(prefixEntity, e.ID[:]))
	ctx.Emit("registry.entity_deregistered", "entity", e.ID.String())
	return nil
}

// RegisterNode admits or renews node n: the descriptor must be well formed,
// signed by the node (checked by the caller via SignedNode.Open), submitted
// by its entity which vouches for it, expire within the allowed window, name
// only registered runtimes that admit the entity, use keys no other node
// uses, and leave the entity's stake claim covered.
func RegisterNode(ctx *service.Context, n *Node) error {
	if err := n.Validate(); err != nil {
		return fmt.Errorf("%w: %v", ErrBadDescriptor, err)
	}
	if n.EntityID != ctx.Signer {
		return fmt.Errorf("%w: node %s belongs to entity %s, transaction signed by %s", ErrNotOwner, n.ID, n.EntityID, ctx.Signer)
	}
	e, ok := GetEntity(ctx.KV, n.EntityID)
	if !ok {
		return fmt.Errorf("%w: %s", ErrNoEntity, n.EntityID)
	}
	if !e.Vouches(n.ID) {
		return fmt.Errorf("%w: entity %s, node %s", ErrNotVouched, e.ID, n.ID)
	}
	p := GetParams(ctx.KV)
	if n.Expiration <= ctx.Epoch || n.Expiration > ctx.Epoch+p.MaxNodeExpiration {
		return fmt.Errorf("%w: node %s expires at epoch %d, must be in %d..%d", ErrBadExpiration, n.ID, n.Expiration, ctx.Epoch+1, ctx.Epoch+p.MaxNodeExpiration)
	}
	for _, id := range n.Runtimes {
		rt, ok := GetRuntime(ctx.KV, id)
		if !ok {
			return fmt.Errorf("%w: %s", ErrNoRuntime, id)
		}
		if !rt.Admission.Admits(n.EntityID) {
			return fmt.Errorf("%w: runtime %s, entity %s", ErrNotAdmitted, id, n.EntityID)
		}
	}
	if old, ok := GetNode(ctx.KV, n.ID); ok && old.EntityID != n.EntityID {
		return fmt.Errorf("%w: node %s belongs to entity %s", ErrNotOwner, n.ID, old.EntityID)
	}
	var clash error
	Nodes(ctx.KV, func(o *Node) bool {
		if o.ID == n.ID {
			return true
		}
		if (!n.Consensus.ID.IsZero() && o.Consensus.ID == n.Consensus.ID) ||
			(!n.P2P.ID.IsZero() && o.P2P.ID == n.P2P.ID) || (!n.VRF.IsZero() && o.VRF == n.VRF) {
			clash = fmt.Errorf("%w: node %s shares a key with node %s", ErrKeyInUse, n.ID, o.ID)
			return false
		}
		return true
	})
	if clash != nil {
		return clash
	}
	if err := CheckStake(ctx.KV, n.EntityID, n, nil); err != nil {
		return err
	}
	_, existed := GetNode(ctx.KV, n.ID)
	SetNode(ctx.KV, n)
	st := GetNodeStatus(ctx.KV, n.ID)
	st.ExpiredProcessed = false
	SetNodeStatus(ctx.KV, n.ID, st)
	ev := "registry.node_registered"
	if existed {
		ev = "registry.node_renewed"
	}
	ctx.Emit(ev, "node", n.ID.String(), "entity", n.EntityID.String(), "expiration", fmt.Sprint(n.Expiration))
	return nil
}

// RegisterRuntime adds a runtime or updates one the signer owns; the id,
// kind, owner and genesis state root of an existing runtime are immutable.
func RegisterRuntime(ctx *service.Context, rt *Runtime) error {
	if err := rt.Validate(); err != nil {
		return fmt.Errorf("%w: %v", ErrBadDescriptor, err)
	}
	if rt.Owner != ctx.Signer {
		return fmt.Errorf("%w: runtime %s owned by %s, signed by %s", ErrNotOwner, rt.ID, rt.Owner, ctx.Signer)
	}
	if _, ok := GetEntity(ctx.KV, rt.Owner); !ok {
		return fmt.Errorf("%w: %s", ErrNoEntity, rt.Owner)
	}
	if old, ok := GetRuntime(ctx.KV, rt.ID); ok {
		if old.Owner != rt.Owner || old.Kind != rt.Kind || old.GenesisStateRoot != rt.GenesisStateRoot {
			return fmt.Errorf("%w: runtime %s: owner, kind and genesis state root are immutable", service.ErrForbidden, rt.ID)
		}
	}
	if err := CheckStake(ctx.KV, rt.Owner, nil, rt); err != nil {
		return err
	}
	SetRuntime(ctx.KV, rt)
	ctx.Emit("registry.runtime_registered", "runtime", rt.ID.String(), "owner", rt.Owner.String())
	return nil
}

// Freeze makes node ineligible for committees until epoch until.
func Freeze(kv state.KV, id signature.PublicKey, until uint64) {
	st := GetNodeStatus(kv, id)
	st.FreezeEnd = max(st.FreezeEnd, until)
	SetNodeStatus(kv, id, st)
}

// SlashNode punishes node for a fault in runtime rt: its entity's escrow
// loses the runtime's amount for reason and the node is frozen for the
// registry's FreezeEpochs. Expired nodes within their debonding window are
// still slashable. It returns the amount slashed.
func SlashNode(ctx *service.Context, rt RuntimeID, node signature.PublicKey, reason staking.SlashReason) (uint64, error) {
	n, ok := GetNode(ctx.KV, node)
	if !ok {
		return 0, fmt.Errorf("%w: %s", ErrNoNode, node)
	}
	r, ok := GetRuntime(ctx.KV, rt)
	if !ok {
		return 0, fmt.Errorf("%w: %s", ErrNoRuntime, rt)
	}
	amount := r.Staking.Slashing[reason]
	Freeze(ctx.KV, node, ctx.Epoch+GetParams(ctx.KV).FreezeEpochs)
	ctx.Emit("registry.node_frozen", "node", node.String(), "until", fmt.Sprint(ctx.Epoch+GetParams(ctx.KV).FreezeEpochs))
	if amount == 0 {
		return 0, nil
	}
	return staking.Slash(ctx, staking.NewAddress(n.EntityID), reason, amount)
}

// OwnerHasStake reports whether rt's owner still covers its stake claim.
func OwnerHasStake(kv state.KV, rt *Runtime) bool {
	return CheckStake(kv, rt.Owner, nil, nil) == nil
}

// ProcessEpoch runs the registry's epoch transition into ctx.Epoch:
// charge maintenance fees (expiring nodes whose entity cannot pay), emit
// expiry events once, and remove nodes expired longer than the debonding
// interval.
func ProcessEpoch(ctx *service.Context) error {
	debond := staking.GetParams(ctx.KV).DebondingInterval
	var nodes []*Node
	Nodes(ctx.KV, func(n *Node) bool { nodes = append(nodes, n); return true })
	for _, n := range nodes {
		if n.IsExpired(ctx.Epoch) {
			continue
		}
		if err := chargeMaintenance(ctx, n); err != nil {
			if !errors.Is(err, service.ErrFunds) {
				return err
			}
			n.Expiration = ctx.Epoch - 1
			SetNode(ctx.KV, n)
			ctx.Emit("registry.node_evicted", "node", n.ID.String(), "reason", "maintenance fee unpaid")
		}
	}
	for _, n := range nodes {
		if !n.IsExpired(ctx.Epoch) {
			continue
		}
		if n.Expiration+debond < ctx.Epoch {
			removeNode(ctx.KV, n.ID)
			ctx.Emit("registry.node_removed", "node", n.ID.String())
			continue
		}
		st := GetNodeStatus(ctx.KV, n.ID)
		if !st.ExpiredProcessed {
			st.ExpiredProcessed = true
			SetNodeStatus(ctx.KV, n.ID, st)
			ctx.Emit("registry.node_expired", "node", n.ID.String())
		}
	}
	return nil
}

func chargeMaintenance(ctx *service.Context, n *Node) error {
	var fee uint64
	for _, id := range n.Runtimes {
		if rt, ok := GetRuntime(ctx.KV, id); ok {
			fee += rt.Staking.NodeMaintenanceFee
		}
	}
	if fee == 0 {
		return nil
	}
	payer := staking.NewAddress(n.EntityID)
	if err := staking.Transfer(ctx.KV, payer, staking.CommonPoolAddress, fee); err != nil {
		return err
	}
	ctx.Emit("registry.maintenance_fee", "node", n.ID.String(), "amount", fmt.Sprint(fee))
	return nil
}

// SortedRuntimeIDs lists runtime ids in ascending order.
func SortedRuntimeIDs(kv state.KV) []RuntimeID {
	var ids []RuntimeID
	Runtimes(kv, func(r *Runtime) bool { ids = append(ids, r.ID); return true })
	slices.SortFunc(ids, func(a, b RuntimeID) int { return slices.Compare(a[:], b[:]) })
	return ids
}
