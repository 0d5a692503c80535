package replica

import (
	"encoding/base64"
	"errors"
	"fmt"

	"github.com/atoll-dev/atoll/bridge/merkle"
	"github.com/atoll-dev/atoll/bridge/message"
	"github.com/atoll-dev/atoll/bridge/programs/address"
	"github.com/atoll-dev/atoll/bridge/programs/onchain"
	"github.com/atoll-dev/atoll/bridge/programs/recipient"
	breplica "github.com/atoll-dev/atoll/bridge/replica"
	"github.com/atoll-dev/atoll/bridge/update"
	"github.com/atoll-dev/atoll/runtime/svm"
	"github.com/atoll-dev/atoll/runtime/svm/sol"
)

// maxStateSize is the longest Replica state: 82 fixed bytes and an updater
// set of MaxUpdaters members.
const maxStateSize = 82 + 2 + 20*update.MaxUpdaters

// Errors of the program's own rules.
var (
	ErrNotAdmin          = errors.New("replica program: signer is not the network's bridge admin")
	ErrRecipientAccounts = errors.New("replica program: account 5 must be the connection manager and account 6 the message's recipient program")
)

// Custom error codes:
//
//	 1 halted          2 not owner        3 wrong domain       4 not current
//	 5 not a fraud     9 bad config      10 quorum short      11 bad signature
//	12 not a member   13 duplicate signer 14 malformed message 20 not admin
//	40 zero root      41 known root      42 root not acceptable 43 already proven
//	44 already processed  45 not proven  46 wrong destination  47 wrong origin
//	48 handler failed (transaction undone)  49 recipient accounts
var errorCodes = onchain.ErrorCodes{
	{breplica.ErrHalted, 1}, {breplica.ErrNotOwner, 2}, {breplica.ErrDomain, 3}, {breplica.ErrNotCurrent, 4},
	{breplica.ErrNotFraud, 5}, {breplica.ErrConfig, 9}, {update.ErrUpdaterSet, 9}, {update.ErrQuorum, 10},
	{update.ErrNoSignatures, 10}, {update.ErrSignature, 11}, {update.ErrHighS, 11}, {update.ErrRecoveryID, 11},
	{update.ErrNotMember, 12}, {update.ErrDuplicateSigner, 13}, {message.ErrTooShort, 14}, {message.ErrBodyTooLong, 14},
	{ErrNotAdmin, 20}, {breplica.ErrZeroRoot, 40}, {breplica.ErrKnownRoot, 41}, {breplica.ErrRootNotAcceptable, 42},
	{breplica.ErrAlreadyProven, 43}, {breplica.ErrAlreadyProcessed, 44}, {breplica.ErrNotProven, 45},
	{breplica.ErrWrongDestination, 46}, {breplica.ErrWrongOrigin, 47}, {breplica.ErrHandlerFailed, 48},
	{ErrRecipientAccounts, 49},
}

// ErrorCode returns the custom code for err, 0 if it has none.
func ErrorCode(err error) uint32 { return errorCodes.Code(err) }

// Program is the Replica native program of one network.
type Program struct {
	localDomain uint32
	admin       sol.Pubkey
}

// New returns the program of the network with domain localDomain.
func New(localDomain uint32, admin sol.Pubkey) *Program {
	return &Program{localDomain: localDomain, admin: admin}
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
	key, bump, err := onchain.FindPDA(ctx, address.Replica, address.SeedReplica, address.Domain(in.Remote))
	if err != nil {
		return err
	}
	st, err := onchain.Keyed(ctx, 2, key)
	if err != nil {
		return err
	}
	r, err := breplica.New(breplica.Config{
		LocalDomain: p.localDomain, RemoteDomain: in.Remote, Owner: in.Owner, Updaters: in.Updaters,
		OptimisticSeconds: in.OptimisticSeconds, CommittedRoot: in.CommittedRoot,
	})
	if err != nil {
		return err
	}
	blob, err := r.MarshalBinary()
	if err != nil {
		return err
	}
	if err := onchain.CreatePDA(ctx, payer, st, onchain.BlobSpace(maxStateSize), address.Replica); err != nil {
		return err
	}
	if err := onchain.WriteBlob(ctx, st, KindState, bump, blob); err != nil {
		return err
	}
	return onchain.Log(ctx, fmt.Sprintf("replica: initialized for domain %d, committed root %s", in.Remote, in.CommittedRoot))
}

func (p *Program) apply(ctx *svm.InvokeContext, in *Instruction) error {
	st, err := ctx.Account(0)
	if err != nil {
		return err
	}
	blob, err := onchain.ReadBlob(ctx, st, address.Replica, KindState)
	if err != nil {
		return err
	}
	r := new(breplica.Replica)
	if err := r.UnmarshalBinary(blob); err != nil {
		ctx.Log(err.Error())
		return svm.ErrInvalidAccountData
	}
	now := uint64(max(ctx.Clock().UnixTimestamp, 0))
	remote := r.RemoteDomain()
	switch in.Tag {
	case TagUpdate:
		payer, err := onchain.Signer(ctx, 1)
		if err != nil {
			return err
		}
		if err := onchain.Charge(ctx, verifyCost(&in.Update)); err != nil {
			return err
		}
		s := newStore(ctx, remote, payer)
		if err := r.Update(s, &in.Update, now); err != nil {
			return err
		}
		e, _, err := s.RootEntry(in.Update.NewRoot)
		if err != nil {
			return err
		}
		if err := save(ctx, st, r); err != nil {
			return err
		}
		return emit(ctx, &Event{Kind: EventUpdate, Remote: remote, ConfirmAt: e.ConfirmAt, Update: in.Update})
	case TagProve:
		payer, err := onchain.Signer(ctx, 1)
		if err != nil {
			return err
		}
		if err := onchain.Charge(ctx, onchain.NodeHashes(merkle.Depth)); err != nil {
			return err
		}
		if err := r.Prove(newStore(ctx, remote, payer), in.Leaf, &in.Path, in.Index, now); err != nil {
			return err
		}
		return emit(ctx, &Event{Kind: EventProven, Remote: remote, Leaf: in.Leaf, Root: merkle.BranchRoot(in.Leaf, &in.Path, in.Index)})
	case TagProcess, TagProveAndProcess:
		return p.deliver(ctx, r, st, in, now)
	case TagDoubleUpdate, TagDoubleUpdateFromHistory:
		cost := verifyCost(&in.Update)
		if in.Tag == TagDoubleUpdate {
			cost += verifyCost(&in.Update2)
		} else {
			cost *= 2 // the recorded side costs about as much
		}
		if err := onchain.Charge(ctx, cost); err != nil {
			return err
		}
		var fraud *breplica.Fraud
		if in.Tag == TagDoubleUpdate {
			fraud, err = r.DoubleUpdate(&in.Update, &in.Update2)
		} else {
			fraud, err = r.DoubleUpdateFromHistory(newStore(ctx, remote, nil), in.RecordedRoot, &in.Update)
		}
		if err != nil {
			return err
		}
		if err := save(ctx, st, r); err != nil {
			return err
		}
		return emit(ctx, &Event{Kind: EventHalted, Remote: remote, Addresses: fraud.Equivocators})
	default:
		owner, err := onchain.Signer(ctx, 1)
		if err != nil {
			return err
		}
		switch in.Tag {
		case TagSetOptimisticSeconds:
			err = r.SetOptimisticSeconds(owner.Key, in.OptimisticSeconds)
		case TagSetUpdaters:
			err = r.SetUpdaters(owner.Key, in.Updaters)
		case TagSetOwner:
			err = r.SetOwner(owner.Key, in.Owner)
		}
		if err != nil {
			return err
		}
		return save(ctx, st, r)
	}
}

// deliver runs Process or ProveAndProcess with the handle invocation.
func (p *Program) deliver(ctx *svm.InvokeContext, r *breplica.Replica, st *svm.InstrAccount, in *Instruction, now uint64) error {
	payer, err := onchain.Signer(ctx, 1)
	if err != nil {
		return err
	}
	accts := ctx.Accounts()
	if len(accts) < 7 {
		return svm.ErrNotEnoughAccountKeys
	}
	cost := onchain.KeccakCost(len(in.Message))
	if in.Tag == TagProveAndProcess {
		cost += onchain.NodeHashes(merkle.Depth)
	}
	if err := onchain.Charge(ctx, cost); err != nil {
		return err
	}
	var fatal error
	handle := func(m message.Message) error {
		if accts[5].Key != address.Manager() || accts[6].Key != sol.Pubkey(m.Recipient) {
			return ErrRecipientAccounts
		}
		extra := make([]sol.AccountMeta, 0, len(accts)-7)
		for _, a := range accts[7:] {
			extra = append(extra, sol.AccountMeta{Pubkey: a.Key, IsSigner: a.Signer, IsWritable: a.Writable})
		}
		ix := recipient.Instruction(accts[6].Key, st.Key, payer.Key,
			&recipient.Handle{Origin: m.Origin, Nonce: m.Nonce, Sender: m.Sender, Body: m.Body}, extra)
		before := snapshot(accts)
		err := ctx.Invoke(ix, []sol.Pubkey{st.Key})
		if err != nil && (!unchanged(before, accts) || errors.Is(err, svm.ErrComputationalBudgetExceeded)) {
			fatal = err
		}
		return err
	}
	s := newStore(ctx, r.RemoteDomain(), payer)
	if in.Tag == TagProveAndProcess {
		_, err = r.ProveAndProcess(s, in.Message, &in.Path, in.Index, now, handle)
	} else {
		_, err = r.Process(s, in.Message, now, handle)
	}
	leaf := message.Leaf(in.Message)
	if in.Tag == TagProveAndProcess && fatal == nil && (err == nil || errors.Is(err, breplica.ErrHandlerFailed)) {
		root := merkle.BranchRoot(leaf, &in.Path, in.Index)
		if err := emit(ctx, &Event{Kind: EventProven, Remote: r.RemoteDomain(), Leaf: leaf, Root: root}); err != nil {
			return err
		}
	}
	switch {
	case err == nil:
		return emit(ctx, &Event{Kind: EventProcessed, Remote: r.RemoteDomain(), Leaf: leaf})
	case fatal != nil:
		ctx.Log("replica: the handler failed after changing accounts; the transaction is undone")
		return fatal
	case errors.Is(err, breplica.ErrHandlerFailed):
		if err := onchain.Log(ctx, err.Error()); err != nil {
			return err
		}
		return emit(ctx, &Event{Kind: EventHandlerFailed, Remote: r.RemoteDomain(), Leaf: leaf})
	}
	return err
}

type accountState struct {
	lamports uint64
	owner    sol.Pubkey
	data     string
}

func snapshot(accts []svm.InstrAccount) []accountState {
	out := make([]accountState, len(accts))
	for i, a := range accts {
		out[i] = accountState{a.Account.Lamports, a.Account.Owner, string(a.Account.Data)}
	}
	return out
}

func unchanged(before []accountState, accts []svm.InstrAccount) bool {
	for i, a := range accts {
		b := before[i]
		if b.lamports != a.Account.Lamports || b.owner != a.Account.Owner || b.data != string(a.Account.Data) {
			return false
		}
	}
	return true
}

func save(ctx *svm.InvokeContext, st *svm.InstrAccount, r *breplica.Replica) error {
	blob, err := r.MarshalBinary()
	if err != nil {
		return err
	}
	return onchain.WriteBlob(ctx, st, KindState, onchain.Bump(st), blob)
}

// verifyCost is what checking q's signatures costs: the domain hash and the
// digest, then per signature its EIP-191 hash and a recovery.
func verifyCost(q *update.QuorumUpdate) uint64 {
	per := onchain.RecoverUnits + onchain.KeccakCost(60) + onchain.KeccakCost(64)
	return onchain.KeccakCost(9) + onchain.KeccakCost(96) + uint64(len(q.Signatures))*per
}

func emit(ctx *svm.InvokeContext, e *Event) error {
	b, err := e.Encode()
	if err != nil {
		return err
	}
	line := onchain.ProgramDataPrefix + base64.StdEncoding.EncodeToString(b)
	if err := onchain.Charge(ctx, onchain.LogUnits+uint64(len(line))/onchain.StateBytesPerUnit); err != nil {
		return err
	}
	ctx.LogRaw(line)
	return nil
}
