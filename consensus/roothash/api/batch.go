package api

import "github.com/atoll-dev/atoll/consensus/signature"

// CommitmentSignatures lists every signature a commitment carries (the
// executor's, its proposal's, and each receipt's, in that order) for batch
// verification; each item verifies exactly when the value's own Verify
// signature check would.
func CommitmentSignatures(chainContext []byte, sc *SignedCommitment) []signature.Item {
	c := &sc.Commitment
	items := make([]signature.Item, 0, 2+len(c.Receipts))
	items = append(items,
		signature.Item{Key: sc.Node, Context: CommitmentContext, Message: signedBytes(chainContext, c), Signature: sc.Signature},
		signature.Item{Key: c.Proposal.Scheduler, Context: ProposalContext, Message: signedBytes(chainContext, &c.Proposal.Proposal), Signature: c.Proposal.Signature})
	for i := range c.Receipts {
		r := &c.Receipts[i]
		items = append(items, signature.Item{Key: r.Node, Context: ReceiptContext, Message: signedBytes(chainContext, &r.Receipt), Signature: r.Signature})
	}
	return items
}
