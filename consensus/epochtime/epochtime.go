package epochtime

import (
	"fmt"

	"github.com/atoll-dev/atoll/consensus/codec"
	"github.com/atoll-dev/atoll/consensus/service"
	"github.com/atoll-dev/atoll/consensus/state"
)

// Name is the service name.
const Name = "epochtime"

// Params are the epoch parameters.
type Params struct {
	// Interval is the number of blocks per epoch.
	Interval uint64 `cbor:"interval" json:"interval"`
}

// Validate checks the parameters.
func (p *Params) Validate() error {
	if p.Interval == 0 || p.Interval > 1<<32 {
		return fmt.Errorf("epochtime: interval must be in 1..2^32 blocks, got %d", p.Interval)
	}
	return nil
}

// State is the clock's state.
type State struct {
	Epoch uint64 `cbor:"epoch" json:"epoch"`
	// StartHeight is the first block of Epoch.
	StartHeight int64 `cbor:"start_height" json:"start_height"`
	// EndHeight is the block whose end moves the clock to Epoch+1.
	EndHeight int64  `cbor:"end_height" json:"end_height"`
	Params    Params `cbor:"params" json:"params"`
}

var keyState = []byte("epochtime/state")

// Get reads the clock state.
func Get(kv state.KV) State {
	var s State
	if raw := kv.Get(keyState); raw != nil {
		if err := codec.Unmarshal(raw, &s); err != nil {
			panic(&state.FatalError{Err: fmt.Errorf("epochtime: decoding state: %w", err)})
		}
	}
	return s
}

func set(kv state.KV, s State) { kv.Set(keyState, codec.Marshal(&s)) }

// Genesis is the epochtime section of the genesis document.
type Genesis struct {
	Params Params `json:"params"`
	// Base is the epoch of the first block.
	Base uint64 `json:"base"`
}

// InitGenesis starts the clock at g.Base with the chain's first block.
func InitGenesis(kv state.KV, g *Genesis, initialHeight int64) error {
	if err := g.Params.Validate(); err != nil {
		return err
	}
	set(kv, State{Epoch: g.Base, StartHeight: initialHeight, EndHeight: initialHeight + int64(g.Params.Interval) - 1, Params: g.Params})
	return nil
}

// EndBlock advances the clock after block height; it returns the new epoch
// and true when height closed an epoch.
func EndBlock(kv state.KV, height int64) (uint64, bool) {
	s := Get(kv)
	if height < s.EndHeight {
		return s.Epoch, false
	}
	s.Epoch++
	s.StartHeight = height + 1
	s.EndHeight = height + int64(s.Params.Interval)
	set(kv, s)
	return s.Epoch, true
}

// Service is the epochtime service; it has no transactions.
type Service struct{}

// Name implements service.Service.
func (Service) Name() string { return Name }

// ExecTx implements service.Service.
func (Service) ExecTx(_ *service.Context, method string, _ []byte) error {
	return service.Unknown(Name, method)
}

// EpochTransition implements service.Service.
func (Service) EpochTransition(ctx *service.Context) error {
	s := Get(ctx.KV)
	ctx.Emit("epochtime.epoch", "epoch", fmt.Sprint(s.Epoch), "start_height", fmt.Sprint(s.StartHeight))
	return nil
}

// Query implements service.Service. Path: "state".
func (Service) Query(kv state.KV, _ uint64, path string, _ []byte) (any, error) {
	if path == "state" {
		return Get(kv), nil
	}
	return nil, fmt.Errorf("%w: epochtime/%s", service.ErrUnknownQuery, path)
}

// ChangeParameters sets a new interval (CBOR Params), effective from the
// next epoch: the current epoch keeps its end height.
func (Service) ChangeParameters(kv state.KV, change []byte, apply bool) error {
	var p Params
	if err := codec.Unmarshal(change, &p); err != nil {
		return fmt.Errorf("%w: %v", service.ErrBadBody, err)
	}
	if err := p.Validate(); err != nil {
		return fmt.Errorf("%w: %v", service.ErrInvalid, err)
	}
	if apply {
		s := Get(kv)
		s.Params = p
		set(kv, s)
	}
	return nil
}
