package api

// MethodSubmitEvidence is the roothash transaction that proves a scheduler
// equivocated.
const MethodSubmitEvidence = "roothash.SubmitEvidence"

// EquivocationBody is the body of roothash.SubmitEvidence: two different
// proposals the same scheduler signed for the same runtime and round. A
// round number names one committee and one parent (every epoch transition
// closes the pending round), so an honest scheduler signs one proposal per
// round. Any account may submit it.
type EquivocationBody struct {
	A SignedProposal `cbor:"a"`
	B SignedProposal `cbor:"b"`
}
