package tokenbridge

import (
	"errors"
	"fmt"

	"github.com/atoll-dev/atoll/bridge/keccak"
	"github.com/atoll-dev/atoll/bridge/programs/address"
	homeprog "github.com/atoll-dev/atoll/bridge/programs/home"
	"github.com/atoll-dev/atoll/bridge/programs/onchain"
	"github.com/atoll-dev/atoll/bridge/programs/recipient"
	"github.com/atoll-dev/atoll/bridge/programs/token"
	"github.com/atoll-dev/atoll/runtime/svm"
	"github.com/atoll-dev/atoll/runtime/svm/sol"
)

// Errors of the token bridge.
var (
	ErrSender      = errors.New("tokenbridge: message sender is not the token bridge")
	ErrRoute       = errors.New("tokenbridge: wrapped balances go back only to their origin domain")
	ErrEscrow      = errors.New("tokenbridge: escrow holds too little")
	ErrRecipient   = errors.New("tokenbridge: recipient account does not match the transfer")
	ErrZeroAmount  = errors.New("tokenbridge: amount is zero")
	ErrAssetOrigin = errors.New("tokenbridge: wrapped asset minted from a domain other than its origin")
)

// Custom error codes: 60 sender, 61 route, 62 escrow, 63 recipient, 64 zero
// amount, 65 asset origin.
var errorCodes = onchain.ErrorCodes{
	{ErrSender, 60}, {ErrRoute, 61}, {ErrEscrow, 62}, {ErrRecipient, 63}, {ErrZeroAmount, 64}, {ErrAssetOrigin, 65},
}

// instruction is what the token bridge is called with: a Replica's handle
// call or a user's Send.
type instruction struct {
	isHandle bool
	handle   recipient.Handle
	send     Send
}

func decodeInstruction(data []byte) (in instruction, err error) {
	if in.isHandle = recipient.IsHandle(data); in.isHandle {
		in.handle, err = recipient.Decode(data)
	} else {
		in.send, err = DecodeSend(data)
	}
	return in, err
}

// Program is the token bridge of one network.
type Program struct {
	localDomain   uint32
	escrow        sol.Pubkey
	dispatcher    sol.Pubkey
	mintAuthority sol.Pubkey
}

// New returns the token bridge of the network with domain localDomain.
func New(localDomain uint32) *Program {
	return &Program{localDomain: localDomain, escrow: address.Escrow(),
		dispatcher: address.Dispatcher(address.TokenBridge), mintAuthority: address.MintAuthority()}
}

// Process implements svm.NativeProgram.
func (p *Program) Process(ctx *svm.InvokeContext) error {
	return onchain.Run(ctx, decodeInstruction, errorCodes, func(in *instruction) error {
		if in.isHandle {
			return p.handle(ctx, &in.handle)
		}
		return p.send(ctx, &in.send)
	})
}

func (p *Program) send(ctx *svm.InvokeContext, s *Send) error {
	if s.Amount == 0 {
		return ErrZeroAmount
	}
	sender, err := onchain.Signer(ctx, 0)
	if err != nil {
		return err
	}
	asset, err := onchain.Writable(ctx, 1)
	if err != nil {
		return err
	}
	if s.AssetOrigin == p.localDomain {
		if asset.Key != p.escrow {
			return svm.ErrInvalidArgument
		}
		if asset.Account.Owner != address.TokenBridge {
			if err := onchain.CreatePDA(ctx, sender, asset, 0, address.TokenBridge); err != nil {
				return err
			}
		}
		if err := ctx.Invoke(svm.Transfer(sender.Key, asset.Key, s.Amount), nil); err != nil {
			return err
		}
	} else {
		if s.Destination != s.AssetOrigin {
			return ErrRoute
		}
		burn := token.Burn(s.AssetOrigin, sender.Key, s.Amount)
		if burn.Accounts[0].Pubkey != asset.Key {
			return svm.ErrInvalidArgument
		}
		if err := ctx.Invoke(burn, nil); err != nil {
			return err
		}
	}
	body := (&Transfer{AssetOrigin: s.AssetOrigin, Recipient: s.Recipient, Amount: s.Amount}).Encode()
	ix, err := homeprog.DispatchFromProgram(address.TokenBridge, s.Destination, keccak.Hash(address.TokenBridge), body)
	if err != nil {
		return err
	}
	if err := ctx.Invoke(ix, []sol.Pubkey{p.dispatcher}); err != nil {
		return err
	}
	return onchain.Log(ctx, fmt.Sprintf("tokenbridge: sent %d of domain %d to %s on %d", s.Amount, s.AssetOrigin, s.Recipient, s.Destination))
}

func (p *Program) handle(ctx *svm.InvokeContext, h *recipient.Handle) error {
	if err := recipient.VerifyCaller(ctx, h.Origin); err != nil {
		return err
	}
	if h.Sender != keccak.Hash(address.TokenBridge) {
		return ErrSender
	}
	t, err := DecodeTransfer(h.Body)
	if err != nil {
		return err
	}
	payer, err := onchain.Signer(ctx, 2)
	if err != nil {
		return err
	}
	if _, err := onchain.Keyed(ctx, 5, p.mintAuthority); err != nil {
		return err
	}
	escrow, err := onchain.Keyed(ctx, 6, p.escrow)
	if err != nil {
		return err
	}
	to, err := onchain.Keyed(ctx, 7, t.Recipient)
	if err != nil {
		return ErrRecipient
	}
	if t.AssetOrigin == p.localDomain {
		// Lamports escrowed here come back: release them.
		floor := ctx.Rent().MinimumBalance(0)
		if escrow.Account.Owner != address.TokenBridge || escrow.Account.Lamports < floor+t.Amount {
			return ErrEscrow
		}
		if !to.Writable || escrow.Key == to.Key {
			return ErrRecipient
		}
		escrow.Account.Lamports -= t.Amount
		to.Account.Lamports += t.Amount
		return onchain.Log(ctx, fmt.Sprintf("tokenbridge: released %d lamports to %s", t.Amount, t.Recipient))
	}
	if t.AssetOrigin != h.Origin {
		return ErrAssetOrigin
	}
	return ctx.Invoke(token.Mint(t.AssetOrigin, t.Recipient, payer.Key, t.Amount), []sol.Pubkey{p.mintAuthority})
}
