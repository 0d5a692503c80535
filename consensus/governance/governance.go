package governance

import (
	"encoding/binary"
	"fmt"
	"math/bits"

	"github.com/atoll-dev/atoll/consensus/codec"
	"github.com/atoll-dev/atoll/consensus/registry"
	"github.com/atoll-dev/atoll/consensus/service"
	"github.com/atoll-dev/atoll/consensus/signature"
	"github.com/atoll-dev/atoll/consensus/staking"
	"github.com/atoll-dev/atoll/consensus/state"
)

// Name is the service name.
const Name = "governance"

// Sentinel errors.
var (
	ErrNoProposal    = fmt.Errorf("governance: no such proposal: %w", service.ErrNotFound)
	ErrClosed        = fmt.Errorf("governance: proposal is not open: %w", service.ErrForbidden)
	ErrNotValidator  = fmt.Errorf("governance: signer runs no live validator node: %w", service.ErrForbidden)
	ErrUnknownTarget = fmt.Errorf("governance: unknown parameter module: %w", service.ErrInvalid)
)

// Params are the governance parameters.
type Params struct {
	MinProposalDeposit uint64 `cbor:"min_proposal_deposit" json:"min_proposal_deposit"`
	VotingPeriod       uint64 `cbor:"voting_period" json:"voting_period"`
	Quorum             uint8  `cbor:"quorum" json:"quorum"`
	Threshold          uint8  `cbor:"threshold" json:"threshold"`
}

// Validate checks the parameters.
func (p *Params) Validate() error {
	if p.VotingPeriod == 0 || p.Quorum > 100 || p.Threshold > 100 || p.Threshold == 0 {
		return fmt.Errorf("governance: voting_period must be >= 1, quorum <= 100, threshold in 1..100")
	}
	return nil
}

// DefaultParams are development defaults.
func DefaultParams() Params { return Params{VotingPeriod: 2, Quorum: 50, Threshold: 67} }

// Vote is a ballot.
type Vote string

// Ballots.
const (
	VoteYes     Vote = "yes"
	VoteNo      Vote = "no"
	VoteAbstain Vote = "abstain"
)

// ProposalState is a proposal's lifecycle state.
type ProposalState string

// Proposal states.
const (
	StateActive   ProposalState = "active"
	StatePassed   ProposalState = "passed"
	StateRejected ProposalState = "rejected"
	StateFailed   ProposalState = "failed"
)

// ChangeParameters is the content of a proposal: a change for one module.
type ChangeParameters struct {
	Module  string           `cbor:"module" json:"module"`
	Changes codec.RawMessage `cbor:"changes" json:"changes"`
}

// Proposal is a stored proposal.
type Proposal struct {
	ID        uint64              `cbor:"id" json:"id"`
	Submitter signature.PublicKey `cbor:"submitter" json:"submitter"`
	Deposit   uint64              `cbor:"deposit" json:"deposit"`
	Content   ChangeParameters    `cbor:"content" json:"content"`
	CreatedAt uint64              `cbor:"created_at" json:"created_at"`
	ClosesAt  uint64              `cbor:"closes_at" json:"closes_at"`
	State     ProposalState       `cbor:"state" json:"state"`
	Results   map[Vote]uint64     `cbor:"results,omitempty" json:"results,omitempty"`
	Error     string              `cbor:"error,omitempty" json:"error,omitempty"`
}

// Method bodies.
type (
	// SubmitBody is the body of governance.SubmitProposal.
	SubmitBody struct {
		Deposit uint64           `cbor:"deposit"`
		Content ChangeParameters `cbor:"content"`
	}
	// VoteBody is the body of governance.CastVote.
	VoteBody struct {
		ID   uint64 `cbor:"id"`
		Vote Vote   `cbor:"vote"`
	}
)

// Changer is what governance needs of a service to change its parameters.
type Changer interface {
	ChangeParameters(kv state.KV, change []byte, apply bool) error
}

var (
	keyParams      = []byte("governance/params")
	keyNextID      = []byte("governance/next_id")
	prefixProposal = []byte("governance/proposal/")
	prefixVote     = []byte("governance/vote/") // u64be id | voter
)

// DepositAddress holds proposal deposits while proposals are open.
var DepositAddress = staking.ModuleAddress("governance-deposits")

func proposalKey(id uint64) []byte {
	return binary.BigEndian.AppendUint64(append([]byte{}, prefixProposal...), id)
}
func voteKey(id uint64, voter signature.PublicKey) []byte {
	return append(binary.BigEndian.AppendUint64(append([]byte{}, prefixVote...), id), voter[:]...)
}

func decode(raw []byte, v any) {
	if err := codec.Unmarshal(raw, v); err != nil {
		panic(&state.FatalError{Err: fmt.Errorf("governance: decoding %T: %w", v, err)})
	}
}

// GetParams reads the parameters.
func GetParams(kv state.KV) Params {
	var p Params
	if raw := kv.Get(keyParams); raw != nil {
		decode(raw, &p)
	}
	return p
}

// GetProposal reads a proposal.
func GetProposal(kv state.KV, id uint64) (*Proposal, bool) {
	raw := kv.Get(proposalKey(id))
	if raw == nil {
		return nil, false
	}
	var p Proposal
	decode(raw, &p)
	return &p, true
}

func setProposal(kv state.KV, p *Proposal) { kv.Set(proposalKey(p.ID), codec.Marshal(p)) }

// VotingPower maps each entity running a live validator node to its escrow,
// and returns the total.
func VotingPower(kv state.KV, epoch uint64) (map[signature.PublicKey]uint64, uint64) {
	power := map[signature.PublicKey]uint64{}
	var order []signature.PublicKey
	registry.Nodes(kv, func(n *registry.Node) bool {
		if n.HasRole(registry.RoleValidator) && !n.IsExpired(epoch) {
			if _, ok := power[n.EntityID]; !ok {
				order = append(order, n.EntityID)
			}
			power[n.EntityID] = staking.EscrowBalance(kv, staking.NewAddress(n.EntityID))
		}
		return true
	})
	var total uint64
	for _, e := range order {
		total += power[e]
	}
	return power, total
}

// Service is the governance service; Targets maps module names to the
// services whose parameters proposals may change.
type Service struct {
	Targets map[string]Changer
}

// Name implements service.Service.
func (*Service) Name() string { return Name }

// ExecTx implements service.Service. Methods: SubmitProposal, CastVote.
func (s *Service) ExecTx(ctx *service.Context, method string, body []byte) error {
	switch method {
	case "SubmitProposal":
		var b SubmitBody
		if err := codec.Unmarshal(body, &b); err != nil {
			return fmt.Errorf("%w: %v", service.ErrBadBody, err)
		}
		return s.submit(ctx, &b)
	case "CastVote":
		var b VoteBody
		if err := codec.Unmarshal(body, &b); err != nil {
			return fmt.Errorf("%w: %v", service.ErrBadBody, err)
		}
		return castVote(ctx, &b)
	}
	return service.Unknown(Name, method)
}

func (s *Service) submit(ctx *service.Context, b *SubmitBody) error {
	p := GetParams(ctx.KV)
	if b.Deposit < p.MinProposalDeposit {
		return fmt.Errorf("%w: deposit %d below minimum %d", service.ErrInvalid, b.Deposit, p.MinProposalDeposit)
	}
	target, ok := s.Targets[b.Content.Module]
	if !ok {
		return fmt.Errorf("%w: %q", ErrUnknownTarget, b.Content.Module)
	}
	if err := target.ChangeParameters(ctx.KV, b.Content.Changes, false); err != nil {
		return fmt.Errorf("governance: proposed change to %s: %w", b.Content.Module, err)
	}
	if err := staking.Transfer(ctx.KV, staking.NewAddress(ctx.Signer), DepositAddress, b.Deposit); err != nil {
		return err
	}
	var id uint64
	if raw := ctx.KV.Get(keyNextID); raw != nil {
		decode(raw, &id)
	}
	ctx.KV.Set(keyNextID, codec.Marshal(id+1))
	prop := &Proposal{ID: id, Submitter: ctx.Signer, Deposit: b.Deposit, Content: b.Content,
		CreatedAt: ctx.Epoch, ClosesAt: ctx.Epoch + p.VotingPeriod, State: StateActive}
	setProposal(ctx.KV, prop)
	ctx.Emit("governance.proposal_submitted", "id", fmt.Sprint(id), "module", b.Content.Module, "closes_at", fmt.Sprint(prop.ClosesAt))
	return nil
}

func castVote(ctx *service.Context, b *VoteBody) error {
	switch b.Vote {
	case VoteYes, VoteNo, VoteAbstain:
	default:
		return fmt.Errorf("%w: vote %q", service.ErrInvalid, b.Vote)
	}
	prop, ok := GetProposal(ctx.KV, b.ID)
	if !ok {
		return fmt.Errorf("%w: %d", ErrNoProposal, b.ID)
	}
	if prop.State != StateActive || ctx.Epoch >= prop.ClosesAt {
		return fmt.Errorf("%w: %d is %s, closes at epoch %d", ErrClosed, b.ID, prop.State, prop.ClosesAt)
	}
	if power, _ := VotingPower(ctx.KV, ctx.Epoch); power[ctx.Signer] == 0 {
		if _, listed := power[ctx.Signer]; !listed {
			return fmt.Errorf("%w: %s", ErrNotValidator, ctx.Signer)
		}
	}
	ctx.KV.Set(voteKey(b.ID, ctx.Signer), codec.Marshal(b.Vote))
	ctx.Emit("governance.vote", "id", fmt.Sprint(b.ID), "voter", ctx.Signer.String(), "vote", string(b.Vote))
	return nil
}

// EpochTransition tallies and enacts every active proposal closing at or
// before ctx.Epoch, in id order.
func (s *Service) EpochTransition(ctx *service.Context) error {
	var due []*Proposal
	ctx.KV.Iterate(prefixProposal, func(_, v []byte) bool {
		var p Proposal
		decode(v, &p)
		if p.State == StateActive && p.ClosesAt <= ctx.Epoch {
			due = append(due, &p)
		}
		return true
	})
	for _, p := range due {
		if err := s.close(ctx, p); err != nil {
			return err
		}
	}
	return nil
}

func (s *Service) close(ctx *service.Context, p *Proposal) error {
	params := GetParams(ctx.KV)
	power, total := VotingPower(ctx.KV, ctx.Epoch)
	p.Results = map[Vote]uint64{}
	var votes [][]byte
	ctx.KV.Iterate(voteKey(p.ID, signature.PublicKey{})[:len(prefixVote)+8], func(k, v []byte) bool {
		votes = append(votes, k)
		var voter signature.PublicKey
		copy(voter[:], k[len(prefixVote)+8:])
		var vote Vote
		decode(v, &vote)
		p.Results[vote] += power[voter]
		return true
	})
	for _, k := range votes {
		ctx.KV.Delete(k)
	}
	yes, no, abstain := p.Results[VoteYes], p.Results[VoteNo], p.Results[VoteAbstain]
	quorate := ge(yes+no+abstain, 100, total, uint64(params.Quorum))
	passed := quorate && yes+no > 0 && ge(yes, 100, yes+no, uint64(params.Threshold))
	p.State = StateRejected
	if passed {
		p.State = StatePassed
		target := s.Targets[p.Content.Module]
		sub := state.NewOverlay(ctx.KV)
		err := target.ChangeParameters(sub, p.Content.Changes, true)
		if err != nil {
			p.State, p.Error = StateFailed, err.Error()
		} else {
			sub.Commit()
		}
	}
	dest := staking.CommonPoolAddress
	if p.State == StatePassed {
		dest = staking.NewAddress(p.Submitter)
	}
	if err := staking.Transfer(ctx.KV, DepositAddress, dest, p.Deposit); err != nil {
		return err
	}
	setProposal(ctx.KV, p)
	ctx.Emit("governance.proposal_closed", "id", fmt.Sprint(p.ID), "state", string(p.State),
		"yes", fmt.Sprint(yes), "no", fmt.Sprint(no), "abstain", fmt.Sprint(abstain), "total", fmt.Sprint(total))
	return nil
}

// ge reports a*b >= c*d without overflow.
func ge(a, b, c, d uint64) bool {
	h1, l1 := bits.Mul64(a, b)
	h2, l2 := bits.Mul64(c, d)
	return h1 > h2 || h1 == h2 && l1 >= l2
}

// Query implements service.Service. Paths: "params", "proposals".
func (s *Service) Query(kv state.KV, _ uint64, path string, _ []byte) (any, error) {
	switch path {
	case "params":
		return GetParams(kv), nil
	case "proposals":
		out := []*Proposal{}
		kv.Iterate(prefixProposal, func(_, v []byte) bool {
			var p Proposal
			decode(v, &p)
			out = append(out, &p)
			return true
		})
		return out, nil
	}
	return nil, fmt.Errorf("%w: governance/%s", service.ErrUnknownQuery, path)
}

// ChangeParameters implements service.Service (CBOR Params).
func (s *Service) ChangeParameters(kv state.KV, change []byte, apply bool) error {
	var p Params
	if err := codec.Unmarshal(change, &p); err != nil {
		return fmt.Errorf("%w: %v", service.ErrBadBody, err)
	}
	if err := p.Validate(); err != nil {
		return fmt.Errorf("%w: %v", service.ErrInvalid, err)
	}
	if apply {
		kv.Set(keyParams, codec.Marshal(&p))
	}
	return nil
}

// Genesis is the governance section of the genesis document.
type Genesis struct {
	Params Params `json:"params"`
}

// InitGenesis writes the parameters.
func InitGenesis(kv state.KV, g *Genesis) error {
	if err := g.Params.Validate(); err != nil {
		return err
	}
	kv.Set(keyParams, codec.Marshal(&g.Params))
	return nil
}
