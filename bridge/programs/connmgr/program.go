package connmgr

import (
	"errors"
	"fmt"

	bconnmgr "github.com/atoll-dev/atoll/bridge/connmgr"
	"github.com/atoll-dev/atoll/bridge/programs/address"
	"github.com/atoll-dev/atoll/bridge/programs/onchain"
	"github.com/atoll-dev/atoll/bridge/programs/recipient"
	replicaprog "github.com/atoll-dev/atoll/bridge/programs/replica"
	breplica "github.com/atoll-dev/atoll/bridge/replica"
	"github.com/atoll-dev/atoll/bridge/update"
	"github.com/atoll-dev/atoll/runtime/svm"
	"github.com/atoll-dev/atoll/runtime/svm/sol"
)

// Errors of the program's own rules.
var (
	ErrNotAdmin = errors.New("connmgr program: signer is not the network's bridge admin")
	ErrCapacity = errors.New("connmgr program: capacity cannot hold the state")
	ErrReplica  = errors.New("connmgr program: account is not the enrolled replica's state")
)

// Custom error codes:
//
//	 2 not owner   9 bad config   11 bad signature   20 not admin   21 capacity
//	30 not enrolled   31 not an updater of the replica   32 not a watcher   33 wrong replica account
var errorCodes = onchain.ErrorCodes{
	{bconnmgr.ErrNotOwner, 2}, {bconnmgr.ErrConfig, 9}, {update.ErrSignature, 11}, {update.ErrHighS, 11},
	{update.ErrRecoveryID, 11}, {ErrNotAdmin, 20}, {ErrCapacity, 21}, {bconnmgr.ErrNotEnrolled, 30},
	{bconnmgr.ErrNotCurrentUpdater, 31}, {bconnmgr.ErrNotWatcher, 32}, {ErrReplica, 33},
}

// ErrorCode returns the custom code for err, 0 if it has none.
func ErrorCode(err error) uint32 { return errorCodes.Code(err) }

// Program is the connection manager of one network.
type Program struct {
	localDomain uint32
	admin       sol.Pubkey
	state       sol.Pubkey
	bump        uint8
}

// New returns the program of the network with domain localDomain.
func New(localDomain uint32, admin sol.Pubkey) *Program {
	k, bump, err := sol.FindProgramAddress([][]byte{address.SeedManager}, address.ConnMgr)
	if err != nil {
		panic(err)
	}
	return &Program{localDomain: localDomain, admin: admin, state: k, bump: bump}
}

// Process implements svm.NativeProgram.
func (p *Program) Process(ctx *svm.InvokeContext) error {
	return onchain.Run(ctx, DecodeInstruction, errorCodes, func(in *Instruction) error {
		if in.Tag == TagInitialize {
			return p.initialize(ctx, in)
		}
		return p.apply(ctx, in)
	})
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
	m, err := bconnmgr.New(p.localDomain, in.Owner)
	if err != nil {
		return err
	}
	blob, err := m.MarshalBinary()
	if err != nil {
		return err
	}
	if int(in.Capacity) < len(blob) || uint64(in.Capacity) > sol.MaxAccountDataSize-onchain.BlobHeaderSize {
		return ErrCapacity
	}
	if err := onchain.CreatePDA(ctx, payer, st, onchain.BlobSpace(int(in.Capacity)), address.ConnMgr); err != nil {
		return err
	}
	return onchain.WriteBlob(ctx, st, recipient.KindManager, p.bump, blob)
}

func (p *Program) apply(ctx *svm.InvokeContext, in *Instruction) error {
	st, err := onchain.Keyed(ctx, 0, p.state)
	if err != nil {
		return err
	}
	blob, err := onchain.ReadBlob(ctx, st, address.ConnMgr, recipient.KindManager)
	if err != nil {
		return err
	}
	var m bconnmgr.Manager
	if err := m.UnmarshalBinary(blob); err != nil {
		ctx.Log(err.Error())
		return svm.ErrInvalidAccountData
	}
	if in.Tag == TagUnenrollReplica {
		if err := p.unenroll(ctx, &m, &in.Failure); err != nil {
			return err
		}
	} else {
		owner, err := onchain.Signer(ctx, 1)
		if err != nil {
			return err
		}
		switch in.Tag {
		case TagEnrollReplica:
			err = m.EnrollReplica(owner.Key, in.Domain, in.Replica)
		case TagOwnerUnenrollReplica:
			_, err = m.OwnerUnenrollReplica(owner.Key, in.Domain)
		case TagSetWatcherPermission:
			err = m.SetWatcherPermission(owner.Key, in.Watcher, in.Domain, in.Allowed)
		case TagSetOwner:
			err = m.SetOwner(owner.Key, in.Owner)
		}
		if err != nil {
			return err
		}
	}
	out, err := m.MarshalBinary()
	if err != nil {
		return err
	}
	return onchain.WriteBlob(ctx, st, recipient.KindManager, p.bump, out)
}

func (p *Program) unenroll(ctx *svm.InvokeContext, m *bconnmgr.Manager, sf *update.SignedFailure) error {
	acct, err := ctx.Account(1)
	if err != nil {
		return err
	}
	enrolled, ok := m.Replica(sf.HomeDomain)
	if !ok {
		return fmt.Errorf("%w: %d", bconnmgr.ErrNotEnrolled, sf.HomeDomain)
	}
	if acct.Key != enrolled {
		return ErrReplica
	}
	blob, err := onchain.ReadBlob(ctx, acct, address.Replica, replicaprog.KindState)
	if err != nil {
		return err
	}
	var r breplica.Replica
	if err := r.UnmarshalBinary(blob); err != nil {
		return ErrReplica
	}
	if err := onchain.Charge(ctx, onchain.RecoverUnits+3*onchain.KeccakCost(68)); err != nil {
		return err
	}
	if _, err := m.UnenrollReplica(sf, r.Updaters()); err != nil {
		return err
	}
	return onchain.Log(ctx, fmt.Sprintf("connmgr: replica %s of domain %d unenrolled on a watcher's failure notification", enrolled, sf.HomeDomain))
}
