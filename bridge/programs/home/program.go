package home

import (
	"encoding/binary"
	"fmt"

	bhome "github.com/atoll-dev/atoll/bridge/home"
	"github.com/atoll-dev/atoll/bridge/programs/address"
	"github.com/atoll-dev/atoll/bridge/programs/onchain"
	"github.com/atoll-dev/atoll/runtime/svm"
	"github.com/atoll-dev/atoll/runtime/svm/sol"
)

// Account kinds of the Home program.
const (
	kindState = 1
	kindBond  = 2
)

// Program is the Home native program of one network. It is immutable and
// safe for concurrent use by parallel transactions.
type Program struct {
	localDomain uint32
	admin       sol.Pubkey
	state       sol.Pubkey
	treasury    sol.Pubkey
	stateBump   uint8
}

// New returns the Home program of the network with domain localDomain;
// admin (a genesis parameter) alone may initialize it.
func New(localDomain uint32, admin sol.Pubkey) *Program {
	state, bump, err := sol.FindProgramAddress([][]byte{address.SeedHome}, address.Home)
	if err != nil {
		panic(err)
	}
	return &Program{localDomain: localDomain, admin: admin, state: state, stateBump: bump, treasury: address.Treasury()}
}

// Process implements svm.NativeProgram.
func (p *Program) Process(ctx *svm.InvokeContext) error {
	return onchain.Run(ctx, DecodeInstruction, errorCodes, func(in *Instruction) error {
		switch in.Tag {
		case TagInitialize:
			return p.initialize(ctx, in)
		case TagDispatch:
			return p.dispatch(ctx, in)
		case TagUpdate, TagImproperUpdate, TagDoubleUpdate:
			return p.update(ctx, in)
		case TagSetUpdaters, TagSetOwner:
			return p.govern(ctx, in)
		case TagBond:
			return p.bond(ctx, in)
		case TagUnbond:
			return p.unbond(ctx)
		case TagWithdrawBond:
			return p.withdrawBond(ctx)
		case TagWithdrawTreasury:
			return p.withdrawTreasury(ctx, in.Lamports)
		}
		return nil
	})
}

// state is the Home account's blob: bondDelay u64 BE | bridge/home encoding.
type state struct {
	bondDelay uint64
	home      *bhome.Home
}

func (p *Program) load(ctx *svm.InvokeContext, i int) (*state, *svm.InstrAccount, error) {
	a, err := onchain.Keyed(ctx, i, p.state)
	if err != nil {
		return nil, nil, err
	}
	blob, err := onchain.ReadBlob(ctx, a, address.Home, kindState)
	if err != nil {
		return nil, nil, err
	}
	if len(blob) < 8 {
		return nil, nil, svm.ErrInvalidAccountData
	}
	s := &state{bondDelay: binary.BigEndian.Uint64(blob), home: new(bhome.Home)}
	if err := s.home.UnmarshalBinary(blob[8:]); err != nil {
		ctx.Log(err.Error())
		return nil, nil, svm.ErrInvalidAccountData
	}
	return s, a, nil
}

func (s *state) encode() ([]byte, error) {
	h, err := s.home.MarshalBinary()
	if err != nil {
		return nil, err
	}
	return append(binary.BigEndian.AppendUint64(make([]byte, 0, 8+len(h)), s.bondDelay), h...), nil
}

func (p *Program) save(ctx *svm.InvokeContext, a *svm.InstrAccount, s *state) error {
	blob, err := s.encode()
	if err != nil {
		return err
	}
	return onchain.WriteBlob(ctx, a, kindState, p.stateBump, blob)
}

func (p *Program) initialize(ctx *svm.InvokeContext, in *Instruction) error {
	payer, err := onchain.AdminAndPayer(ctx, p.admin, ErrNotAdmin)
	if err != nil {
		return err
	}
	st, err := onchain.Keyed(ctx, 2, p.state)
	if err != nil {
		return err
	}
	treasury, err := onchain.Keyed(ctx, 3, p.treasury)
	if err != nil {
		return err
	}
	h, err := bhome.New(bhome.Config{LocalDomain: p.localDomain, Owner: in.Owner, Updaters: in.Updaters})
	if err != nil {
		return err
	}
	s := &state{bondDelay: in.BondDelay, home: h}
	blob, err := s.encode()
	if err != nil {
		return err
	}
	if int(in.Capacity) < len(blob) || uint64(in.Capacity) > sol.MaxAccountDataSize-onchain.BlobHeaderSize {
		return fmt.Errorf("%w: %d bytes, the state needs %d", ErrCapacity, in.Capacity, len(blob))
	}
	if err := onchain.CreatePDA(ctx, payer, st, onchain.BlobSpace(int(in.Capacity)), address.Home); err != nil {
		return err
	}
	if treasury.Account.Owner != address.Home {
		if err := onchain.CreatePDA(ctx, payer, treasury, 0, address.Home); err != nil {
			return err
		}
	}
	if err := onchain.WriteBlob(ctx, st, kindState, p.stateBump, blob); err != nil {
		return err
	}
	return onchain.Log(ctx, fmt.Sprintf("home: initialized domain %d", p.localDomain))
}

func (p *Program) govern(ctx *svm.InvokeContext, in *Instruction) error {
	s, a, err := p.load(ctx, 0)
	if err != nil {
		return err
	}
	owner, err := onchain.Signer(ctx, 1)
	if err != nil {
		return err
	}
	if in.Tag == TagSetUpdaters {
		err = s.home.SetUpdaters(owner.Key, in.Updaters)
	} else {
		err = s.home.SetOwner(owner.Key, in.Owner)
	}
	if err != nil {
		return err
	}
	return p.save(ctx, a, s)
}

func now(ctx *svm.InvokeContext) uint64 { return uint64(max(ctx.Clock().UnixTimestamp, 0)) }

// withdrawTreasury lets the owner spend slashed bonds, keeping the
// treasury's rent minimum.
func (p *Program) withdrawTreasury(ctx *svm.InvokeContext, lamports uint64) error {
	s, _, err := p.load(ctx, 0)
	if err != nil {
		return err
	}
	treasury, err := onchain.Keyed(ctx, 1, p.treasury)
	if err != nil {
		return err
	}
	owner, err := onchain.Signer(ctx, 2)
	if err != nil {
		return err
	}
	if owner.Key != s.home.Owner() {
		return bhome.ErrNotOwner
	}
	dest, err := onchain.Writable(ctx, 3)
	if err != nil {
		return err
	}
	floor := ctx.Rent().MinimumBalance(0)
	if treasury.Account.Lamports < floor || treasury.Account.Lamports-floor < lamports {
		return svm.ErrInsufficientFunds
	}
	if dest.Key == treasury.Key {
		return svm.ErrInvalidArgument
	}
	treasury.Account.Lamports -= lamports
	dest.Account.Lamports += lamports
	return nil
}
