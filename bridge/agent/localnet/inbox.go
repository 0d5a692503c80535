package localnet

import (
	"crypto/sha256"
	"fmt"

	"github.com/atoll-dev/atoll/bridge/programs/recipient"
	"github.com/atoll-dev/atoll/runtime/svm"
	"github.com/atoll-dev/atoll/runtime/svm/sol"
)

// Inbox is the address of the demo recipient program: it accepts every
// message that an enrolled Replica delivers and logs it.
var Inbox = sol.Pubkey(sha256.Sum256([]byte("atoll bridge localnet inbox")))

func processInbox(ctx *svm.InvokeContext) error {
	h, err := recipient.Decode(ctx.Data)
	if err != nil {
		return svm.ErrInvalidInstructionData
	}
	if err := recipient.VerifyCaller(ctx, h.Origin); err != nil {
		return err
	}
	ctx.Log(fmt.Sprintf("inbox: message %d from domain %d: %q", h.Nonce, h.Origin, h.Body))
	return nil
}
