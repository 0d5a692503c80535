package home

import (
	"encoding/binary"
	"fmt"

	"github.com/atoll-dev/atoll/bridge/keccak"
	"github.com/atoll-dev/atoll/bridge/programs/address"
	"github.com/atoll-dev/atoll/bridge/programs/onchain"
	"github.com/atoll-dev/atoll/bridge/update"
	"github.com/atoll-dev/atoll/runtime/svm"
	"github.com/atoll-dev/atoll/runtime/svm/sol"
)

// bondSize is the length of a bond account's blob:
//
//	offset  size  field
//	     0    20  updater address
//	    20    32  authority, who may unbond and withdraw
//	    52     8  unlockAt, uint64 unix seconds; 0 while bonded
//	    60     1  slashed (0 or 1)
const bondSize = 61

type bond struct {
	updater   update.Address
	authority sol.Pubkey
	unlockAt  uint64
	slashed   bool
}

func readBond(ctx *svm.InvokeContext, a *svm.InstrAccount) (*bond, error) {
	blob, err := onchain.ReadBlob(ctx, a, address.Home, kindBond)
	if err != nil {
		return nil, err
	}
	if len(blob) != bondSize || blob[60] > 1 {
		return nil, svm.ErrInvalidAccountData
	}
	b := &bond{unlockAt: binary.BigEndian.Uint64(blob[52:60]), slashed: blob[60] == 1}
	copy(b.updater[:], blob[:20])
	copy(b.authority[:], blob[20:52])
	return b, nil
}

func writeBond(ctx *svm.InvokeContext, a *svm.InstrAccount, b *bond) error {
	blob := make([]byte, 0, bondSize)
	blob = append(append(blob, b.updater[:]...), b.authority[:]...)
	blob = binary.BigEndian.AppendUint64(blob, b.unlockAt)
	if b.slashed {
		blob = append(blob, 1)
	} else {
		blob = append(blob, 0)
	}
	return onchain.WriteBlob(ctx, a, kindBond, onchain.Bump(a), blob)
}

// BondDigest is what an updater signs (EIP-191, as update.SignDigest does)
// to name authority as the holder of its bond on the Home of domain:
// keccak256(HomeDomainHash(domain) ‖ "BOND" ‖ authority).
func BondDigest(domain uint32, authority sol.Pubkey) keccak.Hash {
	d := update.HomeDomainHash(domain)
	return keccak.Sum(d[:], []byte("BOND"), authority[:])
}

func (p *Program) bond(ctx *svm.InvokeContext, in *Instruction) error {
	if _, _, err := p.load(ctx, 0); err != nil {
		return err
	}
	funder, err := onchain.Signer(ctx, 1)
	if err != nil {
		return err
	}
	key, bump, err := onchain.FindPDA(ctx, address.Home, address.SeedBond, in.Updater[:])
	if err != nil {
		return err
	}
	acct, err := onchain.Keyed(ctx, 2, key)
	if err != nil {
		return err
	}
	var b *bond
	if acct.Account.Owner != address.Home {
		if in.Lamports == 0 {
			return ErrBondZeroAmount
		}
		if err := onchain.Charge(ctx, onchain.RecoverUnits+3*onchain.KeccakCost(64)); err != nil {
			return err
		}
		signer, err := in.Consent.Recover(BondDigest(p.localDomain, funder.Key))
		if err != nil {
			return err
		}
		if signer != in.Updater {
			return fmt.Errorf("%w: consent signed by %s", ErrBondConsent, signer)
		}
		if err := onchain.CreatePDA(ctx, funder, acct, onchain.BlobSpace(bondSize), address.Home); err != nil {
			return err
		}
		acct.Account.Data[1] = bump
		b = &bond{updater: in.Updater, authority: funder.Key}
	} else {
		if b, err = readBond(ctx, acct); err != nil {
			return err
		}
		if b.slashed {
			return ErrBondSlashed
		}
		if b.authority == funder.Key {
			b.unlockAt = 0
		}
	}
	if in.Lamports > 0 {
		if err := ctx.Invoke(svm.Transfer(funder.Key, acct.Key, in.Lamports), nil); err != nil {
			return err
		}
	}
	if err := writeBond(ctx, acct, b); err != nil {
		return err
	}
	return onchain.Log(ctx, fmt.Sprintf("home: bond of %s is %d lamports", in.Updater, acct.Account.Lamports))
}

// bondAndAuthority loads the bond (account 1) and checks that its authority
// (account 2) signs and that it was not slashed.
func bondAndAuthority(ctx *svm.InvokeContext) (*svm.InstrAccount, *bond, error) {
	acct, err := onchain.Writable(ctx, 1)
	if err != nil {
		return nil, nil, err
	}
	b, err := readBond(ctx, acct)
	if err != nil {
		return nil, nil, err
	}
	auth, err := onchain.Signer(ctx, 2)
	if err != nil {
		return nil, nil, err
	}
	if auth.Key != b.authority {
		return nil, nil, ErrBondAuthority
	}
	if b.slashed {
		return nil, nil, ErrBondSlashed
	}
	return acct, b, nil
}

func (p *Program) unbond(ctx *svm.InvokeContext) error {
	s, _, err := p.load(ctx, 0)
	if err != nil {
		return err
	}
	acct, b, err := bondAndAuthority(ctx)
	if err != nil {
		return err
	}
	b.unlockAt = max(now(ctx)+s.bondDelay, 1)
	if b.unlockAt < s.bondDelay {
		b.unlockAt = ^uint64(0)
	}
	if err := writeBond(ctx, acct, b); err != nil {
		return err
	}
	return onchain.Log(ctx, fmt.Sprintf("home: bond of %s unlocks at %d", b.updater, b.unlockAt))
}

func (p *Program) withdrawBond(ctx *svm.InvokeContext) error {
	s, _, err := p.load(ctx, 0)
	if err != nil {
		return err
	}
	acct, b, err := bondAndAuthority(ctx)
	if err != nil {
		return err
	}
	dest, err := onchain.Writable(ctx, 3)
	if err != nil {
		return err
	}
	if b.unlockAt == 0 || now(ctx) < b.unlockAt || s.home.Updaters().Contains(b.updater) {
		return ErrBondLocked
	}
	if dest.Key == acct.Key {
		return svm.ErrInvalidArgument
	}
	amount := acct.Account.Lamports
	dest.Account.Lamports += amount
	acct.Account.Lamports = 0
	clear(acct.Account.Data)
	return onchain.Log(ctx, fmt.Sprintf("home: bond of %s withdrawn, %d lamports", b.updater, amount))
}
