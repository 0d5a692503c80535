package beacon

import (
	"crypto/ed25519"
	"crypto/sha512"
	"encoding/binary"
	"encoding/hex"
	"errors"
	"fmt"

	voied "github.com/oasisprotocol/curve25519-voi/primitives/ed25519"
	"github.com/oasisprotocol/curve25519-voi/primitives/ed25519/extra/ecvrf"

	"github.com/atoll-dev/atoll/consensus/codec"
	"github.com/atoll-dev/atoll/consensus/registry"
	"github.com/atoll-dev/atoll/consensus/service"
	"github.com/atoll-dev/atoll/consensus/signature"
	"github.com/atoll-dev/atoll/consensus/state"
)

// Name is the service name.
const Name = "beacon"

// EntropySize is the size of the per-epoch entropy.
const EntropySize = 32

// Sentinel errors.
var (
	ErrBadProof   = fmt.Errorf("beacon: invalid VRF proof: %w", service.ErrInvalid)
	ErrWrongEpoch = fmt.Errorf("beacon: proof for wrong epoch: %w", service.ErrInvalid)
	ErrDuplicate  = fmt.Errorf("beacon: node already submitted a proof this epoch: %w", service.ErrForbidden)
	ErrIneligible = fmt.Errorf("beacon: node may not submit proofs: %w", service.ErrForbidden)
	errNoEntropy  = errors.New("beacon: no entropy in state")
)

// Params are the beacon parameters.
type Params struct {
	// MinParticipants is the number of proofs below which the fallback is used.
	MinParticipants uint64 `cbor:"min_participants" json:"min_participants"`
}

// ProveBody is the body of beacon.VRFProve; the signer is the node's identity key.
type ProveBody struct {
	Epoch uint64 `cbor:"epoch"`
	Proof []byte `cbor:"proof"`
}

type storedProof struct {
	Epoch uint64 `cbor:"epoch"`
	Beta  []byte `cbor:"beta"`
}

// State is the current beacon output.
type State struct {
	Epoch    uint64 `cbor:"epoch" json:"epoch"`
	Entropy  []byte `cbor:"entropy" json:"entropy"`
	Insecure bool   `cbor:"insecure" json:"insecure"`
	Proofs   uint64 `cbor:"proofs" json:"proofs"`
}

var (
	keyParams   = []byte("beacon/params")
	keyState    = []byte("beacon/state")
	prefixProof = []byte("beacon/proof/")
)

func decode(raw []byte, v any) {
	if err := codec.Unmarshal(raw, v); err != nil {
		panic(&state.FatalError{Err: fmt.Errorf("beacon: decoding %T: %w", v, err)})
	}
}

// Get returns the current beacon state.
func Get(kv state.KV) State {
	var s State
	if raw := kv.Get(keyState); raw != nil {
		decode(raw, &s)
	}
	return s
}

// GetParams returns the beacon parameters.
func GetParams(kv state.KV) Params {
	var p Params
	if raw := kv.Get(keyParams); raw != nil {
		decode(raw, &p)
	}
	return p
}

// Alpha is the VRF input for proofs counting towards epoch target.
func Alpha(chainContext []byte, target uint64, prev []byte) []byte {
	h := sha512.New512_256()
	h.Write([]byte("atoll/beacon/alpha/v1"))
	h.Write(chainContext)
	h.Write(binary.BigEndian.AppendUint64(nil, target))
	h.Write(prev)
	return h.Sum(nil)
}

// Prove makes a node's proof for epoch target; run by nodes, not consensus.
func Prove(vrfKey ed25519.PrivateKey, chainContext []byte, target uint64, prev []byte) []byte {
	return ecvrf.Prove(voied.PrivateKey(vrfKey), Alpha(chainContext, target, prev))
}

// Submit verifies and records a proof from node ctx.Signer for epoch
// ctx.Epoch+1.
func Submit(ctx *service.Context, b *ProveBody) error {
	if b.Epoch != ctx.Epoch+1 {
		return fmt.Errorf("%w: proofs during epoch %d are for epoch %d, got %d", ErrWrongEpoch, ctx.Epoch, ctx.Epoch+1, b.Epoch)
	}
	n, ok := registry.GetNode(ctx.KV, ctx.Signer)
	if !ok || n.IsExpired(ctx.Epoch) || n.VRF.IsZero() {
		return fmt.Errorf("%w: %s is not a live node with a VRF key", ErrIneligible, ctx.Signer)
	}
	k := append(append([]byte{}, prefixProof...), ctx.Signer[:]...)
	if raw := ctx.KV.Get(k); raw != nil {
		var p storedProof
		decode(raw, &p)
		if p.Epoch == b.Epoch {
			return fmt.Errorf("%w: %s", ErrDuplicate, ctx.Signer)
		}
	}
	if len(b.Proof) != ecvrf.ProofSize {
		return fmt.Errorf("%w: %d bytes, want %d", ErrBadProof, len(b.Proof), ecvrf.ProofSize)
	}
	cur := Get(ctx.KV)
	ok, beta := ecvrf.Verify(voied.PublicKey(n.VRF[:]), b.Proof, Alpha(ctx.ChainContext, b.Epoch, cur.Entropy))
	if !ok {
		return fmt.Errorf("%w: node %s", ErrBadProof, ctx.Signer)
	}
	ctx.KV.Set(k, codec.Marshal(&storedProof{Epoch: b.Epoch, Beta: beta}))
	ctx.Emit("beacon.proof", "node", ctx.Signer.String(), "epoch", fmt.Sprint(b.Epoch))
	return nil
}

// Transition derives the entropy of ctx.Epoch from the proofs collected
// for it and clears them.
func Transition(ctx *service.Context) error {
	cur := Get(ctx.KV)
	if cur.Entropy == nil {
		return errNoEntropy
	}
	h := sha512.New512_256()
	h.Write([]byte("atoll/beacon/entropy/v1"))
	h.Write(binary.BigEndian.AppendUint64(nil, ctx.Epoch))
	var count uint64
	var stale [][]byte
	ctx.KV.Iterate(prefixProof, func(k, v []byte) bool {
		stale = append(stale, k)
		var p storedProof
		decode(v, &p)
		if p.Epoch != ctx.Epoch {
			return true
		}
		h.Write(k[len(prefixProof):])
		h.Write(p.Beta)
		count++
		return true
	})
	for _, k := range stale {
		ctx.KV.Delete(k)
	}
	next := State{Epoch: ctx.Epoch, Entropy: h.Sum(nil), Proofs: count}
	if count < GetParams(ctx.KV).MinParticipants || count == 0 {
		f := sha512.New512_256()
		f.Write([]byte("atoll/beacon/fallback/v1"))
		f.Write(binary.BigEndian.AppendUint64(nil, ctx.Epoch))
		f.Write(cur.Entropy)
		next.Entropy, next.Insecure = f.Sum(nil), true
	}
	ctx.KV.Set(keyState, codec.Marshal(&next))
	ctx.Emit("beacon.entropy", "epoch", fmt.Sprint(ctx.Epoch), "entropy", hex.EncodeToString(next.Entropy),
		"proofs", fmt.Sprint(count), "insecure", fmt.Sprint(next.Insecure))
	return nil
}

// Genesis is the beacon section of the genesis document.
type Genesis struct {
	Params Params `json:"params"`
}

// InitGenesis seeds the entropy of the base epoch from the chain context.
func InitGenesis(kv state.KV, g *Genesis, chainContext []byte, epoch uint64) {
	kv.Set(keyParams, codec.Marshal(&g.Params))
	seed := sha512.Sum512_256(append([]byte("atoll/beacon/genesis/v1"), chainContext...))
	kv.Set(keyState, codec.Marshal(&State{Epoch: epoch, Entropy: seed[:], Insecure: true}))
}

// Service is the beacon service.
type Service struct{}

// Name implements service.Service.
func (Service) Name() string { return Name }

// ExecTx implements service.Service. Method: VRFProve (ProveBody).
func (Service) ExecTx(ctx *service.Context, method string, body []byte) error {
	if method != "VRFProve" {
		return service.Unknown(Name, method)
	}
	var b ProveBody
	if err := codec.Unmarshal(body, &b); err != nil {
		return fmt.Errorf("%w: %v", service.ErrBadBody, err)
	}
	return Submit(ctx, &b)
}

// EpochTransition implements service.Service.
func (Service) EpochTransition(ctx *service.Context) error { return Transition(ctx) }

// Query implements service.Service. Paths: "state", "params", and
// "submitted" (data: hex node id), the target epoch of the node's last
// recorded proof (0 if none).
func (Service) Query(kv state.KV, _ uint64, path string, data []byte) (any, error) {
	switch path {
	case "state":
		return Get(kv), nil
	case "submitted":
		var id signature.PublicKey
		if err := id.UnmarshalText(data); err != nil {
			return nil, fmt.Errorf("%w: %v", service.ErrInvalid, err)
		}
		var p storedProof
		if raw := kv.Get(append(append([]byte{}, prefixProof...), id[:]...)); raw != nil {
			decode(raw, &p)
		}
		return p.Epoch, nil
	case "params":
		return GetParams(kv), nil
	}
	return nil, fmt.Errorf("%w: beacon/%s", service.ErrUnknownQuery, path)
}

// ChangeParameters implements service.Service (CBOR Params).
func (Service) ChangeParameters(kv state.KV, change []byte, apply bool) error {
	var p Params
	if err := codec.Unmarshal(change, &p); err != nil {
		return fmt.Errorf("%w: %v", service.ErrBadBody, err)
	}
	if apply {
		kv.Set(keyParams, codec.Marshal(&p))
	}
	return nil
}

// VRFPublicKey converts a raw key for registry descriptors.
func VRFPublicKey(k ed25519.PublicKey) signature.PublicKey {
	var pk signature.PublicKey
	copy(pk[:], k)
	return pk
}
