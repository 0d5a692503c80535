package rhp

import (
	"errors"
	"fmt"
)

// Errors of framing and connection handling.
var (
	ErrFrameTooLarge      = errors.New("rhp: frame too large")
	ErrMalformedFrame     = errors.New("rhp: malformed frame")
	ErrMalformedBody      = errors.New("rhp: malformed message body")
	ErrUnknownType        = errors.New("rhp: unknown message type")
	ErrUnexpectedResponse = errors.New("rhp: unexpected response")
	ErrProtocol           = errors.New("rhp: protocol violation")
	ErrClosed             = errors.New("rhp: connection closed")
	ErrVersionMismatch    = errors.New("rhp: protocol version mismatch")
)

// ErrorCode classifies an Error response.
type ErrorCode uint32

// Error codes. Runtimes may use codes from 1000 up for their own errors.
const (
	CodeInternal        ErrorCode = 1 // the handler failed; the message says why
	CodeMalformed       ErrorCode = 2 // the request body did not decode
	CodeUnsupported     ErrorCode = 3 // the receiver does not serve this request type
	CodeVersionMismatch ErrorCode = 4 // handshake with an incompatible major version
	CodeAborted         ErrorCode = 5 // the request was aborted
	CodeBusy            ErrorCode = 6 // too many requests in flight
	CodeNotReady        ErrorCode = 7 // request before a completed handshake
	CodeNotFound        ErrorCode = 8 // the thing asked for does not exist
)

// Error is the body of a TypeError response, and the Go error a Call
// returns when the peer answered with one.
//
//	{ "code": uint, "module": tstr, "message": tstr }
type Error struct {
	Code    ErrorCode `cbor:"code"`
	Module  string    `cbor:"module"` // who raised it, e.g. "rhp", "svm"
	Message string    `cbor:"message"`
}

// MessageType implements Message.
func (Error) MessageType() MessageType { return TypeError }

// Error implements error.
func (e *Error) Error() string {
	if e.Module == "" {
		return fmt.Sprintf("rhp: peer error %d: %s", e.Code, e.Message)
	}
	return fmt.Sprintf("rhp: peer error %d (%s): %s", e.Code, e.Module, e.Message)
}

// Is matches another *Error with the same code, so errors.Is(err,
// &rhp.Error{Code: rhp.CodeAborted}) and the Err* code sentinels work.
func (e *Error) Is(target error) bool {
	t, ok := target.(*Error)
	return ok && t.Code == e.Code && (t.Module == "" || t.Module == e.Module)
}

// Sentinels matching Error responses by code.
var (
	ErrPeerAborted     = &Error{Code: CodeAborted}
	ErrPeerUnsupported = &Error{Code: CodeUnsupported}
	ErrPeerBusy        = &Error{Code: CodeBusy}
	ErrPeerNotFound    = &Error{Code: CodeNotFound}
)

// Errorf builds an Error raised by module.
func Errorf(code ErrorCode, module, format string, args ...any) *Error {
	return &Error{Code: code, Module: module, Message: fmt.Sprintf(format, args...)}
}
