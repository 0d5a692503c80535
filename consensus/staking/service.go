package staking

import (
	"encoding/hex"
	"errors"
	"fmt"

	"github.com/atoll-dev/atoll/consensus/codec"
	"github.com/atoll-dev/atoll/consensus/service"
	"github.com/atoll-dev/atoll/consensus/state"
)

// Name is the service name.
const Name = "staking"

// Method bodies.
type (
	// TransferBody is the body of staking.Transfer.
	TransferBody struct {
		To     Address `cbor:"to"`
		Amount uint64  `cbor:"amount"`
	}
	// AllowBody is the body of staking.Allow.
	AllowBody struct {
		Beneficiary Address `cbor:"beneficiary"`
		Delta       int64   `cbor:"delta"`
	}
	// WithdrawBody is the body of staking.Withdraw.
	WithdrawBody struct {
		From   Address `cbor:"from"`
		Amount uint64  `cbor:"amount"`
	}
	// AddEscrowBody is the body of staking.AddEscrow.
	AddEscrowBody struct {
		Account Address `cbor:"account"`
		Amount  uint64  `cbor:"amount"`
	}
	// ReclaimEscrowBody is the body of staking.ReclaimEscrow.
	ReclaimEscrowBody struct {
		Account Address `cbor:"account"`
		Shares  uint64  `cbor:"shares"`
	}
)

// Service is the staking service.
type Service struct{}

// Name implements service.Service.
func (Service) Name() string { return Name }

func decodeBody(body []byte, v any) error {
	if err := codec.Unmarshal(body, v); err != nil {
		return fmt.Errorf("%w: %v", service.ErrBadBody, err)
	}
	return nil
}

// ExecTx implements service.Service.
func (Service) ExecTx(ctx *service.Context, method string, body []byte) error {
	signer := NewAddress(ctx.Signer)
	p := GetParams(ctx.KV)
	checkMin := func(amount uint64) error {
		if amount < p.MinTransfer {
			return fmt.Errorf("%w: amount %d below minimum %d", service.ErrInvalid, amount, p.MinTransfer)
		}
		return nil
	}
	switch method {
	case "Transfer":
		var b TransferBody
		if err := decodeBody(body, &b); err != nil {
			return err
		}
		if err := checkMin(b.Amount); err != nil {
			return err
		}
		if err := Transfer(ctx.KV, signer, b.To, b.Amount); err != nil {
			return err
		}
		ctx.Emit("staking.transfer", "from", signer.String(), "to", b.To.String(), "amount", fmt.Sprint(b.Amount))
	case "Allow":
		var b AllowBody
		if err := decodeBody(body, &b); err != nil {
			return err
		}
		now, err := Allow(ctx.KV, signer, b.Beneficiary, b.Delta)
		if err != nil {
			return err
		}
		ctx.Emit("staking.allowance", "owner", signer.String(), "beneficiary", b.Beneficiary.String(), "allowance", fmt.Sprint(now))
	case "Withdraw":
		var b WithdrawBody
		if err := decodeBody(body, &b); err != nil {
			return err
		}
		if err := Withdraw(ctx.KV, b.From, signer, b.Amount); err != nil {
			return err
		}
		ctx.Emit("staking.transfer", "from", b.From.String(), "to", signer.String(), "amount", fmt.Sprint(b.Amount))
	case "AddEscrow":
		var b AddEscrowBody
		if err := decodeBody(body, &b); err != nil {
			return err
		}
		if err := checkMin(b.Amount); err != nil {
			return err
		}
		shares, err := AddEscrow(ctx.KV, signer, b.Account, b.Amount)
		if err != nil {
			return err
		}
		ctx.Emit("staking.escrow_added", "delegator", signer.String(), "escrow", b.Account.String(), "amount", fmt.Sprint(b.Amount), "shares", fmt.Sprint(shares))
	case "ReclaimEscrow":
		var b ReclaimEscrowBody
		if err := decodeBody(body, &b); err != nil {
			return err
		}
		amount, end, err := ReclaimEscrow(ctx.KV, signer, b.Account, b.Shares, ctx.Epoch)
		if err != nil {
			return err
		}
		ctx.Emit("staking.escrow_reclaimed", "delegator", signer.String(), "escrow", b.Account.String(), "amount", fmt.Sprint(amount), "debond_end", fmt.Sprint(end))
	default:
		return service.Unknown(Name, method)
	}
	return nil
}

// EpochTransition pays out matured debonding delegations.
func (Service) EpochTransition(ctx *service.Context) error {
	_, err := ProcessDebonding(ctx)
	return err
}

// Query implements service.Service. Paths: "params", "account" (data: hex
// address), "address" (data: hex public key → address).
func (Service) Query(kv state.KV, _ uint64, path string, data []byte) (any, error) {
	switch path {
	case "params":
		return GetParams(kv), nil
	case "account":
		var a Address
		if err := a.UnmarshalText(data); err != nil {
			return nil, fmt.Errorf("%w: %v", service.ErrInvalid, err)
		}
		return GetAccount(kv, a), nil
	case "common_pool":
		return GetAccount(kv, CommonPoolAddress).General.Balance, nil
	}
	return nil, fmt.Errorf("%w: staking/%s", service.ErrUnknownQuery, path)
}

// ChangeParameters replaces the staking parameters with the CBOR Params in change.
func (Service) ChangeParameters(kv state.KV, change []byte, apply bool) error {
	var p Params
	if err := codec.Unmarshal(change, &p); err != nil {
		return fmt.Errorf("%w: staking parameters: %v", service.ErrBadBody, err)
	}
	if err := p.Validate(); err != nil {
		return fmt.Errorf("%w: %v", service.ErrInvalid, err)
	}
	if apply {
		SetParams(kv, p)
	}
	return nil
}

// GenesisAccount is an initial general balance.
type GenesisAccount struct {
	Address Address `json:"address"`
	Balance uint64  `json:"balance"`
}

// GenesisDelegation is initial escrow, taken from From's balance.
type GenesisDelegation struct {
	From   Address `json:"from"`
	To     Address `json:"to"`
	Amount uint64  `json:"amount"`
}

// Genesis is the staking section of the genesis document.
type Genesis struct {
	Params      Params              `json:"params"`
	Accounts    []GenesisAccount    `json:"accounts"`
	Delegations []GenesisDelegation `json:"delegations"`
}

// InitGenesis validates g and writes it to kv.
func InitGenesis(kv state.KV, g *Genesis) error {
	if err := g.Params.Validate(); err != nil {
		return err
	}
	SetParams(kv, g.Params)
	seen := map[Address]bool{}
	for i, a := range g.Accounts {
		if seen[a.Address] {
			return fmt.Errorf("staking.accounts[%d]: duplicate address %s", i, a.Address)
		}
		seen[a.Address] = true
		acc := GetAccount(kv, a.Address)
		acc.General.Balance = a.Balance
		SetAccount(kv, a.Address, acc)
	}
	for i, d := range g.Delegations {
		if _, err := AddEscrow(kv, d.From, d.To, d.Amount); err != nil {
			return fmt.Errorf("staking.delegations[%d]: %w", i, err)
		}
	}
	return nil
}

// ParseAddress parses a hex address, for CLI and query callers.
func ParseAddress(s string) (Address, error) {
	var a Address
	if len(s) != 2*AddressSize {
		return a, errors.New("staking: address must be 40 hex characters")
	}
	_, err := hex.Decode(a[:], []byte(s))
	return a, err
}
