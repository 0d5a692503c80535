// Package governance owns parameter-change proposals: any account may submit
// one with a deposit; entities that run a live validator node vote on it,
// weighted by their escrow at tally time; at the first epoch transition at
// or after its closing epoch it is tallied and, if it passed, enacted in that
// same transition through the target service's ChangeParameters, so runtime
// and consensus parameters change without a restart.
//
// A proposal passes when the voting power that voted reaches Quorum percent
// of all validator power and yes votes reach Threshold percent of yes+no.
// The deposit is returned if the proposal passed and goes to the common pool
// otherwise.
package governance
