package api

import (
	"crypto/sha256"

	"github.com/atoll-dev/atoll/consensus/codec"
	"github.com/atoll-dev/atoll/consensus/staking"
)

// Message is a runtime message: an action a finalized runtime block asks the
// consensus layer to carry out on the runtime's behalf. Exactly one field is set.
type Message struct {
	Staking *StakingMessage `cbor:"staking,omitempty"`
}

// StakingMessage moves consensus tokens out of the runtime's own staking
// account (staking.RuntimeAddress): Transfer pays To from the runtime account.
type StakingMessage struct {
	Transfer *StakingTransfer `cbor:"transfer,omitempty"`
}

// StakingTransfer pays Amount from the runtime's account to To.
type StakingTransfer struct {
	To     staking.Address `cbor:"to"`
	Amount uint64          `cbor:"amount"`
}

// MessagesHash is sha256 of the canonical CBOR list of messages; an empty
// list and nil hash alike.
func MessagesHash(msgs []Message) Hash {
	if msgs == nil {
		msgs = []Message{}
	}
	return sha256.Sum256(codec.Marshal(msgs))
}

// IncomingMessage is a consensus-layer deposit queued for a runtime: Amount
// moved from From into the runtime's staking account, to be credited inside
// the runtime to Recipient (32 bytes, runtime-defined). The roothash queues
// them; the next batch of the runtime must process them in order.
type IncomingMessage struct {
	ID        uint64          `cbor:"id"`
	From      staking.Address `cbor:"from"`
	Amount    uint64          `cbor:"amount"`
	Recipient [32]byte        `cbor:"recipient"`
}
