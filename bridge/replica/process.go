package replica

import (
	"fmt"

	"github.com/atoll-dev/atoll/bridge/keccak"
	"github.com/atoll-dev/atoll/bridge/merkle"
	"github.com/atoll-dev/atoll/bridge/message"
)

// Prove marks leaf as proven if the root that proof and index lead to is
// acceptable at now. A leaf is proven at most once.
func (r *Replica) Prove(s Store, leaf keccak.Hash, proof *[merkle.Depth]keccak.Hash, index uint32, now uint64) error {
	if r.halted {
		return ErrHalted
	}
	rec, err := s.MessageRecord(leaf)
	if err != nil {
		return err
	}
	switch rec.Status {
	case None:
	case Proven:
		return fmt.Errorf("%w: %s", ErrAlreadyProven, leaf)
	default:
		return fmt.Errorf("%w: %s", ErrAlreadyProcessed, leaf)
	}
	root := merkle.BranchRoot(leaf, proof, index)
	if err := r.checkAcceptable(s, root, now); err != nil {
		return err
	}
	return s.PutMessageRecord(leaf, MessageRecord{Status: Proven, Root: root})
}

// Handler delivers a message to its recipient: the wrapper's CPI into the
// recipient program's handle(origin, nonce, sender, body).
type Handler func(message.Message) error

// Process delivers a proven message once. raw is the message's wire form;
// it must be destined for this Replica's local domain and come from its
// remote domain, and its root must still be acceptable at now.
//
// The message is marked processed before handle runs, so a handler that
// re-enters Process cannot deliver it twice. If handle fails, the record
// is restored to proven and the error wraps ErrHandlerFailed: the message
// can be retried. With a nil handle, Process only marks the message
// processed and the caller delivers it; the caller must then undo the state
// change (in the SVM, by failing the transaction) if delivery fails.
func (r *Replica) Process(s Store, raw []byte, now uint64, handle Handler) (message.Message, error) {
	m, leaf, err := r.checkMessage(raw)
	if err != nil {
		return message.Message{}, err
	}
	rec, err := s.MessageRecord(leaf)
	if err != nil {
		return message.Message{}, err
	}
	switch rec.Status {
	case Proven:
	case Processed:
		return message.Message{}, fmt.Errorf("%w: %s", ErrAlreadyProcessed, leaf)
	default:
		return message.Message{}, fmt.Errorf("%w: %s", ErrNotProven, leaf)
	}
	if err := r.checkAcceptable(s, rec.Root, now); err != nil {
		return message.Message{}, err
	}
	if err := s.PutMessageRecord(leaf, MessageRecord{Status: Processed, Root: rec.Root}); err != nil {
		return message.Message{}, err
	}
	if handle != nil {
		if herr := handle(m); herr != nil {
			if err := s.PutMessageRecord(leaf, rec); err != nil {
				return message.Message{}, err
			}
			return message.Message{}, fmt.Errorf("%w: %w", ErrHandlerFailed, herr)
		}
	}
	return m, nil
}

// ProveAndProcess checks raw's header, proves its leaf and processes it.
// A message for another domain is refused before anything is written. If
// the proof is accepted but the handler fails, the message stays proven.
func (r *Replica) ProveAndProcess(s Store, raw []byte, proof *[merkle.Depth]keccak.Hash, index uint32, now uint64, handle Handler) (message.Message, error) {
	_, leaf, err := r.checkMessage(raw)
	if err != nil {
		return message.Message{}, err
	}
	if err := r.Prove(s, leaf, proof, index, now); err != nil {
		return message.Message{}, err
	}
	return r.Process(s, raw, now, handle)
}

// MessageStatus returns where the message with this leaf stands.
func (r *Replica) MessageStatus(s Store, leaf keccak.Hash) (MessageRecord, error) {
	return s.MessageRecord(leaf)
}

func (r *Replica) checkMessage(raw []byte) (message.Message, keccak.Hash, error) {
	if r.halted {
		return message.Message{}, keccak.Hash{}, ErrHalted
	}
	m, err := message.Decode(raw)
	if err != nil {
		return message.Message{}, keccak.Hash{}, err
	}
	if m.Destination != r.localDomain {
		return message.Message{}, keccak.Hash{}, fmt.Errorf("%w: %d, this is %d", ErrWrongDestination, m.Destination, r.localDomain)
	}
	if m.Origin != r.remoteDomain {
		return message.Message{}, keccak.Hash{}, fmt.Errorf("%w: %d, this replica follows %d", ErrWrongOrigin, m.Origin, r.remoteDomain)
	}
	return m, message.Leaf(raw), nil
}
