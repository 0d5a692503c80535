package onchain

import (
	"errors"

	"github.com/atoll-dev/atoll/runtime/svm"
	"github.com/atoll-dev/atoll/runtime/svm/sol"
)

// FindPDA derives the program address of seeds as sol.FindProgramAddress does
// and charges PDAAttemptUnits per bump tried.
func FindPDA(ctx *svm.InvokeContext, program sol.Pubkey, seeds ...[]byte) (sol.Pubkey, uint8, error) {
	withBump := make([][]byte, len(seeds)+1)
	copy(withBump, seeds)
	for bump := 255; bump >= 0; bump-- {
		if err := Charge(ctx, PDAAttemptUnits); err != nil {
			return sol.Pubkey{}, 0, err
		}
		withBump[len(seeds)] = []byte{byte(bump)}
		k, err := sol.CreateProgramAddress(withBump, program)
		if err == nil {
			return k, uint8(bump), nil
		}
		if !errors.Is(err, sol.ErrInvalidSeeds) {
			return sol.Pubkey{}, 0, svm.ErrMaxSeedLengthExceeded
		}
	}
	return sol.Pubkey{}, 0, svm.ErrInvalidSeeds
}

// MustPDA derives a program address off chain (clients, tests, genesis). It
// panics only for seeds longer than Solana allows, a programming error.
func MustPDA(program sol.Pubkey, seeds ...[]byte) sol.Pubkey {
	k, _, err := sol.FindProgramAddress(seeds, program)
	if err != nil {
		panic(err)
	}
	return k
}

// CreatePDA makes the account at pda (already derived by the caller, which
// vouches for it as a signer) a rent-exempt account of space zeroed bytes
// owned by owner, paid by payer, through the system program, which must be
// among the instruction's accounts. An address someone pre-funded to block
// creation is topped up, allocated and assigned instead, as Solana programs do.
func CreatePDA(ctx *svm.InvokeContext, payer, pda *svm.InstrAccount, space uint64, owner sol.Pubkey) error {
	if !payer.Signer || !payer.Writable {
		ctx.Log("bridge: the payer must sign and be writable")
		return svm.ErrMissingRequiredSignature
	}
	if !pda.Writable {
		ctx.Log("bridge: a new account must be writable")
		return svm.ErrInvalidArgument
	}
	need := ctx.Rent().MinimumBalance(int(space))
	signers := []sol.Pubkey{pda.Key}
	if pda.Account.Lamports == 0 {
		return ctx.Invoke(svm.CreateAccount(payer.Key, pda.Key, need, space, owner), signers)
	}
	if pda.Account.Owner != svm.SystemProgramID || len(pda.Account.Data) != 0 {
		return svm.ErrAccountAlreadyInitialized
	}
	if have := pda.Account.Lamports; have < need {
		if err := ctx.Invoke(svm.Transfer(payer.Key, pda.Key, need-have), nil); err != nil {
			return err
		}
	}
	if err := ctx.Invoke(svm.Allocate(pda.Key, space), signers); err != nil {
		return err
	}
	return ctx.Invoke(svm.Assign(pda.Key, owner), signers)
}
