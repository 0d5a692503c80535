package app

import (
	"fmt"

	cmtproto "github.com/cometbft/cometbft/proto/tendermint/types"

	"github.com/atoll-dev/atoll/consensus/codec"
	"github.com/atoll-dev/atoll/consensus/service"
	"github.com/atoll-dev/atoll/consensus/state"
)

// ConsensusName is the governance module name of the consensus limits.
const ConsensusName = "consensus"

// ConsensusLimits are the limits governance can change without a restart:
// the application's transaction size bound and CometBFT's block limits.
type ConsensusLimits struct {
	MaxTxSize     int   `cbor:"max_tx_size" json:"max_tx_size"`
	MaxBlockBytes int64 `cbor:"max_block_bytes" json:"max_block_bytes"`
	MaxBlockGas   int64 `cbor:"max_block_gas" json:"max_block_gas"`
}

// Validate checks the limits against each other and CometBFT's rules.
func (l *ConsensusLimits) Validate() error {
	switch {
	case l.MaxTxSize < 1024 || l.MaxTxSize > 4<<20:
		return fmt.Errorf("app: max_tx_size %d must be in 1024..4194304", l.MaxTxSize)
	case l.MaxBlockBytes < 2<<20 || l.MaxBlockBytes > 100<<20:
		// CometBFT refuses blocks smaller than its evidence limit (1 MiB by
		// default); an update it refuses would halt the chain.
		return fmt.Errorf("app: max_block_bytes %d must be in 2097152..104857600", l.MaxBlockBytes)
	case l.MaxBlockGas < -1:
		return fmt.Errorf("app: max_block_gas %d must be -1 (unlimited) or more", l.MaxBlockGas)
	}
	return nil
}

var (
	keyLimits        = []byte("app/limits")
	keyLimitsPending = []byte("app/limits_pending")
)

func getLimits(kv state.KV) (ConsensusLimits, bool) {
	var l ConsensusLimits
	raw := kv.Get(keyLimits)
	if raw == nil {
		return l, false
	}
	if err := codec.Unmarshal(raw, &l); err != nil {
		panic(&state.FatalError{Err: fmt.Errorf("app: limits: %w", err)})
	}
	return l, true
}

// consensusService exposes the limits to governance and queries.
type consensusService struct{}

func (consensusService) Name() string { return ConsensusName }

func (consensusService) ExecTx(_ *service.Context, method string, _ []byte) error {
	return service.Unknown(ConsensusName, method)
}

func (consensusService) EpochTransition(*service.Context) error { return nil }

func (consensusService) Query(kv state.KV, _ uint64, path string, _ []byte) (any, error) {
	if path == "limits" {
		l, _ := getLimits(kv)
		return l, nil
	}
	return nil, fmt.Errorf("%w: consensus/%s", service.ErrUnknownQuery, path)
}

// ChangeParameters takes CBOR ConsensusLimits; on apply the new block
// limits are handed to CometBFT at the end of the enacting block.
func (consensusService) ChangeParameters(kv state.KV, change []byte, apply bool) error {
	var l ConsensusLimits
	if err := codec.Unmarshal(change, &l); err != nil {
		return fmt.Errorf("%w: %v", service.ErrBadBody, err)
	}
	if err := l.Validate(); err != nil {
		return fmt.Errorf("%w: %v", service.ErrInvalid, err)
	}
	if apply {
		kv.Set(keyLimits, codec.Marshal(&l))
		kv.Set(keyLimitsPending, []byte{1})
	}
	return nil
}

// takeLimitUpdate returns CometBFT's parameter update if governance
// changed the limits in this block, and clears the mark.
func takeLimitUpdate(kv state.KV) *cmtproto.ConsensusParams {
	if kv.Get(keyLimitsPending) == nil {
		return nil
	}
	kv.Delete(keyLimitsPending)
	l, _ := getLimits(kv)
	return &cmtproto.ConsensusParams{Block: &cmtproto.BlockParams{MaxBytes: l.MaxBlockBytes, MaxGas: l.MaxBlockGas}}
}
