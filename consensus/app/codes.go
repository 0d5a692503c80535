package app

import (
	"errors"

	"github.com/atoll-dev/atoll/consensus/service"
	"github.com/atoll-dev/atoll/consensus/staking"
	"github.com/atoll-dev/atoll/consensus/tx"
)

// Codespace is the ABCI codespace of every atoll result code.
const Codespace = "atoll"

// ErrPanic marks a transaction whose handler panicked.
var ErrPanic = errors.New("app: transaction handler panicked")

// ErrUnknownService marks a method whose service is not registered.
var ErrUnknownService = errors.New("app: unknown service")

// Result codes, stable across releases: clients match on them.
const (
	CodeOK uint32 = iota
	CodeMalformed
	CodeTooLarge
	CodeBadSignature
	CodeBadNonce
	CodeFee
	CodeUnknownMethod
	CodeBadBody
	CodeForbidden
	CodeInvalid
	CodeNotFound
	CodeFunds
	CodePanic
	CodeInternal
)

var codeTable = []struct {
	err  error
	code uint32
}{
	{tx.ErrTooLarge, CodeTooLarge},
	{tx.ErrMalformed, CodeMalformed},
	{tx.ErrNonCanonical, CodeMalformed},
	{tx.ErrBadMethod, CodeMalformed},
	{tx.ErrBadSignature, CodeBadSignature},
	{staking.ErrBadNonce, CodeBadNonce},
	{staking.ErrFeeTooLow, CodeFee},
	{ErrUnknownService, CodeUnknownMethod},
	{service.ErrUnknownMethod, CodeUnknownMethod},
	{service.ErrBadBody, CodeBadBody},
	{service.ErrForbidden, CodeForbidden},
	{service.ErrInvalid, CodeInvalid},
	{service.ErrNotFound, CodeNotFound},
	{service.ErrFunds, CodeFunds},
	{ErrPanic, CodePanic},
}

// Code maps an error to its result code.
func Code(err error) uint32 {
	if err == nil {
		return CodeOK
	}
	for _, c := range codeTable {
		if errors.Is(err, c.err) {
			return c.code
		}
	}
	return CodeInternal
}
