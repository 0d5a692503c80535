package home

import (
	"fmt"

	bhome "github.com/atoll-dev/atoll/bridge/home"
	"github.com/atoll-dev/atoll/bridge/programs/address"
	"github.com/atoll-dev/atoll/bridge/programs/onchain"
	"github.com/atoll-dev/atoll/bridge/update"
	"github.com/atoll-dev/atoll/runtime/svm"
	"github.com/atoll-dev/atoll/runtime/svm/sol"
)

// verifyCost is what checking q's signatures costs: the domain hash and the
// digest, then per signature its EIP-191 hash and a recovery.
func verifyCost(q *update.QuorumUpdate) uint64 {
	per := onchain.RecoverUnits + onchain.KeccakCost(60) + onchain.KeccakCost(64)
	return onchain.KeccakCost(9) + onchain.KeccakCost(96) + uint64(len(q.Signatures))*per
}

func (p *Program) update(ctx *svm.InvokeContext, in *Instruction) error {
	s, a, err := p.load(ctx, 0)
	if err != nil {
		return err
	}
	cost := verifyCost(&in.Update)
	if in.Tag == TagDoubleUpdate {
		cost += verifyCost(&in.Update2)
	}
	if err := onchain.Charge(ctx, cost); err != nil {
		return err
	}
	var fraud *bhome.Fraud
	switch in.Tag {
	case TagUpdate:
		fraud, err = s.home.Update(&in.Update)
	case TagImproperUpdate:
		fraud, err = s.home.ImproperUpdate(&in.Update)
	case TagDoubleUpdate:
		fraud, err = s.home.DoubleUpdate(&in.Update, &in.Update2)
	}
	if err != nil {
		return err
	}
	if err := p.save(ctx, a, s); err != nil {
		return err
	}
	if fraud == nil {
		return emit(ctx, &Event{Kind: EventUpdate, Update: in.Update})
	}
	if err := emit(ctx, &Event{Kind: EventFraud, FraudKind: uint8(fraud.Kind), Updaters: fraud.Slashed}); err != nil {
		return err
	}
	return p.slash(ctx, fraud.Slashed)
}

// slash moves the bond of every address above its rent minimum to the
// treasury (account 1). Bond accounts follow from account 2 on; each slashed
// updater's must be listed, existing or not, so the proof is complete.
func (p *Program) slash(ctx *svm.InvokeContext, slashed []update.Address) error {
	treasury, err := onchain.Keyed(ctx, 1, p.treasury)
	if err != nil {
		return err
	}
	if !treasury.Writable {
		return svm.ErrInvalidArgument
	}
	for _, addr := range slashed {
		key, _, err := onchain.FindPDA(ctx, address.Home, address.SeedBond, addr[:])
		if err != nil {
			return err
		}
		acct := findAccount(ctx, 2, key)
		if acct == nil {
			return fmt.Errorf("%w: %s (%s)", ErrBondMissing, addr, key)
		}
		if acct.Account.Lamports == 0 || acct.Account.Owner != address.Home {
			continue // never bonded: nothing to take
		}
		b, err := readBond(ctx, acct)
		if err != nil {
			return err
		}
		if b.slashed {
			continue
		}
		floor := ctx.Rent().MinimumBalance(len(acct.Account.Data))
		amount := acct.Account.Lamports - min(floor, acct.Account.Lamports)
		acct.Account.Lamports -= amount
		treasury.Account.Lamports += amount
		b.slashed = true
		if err := writeBond(ctx, acct, b); err != nil {
			return err
		}
		if err := emit(ctx, &Event{Kind: EventSlash, Updaters: []update.Address{addr}, Lamports: amount}); err != nil {
			return err
		}
	}
	return nil
}

func findAccount(ctx *svm.InvokeContext, from int, key sol.Pubkey) *svm.InstrAccount {
	accts := ctx.Accounts()
	for i := from; i < len(accts); i++ {
		if accts[i].Key == key {
			return &accts[i]
		}
	}
	return nil
}
