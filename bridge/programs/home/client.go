package home

import (
	"encoding/binary"
	"fmt"

	bhome "github.com/atoll-dev/atoll/bridge/home"
	"github.com/atoll-dev/atoll/bridge/programs/onchain"
	"github.com/atoll-dev/atoll/bridge/update"
	"github.com/atoll-dev/atoll/runtime/svm/sol"
)

// State is the Home account as clients read it (getAccountInfo on
// address.HomeState()).
type State struct {
	BondDelay uint64
	Home      *bhome.Home
}

// DecodeState decodes the Home state account's data. Updaters call
// Home.SuggestUpdate on the result to learn what to sign next.
func DecodeState(data []byte) (State, error) {
	blob, err := clientBlob(data, kindState)
	if err != nil {
		return State{}, err
	}
	if len(blob) < 8 {
		return State{}, fmt.Errorf("%w: short home state", bhome.ErrEncoding)
	}
	s := State{BondDelay: binary.BigEndian.Uint64(blob), Home: new(bhome.Home)}
	return s, s.Home.UnmarshalBinary(blob[8:])
}

// BondAccount is a bond account as clients read it.
type BondAccount struct {
	Updater   update.Address
	Authority sol.Pubkey
	UnlockAt  uint64 // 0 while bonded
	Slashed   bool
	Lamports  uint64
}

// DecodeBond decodes a bond account (address.Bond(updater)).
func DecodeBond(a *sol.Account) (BondAccount, error) {
	blob, err := clientBlob(a.Data, kindBond)
	if err != nil {
		return BondAccount{}, err
	}
	if len(blob) != bondSize || blob[60] > 1 {
		return BondAccount{}, fmt.Errorf("%w: bond of %d bytes", bhome.ErrEncoding, len(blob))
	}
	b := BondAccount{UnlockAt: binary.BigEndian.Uint64(blob[52:60]), Slashed: blob[60] == 1, Lamports: a.Lamports}
	copy(b.Updater[:], blob[:20])
	copy(b.Authority[:], blob[20:52])
	return b, nil
}

func clientBlob(d []byte, kind byte) ([]byte, error) {
	if len(d) < onchain.BlobHeaderSize || d[0] != kind {
		return nil, fmt.Errorf("%w: not a home account of kind %d", bhome.ErrEncoding, kind)
	}
	n := uint64(binary.BigEndian.Uint32(d[2:6]))
	if n > uint64(len(d)-onchain.BlobHeaderSize) {
		return nil, fmt.Errorf("%w: blob length %d", bhome.ErrEncoding, n)
	}
	return d[onchain.BlobHeaderSize : onchain.BlobHeaderSize+int(n)], nil
}
