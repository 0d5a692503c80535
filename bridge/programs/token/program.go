package token

import (
	"encoding/binary"
	"errors"
	"fmt"

	"github.com/atoll-dev/atoll/bridge/programs/address"
	"github.com/atoll-dev/atoll/bridge/programs/onchain"
	"github.com/atoll-dev/atoll/runtime/svm"
	"github.com/atoll-dev/atoll/runtime/svm/sol"
)

const kindBalance = 1

// BalanceSize is the length of a balance account's blob:
//
//	offset  size  field
//	     0     4  origin domain, uint32 big-endian
//	     4    32  owner
//	    36     8  amount, uint64 big-endian
const BalanceSize = 44

// Errors of the token program.
var (
	ErrInsufficient  = errors.New("token program: balance too low")
	ErrMintAuthority = errors.New("token program: signer is not the mint authority")
	ErrBalance       = errors.New("token program: account is not the owner's balance of this asset")
	ErrLocalOrigin   = errors.New("token program: assets of the local domain are not wrapped")
	ErrOverflow      = errors.New("token program: balance overflows")
)

// Custom error codes: 50 insufficient, 51 mint authority, 52 balance account,
// 53 local origin, 54 overflow.
var errorCodes = onchain.ErrorCodes{
	{ErrInsufficient, 50}, {ErrMintAuthority, 51}, {ErrBalance, 52}, {ErrLocalOrigin, 53}, {ErrOverflow, 54},
}

// Balance is a decoded balance account.
type Balance struct {
	Origin uint32
	Owner  sol.Pubkey
	Amount uint64
}

// DecodeBalance decodes a balance account's data, for clients.
func DecodeBalance(data []byte) (Balance, error) {
	if len(data) != onchain.BlobHeaderSize+BalanceSize || data[0] != kindBalance ||
		binary.BigEndian.Uint32(data[2:6]) != BalanceSize {
		return Balance{}, ErrBalance
	}
	return decodeBalance(data[onchain.BlobHeaderSize:]), nil
}

func decodeBalance(b []byte) Balance {
	var out Balance
	out.Origin = binary.BigEndian.Uint32(b)
	copy(out.Owner[:], b[4:36])
	out.Amount = binary.BigEndian.Uint64(b[36:])
	return out
}

func (b *Balance) encode() []byte {
	out := binary.BigEndian.AppendUint32(make([]byte, 0, BalanceSize), b.Origin)
	out = append(out, b.Owner[:]...)
	return binary.BigEndian.AppendUint64(out, b.Amount)
}

// Program is the token program of one network.
type Program struct {
	localDomain   uint32
	mintAuthority sol.Pubkey
}

// New returns the token program of the network with domain localDomain.
func New(localDomain uint32) *Program {
	return &Program{localDomain: localDomain, mintAuthority: address.MintAuthority()}
}

// Process implements svm.NativeProgram.
func (p *Program) Process(ctx *svm.InvokeContext) error {
	return onchain.Run(ctx, DecodeInstruction, errorCodes, func(in *Instruction) error {
		switch in.Tag {
		case TagMint:
			return p.mint(ctx, in)
		case TagTransfer:
			return p.transfer(ctx, in)
		case TagBurn:
			return p.burn(ctx, in)
		}
		return nil
	})
}

// load reads the balance at account i, which must belong to owner (when
// not zero) for origin.
func load(ctx *svm.InvokeContext, i int) (*svm.InstrAccount, Balance, error) {
	a, err := onchain.Writable(ctx, i)
	if err != nil {
		return nil, Balance{}, err
	}
	blob, err := onchain.ReadBlob(ctx, a, address.Token, kindBalance)
	if err != nil {
		return nil, Balance{}, err
	}
	if len(blob) != BalanceSize {
		return nil, Balance{}, svm.ErrInvalidAccountData
	}
	return a, decodeBalance(blob), nil
}

// openOrLoad returns the balance of (origin, owner) at account i, creating it
// (paid by payer) if it does not exist yet.
func openOrLoad(ctx *svm.InvokeContext, i int, origin uint32, owner sol.Pubkey, payer *svm.InstrAccount) (*svm.InstrAccount, Balance, error) {
	a, err := onchain.Writable(ctx, i)
	if err != nil {
		return nil, Balance{}, err
	}
	if a.Account.Owner == address.Token {
		a, b, err := load(ctx, i)
		if err == nil && (b.Origin != origin || b.Owner != owner) {
			err = ErrBalance
		}
		return a, b, err
	}
	key, bump, err := onchain.FindPDA(ctx, address.Token, address.SeedBalance, address.Domain(origin), owner[:])
	if err != nil {
		return nil, Balance{}, err
	}
	if key != a.Key {
		return nil, Balance{}, ErrBalance
	}
	if err := onchain.CreatePDA(ctx, payer, a, onchain.BlobSpace(BalanceSize), address.Token); err != nil {
		return nil, Balance{}, err
	}
	a.Account.Data[1] = bump
	return a, Balance{Origin: origin, Owner: owner}, nil
}

func store(ctx *svm.InvokeContext, a *svm.InstrAccount, b *Balance) error {
	return onchain.WriteBlob(ctx, a, kindBalance, onchain.Bump(a), b.encode())
}

func (p *Program) mint(ctx *svm.InvokeContext, in *Instruction) error {
	auth, err := onchain.Signer(ctx, 0)
	if err != nil {
		return err
	}
	if auth.Key != p.mintAuthority {
		return ErrMintAuthority
	}
	if in.Origin == p.localDomain {
		return ErrLocalOrigin
	}
	payer, err := onchain.Signer(ctx, 2)
	if err != nil {
		return err
	}
	a, b, err := openOrLoad(ctx, 1, in.Origin, in.Owner, payer)
	if err != nil {
		return err
	}
	if b.Amount+in.Amount < b.Amount {
		return ErrOverflow
	}
	b.Amount += in.Amount
	if err := store(ctx, a, &b); err != nil {
		return err
	}
	return onchain.Log(ctx, fmt.Sprintf("token: minted %d of domain %d to %s", in.Amount, in.Origin, in.Owner))
}

// debit loads the balance at account 0, which the signer at account 1 must
// own and which must hold amount; the caller takes amount from it.
func debit(ctx *svm.InvokeContext, amount uint64) (*svm.InstrAccount, Balance, error) {
	a, b, err := load(ctx, 0)
	if err != nil {
		return nil, Balance{}, err
	}
	owner, err := onchain.Signer(ctx, 1)
	if err != nil {
		return nil, Balance{}, err
	}
	if b.Owner != owner.Key {
		return nil, Balance{}, ErrBalance
	}
	if b.Amount < amount {
		return nil, Balance{}, ErrInsufficient
	}
	return a, b, nil
}

func (p *Program) transfer(ctx *svm.InvokeContext, in *Instruction) error {
	from, fb, err := debit(ctx, in.Amount)
	if err != nil {
		return err
	}
	payer, err := onchain.Signer(ctx, 3)
	if err != nil {
		return err
	}
	to, tb, err := openOrLoad(ctx, 2, fb.Origin, in.Owner, payer)
	if err != nil {
		return err
	}
	if to.Key == from.Key {
		return nil
	}
	if tb.Amount+in.Amount < tb.Amount {
		return ErrOverflow
	}
	fb.Amount -= in.Amount
	tb.Amount += in.Amount
	if err := store(ctx, from, &fb); err != nil {
		return err
	}
	return store(ctx, to, &tb)
}

func (p *Program) burn(ctx *svm.InvokeContext, in *Instruction) error {
	a, b, err := debit(ctx, in.Amount)
	if err != nil {
		return err
	}
	b.Amount -= in.Amount
	return store(ctx, a, &b)
}
