package staking

import (
	"crypto/sha512"
	"encoding/hex"
	"fmt"

	"github.com/atoll-dev/atoll/consensus/signature"
)

// AddressSize is the size of an account address.
const AddressSize = 20

// Address identifies an account: the first 20 bytes of
// sha512/256(domain | key material). Text form is hex.
type Address [AddressSize]byte

func deriveAddress(domain string, data []byte) Address {
	h := sha512.Sum512_256(append([]byte(domain), data...))
	var a Address
	copy(a[:], h[:AddressSize])
	return a
}

// NewAddress is the address of the account controlled by key.
func NewAddress(key signature.PublicKey) Address {
	return deriveAddress("atoll/staking/address/key:", key[:])
}

// RuntimeAddress is the address of the account owned by runtime id.
func RuntimeAddress(id [32]byte) Address {
	return deriveAddress("atoll/staking/address/runtime:", id[:])
}

// ModuleAddress is the address of an account a consensus service holds
// (governance deposits, for one); no key or runtime can derive it.
func ModuleAddress(name string) Address {
	return deriveAddress("atoll/staking/address/module:", []byte(name))
}

// CommonPoolAddress collects fees and slashed stake.
var CommonPoolAddress = ModuleAddress("common-pool")

func (a Address) String() string { return hex.EncodeToString(a[:]) }

// MarshalText implements encoding.TextMarshaler.
func (a Address) MarshalText() ([]byte, error) { return []byte(a.String()), nil }

// UnmarshalText implements encoding.TextUnmarshaler.
func (a *Address) UnmarshalText(b []byte) error {
	if len(b) != 2*AddressSize {
		return fmt.Errorf("staking: address must be %d hex characters, got %d", 2*AddressSize, len(b))
	}
	_, err := hex.Decode(a[:], b)
	if err != nil {
		return fmt.Errorf("staking: address: %v", err)
	}
	return nil
}

// SharePool is stake held in shares so that slashing reduces every
// delegator's claim proportionally.
type SharePool struct {
	Balance     uint64 `cbor:"balance" json:"balance"`
	TotalShares uint64 `cbor:"total_shares" json:"total_shares"`
}

// General is the spendable part of an account.
type General struct {
	Balance    uint64             `cbor:"balance" json:"balance"`
	Nonce      uint64             `cbor:"nonce" json:"nonce"`
	Allowances map[Address]uint64 `cbor:"allowances,omitempty" json:"allowances,omitempty"`
}

// Escrow is the staked part of an account: stake delegated to it (Active)
// and stake leaving it (Debonding).
type Escrow struct {
	Active    SharePool `cbor:"active" json:"active"`
	Debonding SharePool `cbor:"debonding" json:"debonding"`
}

// Account is one staking account.
type Account struct {
	General General `cbor:"general" json:"general"`
	Escrow  Escrow  `cbor:"escrow" json:"escrow"`
}

// Delegation is a delegator's shares of an escrow account's active pool.
type Delegation struct {
	Shares uint64 `cbor:"shares" json:"shares"`
}

// DebondingDelegation is a delegator's shares of an escrow account's
// debonding pool, paid out at the end of epoch DebondEnd.
type DebondingDelegation struct {
	Shares    uint64 `cbor:"shares" json:"shares"`
	DebondEnd uint64 `cbor:"debond_end" json:"debond_end"`
}

// SlashReason names why stake is slashed; amounts per reason are set by the
// runtime's parameters (registry) and passed to Slash.
type SlashReason string

// Slash reasons used by the roothash.
const (
	SlashIncorrectResults SlashReason = "incorrect-results"
	SlashEquivocation     SlashReason = "equivocation"
	SlashLiveness         SlashReason = "liveness"
)

// ThresholdKind names a stake threshold.
type ThresholdKind string

// Threshold kinds: one per entity, one per node role, one per runtime.
const (
	KindEntity        ThresholdKind = "entity"
	KindNodeValidator ThresholdKind = "node-validator"
	KindNodeCompute   ThresholdKind = "node-compute"
	KindNodeStorage   ThresholdKind = "node-storage"
	KindRuntime       ThresholdKind = "runtime"
)

// Params are the staking parameters, changeable by governance.
type Params struct {
	// Thresholds is the escrow an entity needs per kind of thing it registers.
	Thresholds map[ThresholdKind]uint64 `cbor:"thresholds" json:"thresholds"`
	// DebondingInterval is the number of epochs reclaimed escrow waits.
	DebondingInterval uint64 `cbor:"debonding_interval" json:"debonding_interval"`
	// MinGasPrice is the minimum fee per unit of gas.
	MinGasPrice uint64 `cbor:"min_gas_price" json:"min_gas_price"`
	// GasCosts is the gas a method consumes; methods not listed cost DefaultGas.
	GasCosts   map[string]uint64 `cbor:"gas_costs,omitempty" json:"gas_costs,omitempty"`
	DefaultGas uint64            `cbor:"default_gas" json:"default_gas"`
	// MinTransfer is the smallest non-zero transfer or escrow amount.
	MinTransfer uint64 `cbor:"min_transfer" json:"min_transfer"`
}

// DefaultParams are sane parameters for development networks.
func DefaultParams() Params {
	return Params{
		Thresholds: map[ThresholdKind]uint64{
			KindEntity: 100, KindNodeValidator: 100, KindNodeCompute: 100, KindNodeStorage: 100, KindRuntime: 1000,
		},
		DebondingInterval: 2,
		DefaultGas:        1000,
	}
}

// Validate checks the parameters are usable.
func (p *Params) Validate() error {
	if p.DebondingInterval == 0 {
		return fmt.Errorf("staking: debonding_interval must be at least 1")
	}
	for k := range p.Thresholds {
		switch k {
		case KindEntity, KindNodeValidator, KindNodeCompute, KindNodeStorage, KindRuntime:
		default:
			return fmt.Errorf("staking: unknown threshold kind %q", k)
		}
	}
	return nil
}
