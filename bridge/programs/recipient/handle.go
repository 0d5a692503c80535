package recipient

import (
	"bytes"
	"crypto/sha256"
	"encoding/binary"
	"errors"
	"fmt"

	"github.com/atoll-dev/atoll/bridge/connmgr"
	"github.com/atoll-dev/atoll/bridge/keccak"
	"github.com/atoll-dev/atoll/bridge/message"
	"github.com/atoll-dev/atoll/bridge/programs/address"
	"github.com/atoll-dev/atoll/bridge/programs/onchain"
	"github.com/atoll-dev/atoll/runtime/svm"
	"github.com/atoll-dev/atoll/runtime/svm/sol"
)

// Discriminator opens every handle instruction, so a recipient can tell it
// from its own instructions.
var Discriminator = func() (d [8]byte) {
	s := sha256.Sum256([]byte("atoll:bridge:handle"))
	copy(d[:], s[:8])
	return d
}()

// HeaderSize is the length of a handle instruction before the body.
const HeaderSize = 48

// ErrEncoding is returned for malformed handle data.
var ErrEncoding = errors.New("recipient: malformed handle instruction")

// Handle is a message delivered to its recipient.
type Handle struct {
	Origin uint32
	Nonce  uint32
	Sender keccak.Hash
	Body   []byte
}

// Encode returns the instruction data.
func (h *Handle) Encode() []byte {
	b := make([]byte, 0, HeaderSize+len(h.Body))
	b = append(b, Discriminator[:]...)
	b = binary.BigEndian.AppendUint32(b, h.Origin)
	b = binary.BigEndian.AppendUint32(b, h.Nonce)
	b = append(b, h.Sender[:]...)
	return append(b, h.Body...)
}

// IsHandle reports whether data starts with the discriminator.
func IsHandle(data []byte) bool { return len(data) >= 8 && bytes.Equal(data[:8], Discriminator[:]) }

// Decode parses handle instruction data. Body aliases data.
func Decode(data []byte) (Handle, error) {
	if !IsHandle(data) {
		return Handle{}, fmt.Errorf("%w: no handle discriminator", ErrEncoding)
	}
	if len(data) < HeaderSize {
		return Handle{}, fmt.Errorf("%w: %d bytes, header needs %d", ErrEncoding, len(data), HeaderSize)
	}
	if len(data)-HeaderSize > message.MaxBodySize {
		return Handle{}, fmt.Errorf("%w: body of %d bytes", ErrEncoding, len(data)-HeaderSize)
	}
	h := Handle{
		Origin: binary.BigEndian.Uint32(data[8:]),
		Nonce:  binary.BigEndian.Uint32(data[12:]),
		Body:   data[HeaderSize:],
	}
	copy(h.Sender[:], data[16:48])
	return h, nil
}

// Instruction builds the handle instruction a Replica invokes: replica is
// the Replica state account, extra the recipient's own accounts.
func Instruction(program, replica, payer sol.Pubkey, h *Handle, extra []sol.AccountMeta) sol.Instruction {
	metas := append([]sol.AccountMeta{
		onchain.R(replica, true), onchain.R(address.Manager(), false), onchain.W(payer, true),
	}, extra...)
	return sol.Instruction{ProgramID: program, Accounts: metas, Data: h.Encode()}
}

// ErrNotReplica is logged when a handle call does not come from the Replica
// enrolled for the message's origin.
var ErrNotReplica = errors.New("recipient: caller is not the enrolled replica of the origin domain")

// VerifyCaller checks accounts 0 and 1 of a handle call: the Replica state
// account signs and is the one the connection manager enrols for origin. It
// returns nil or an instruction error after logging why.
func VerifyCaller(ctx *svm.InvokeContext, origin uint32) error {
	rep, err := onchain.Signer(ctx, 0)
	if err != nil {
		return err
	}
	mgrAcct, err := onchain.Keyed(ctx, 1, address.Manager())
	if err != nil {
		return err
	}
	blob, err := onchain.ReadBlob(ctx, mgrAcct, address.ConnMgr, KindManager)
	if err != nil {
		return err
	}
	var m connmgr.Manager
	if err := m.UnmarshalBinary(blob); err != nil {
		return onchain.Fail(ctx, 0, svm.ErrInvalidAccountData)
	}
	enrolled, ok := m.Replica(origin)
	if !ok || enrolled != rep.Key || rep.Account.Owner != address.Replica {
		ctx.Log(ErrNotReplica.Error())
		return svm.ErrIncorrectAuthority
	}
	return nil
}

// KindManager is the state-account kind of the connection manager, shared
// with package connmgr's program so recipients can read it.
const KindManager = 1
