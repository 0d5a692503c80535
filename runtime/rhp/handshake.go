package rhp

import (
	"context"
	"errors"
	"fmt"
)

// Handshake performs the host's side of the version handshake: it must be
// the first request on the connection. It returns the runtime's version, or
// an error wrapping ErrVersionMismatch when the major versions differ (the
// caller should then close the connection).
func (c *Conn) Handshake(ctx context.Context) (Version, error) {
	var resp HandshakeResponse
	err := c.Call(ctx, &Handshake{Version: ProtocolVersion}, &resp)
	var perr *Error
	if errors.As(err, &perr) && perr.Code == CodeVersionMismatch {
		return Version{}, fmt.Errorf("%w: runtime refused host version %s: %s", ErrVersionMismatch, ProtocolVersion, perr.Message)
	}
	if err != nil {
		return Version{}, fmt.Errorf("rhp: handshake: %w", err)
	}
	if !resp.Version.Compatible(ProtocolVersion) {
		return resp.Version, fmt.Errorf("%w: runtime speaks %s, host speaks %s", ErrVersionMismatch, resp.Version, ProtocolVersion)
	}
	return resp.Version, nil
}
