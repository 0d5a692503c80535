package home

import (
	"math/bits"

	"github.com/atoll-dev/atoll/bridge/keccak"
	"github.com/atoll-dev/atoll/bridge/merkle"
	"github.com/atoll-dev/atoll/bridge/message"
	"github.com/atoll-dev/atoll/bridge/programs/address"
	"github.com/atoll-dev/atoll/bridge/programs/onchain"
	"github.com/atoll-dev/atoll/runtime/svm"
)

func (p *Program) dispatch(ctx *svm.InvokeContext, in *Instruction) error {
	s, a, err := p.load(ctx, 0)
	if err != nil {
		return err
	}
	signer, err := onchain.Signer(ctx, 1)
	if err != nil {
		return err
	}
	sender := keccak.Hash(signer.Key)
	if in.FromProgram {
		want, _, err := onchain.FindPDA(ctx, in.Program, address.SeedDispatcher)
		if err != nil {
			return err
		}
		if want != signer.Key {
			return ErrDispatcher
		}
		sender = keccak.Hash(in.Program)
	}
	// The leaf hash, the insert's hashes (one per trailing one of the old
	// count) and the new root's 32.
	count := s.home.Count()
	cost := onchain.KeccakCost(message.HeaderSize+len(in.Body)) +
		onchain.NodeHashes(bits.TrailingZeros32(count+1)+merkle.Depth)
	if err := onchain.Charge(ctx, cost); err != nil {
		return err
	}
	d, err := s.home.Dispatch(sender, in.Destination, in.Recipient, in.Body)
	if err != nil {
		return err
	}
	if err := p.save(ctx, a, s); err != nil {
		return err
	}
	return emit(ctx, &Event{Kind: EventDispatch, LeafIndex: d.LeafIndex, DestinationAndNonce: d.DestinationAndNonce,
		CommittedRoot: d.CommittedRoot, Root: d.Root, Message: d.Raw})
}

// emit logs an event as a "Program data:" line.
func emit(ctx *svm.InvokeContext, e *Event) error {
	line, err := e.LogLine()
	if err != nil {
		return err
	}
	if err := onchain.Charge(ctx, onchain.LogUnits+uint64(len(line))/onchain.StateBytesPerUnit); err != nil {
		return err
	}
	ctx.LogRaw(line)
	return nil
}
