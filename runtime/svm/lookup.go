package svm

import (
	"encoding/binary"
	"fmt"

	"github.com/atoll-dev/atoll/runtime/svm/sol"
)

// lookupTableMetaSize is the header of an address lookup table account:
//
//	u32 state tag (1 = table) | u64 deactivation slot | u64 last extended slot |
//	u8 start index of the last extension | Option<Pubkey> authority (33) | u16 padding
//
// followed by 32-byte addresses.
const lookupTableMetaSize = 56

// resolveLookups returns the keys v0 lookups load: all writable ones (in
// lookup order) followed by all read-only ones, as Solana orders them.
func resolveLookups(m *sol.Message, slot uint64, read func(sol.Pubkey) (sol.Account, bool, error)) (writable, readonly []sol.Pubkey, terr *TransactionError, err error) {
	for i := range m.AddressTableLookups {
		l := &m.AddressTableLookups[i]
		acct, ok, rerr := read(l.AccountKey)
		if rerr != nil {
			return nil, nil, nil, rerr
		}
		if !ok {
			return nil, nil, txErr(AddressLookupTableNotFound, fmt.Sprintf("table %s does not exist", l.AccountKey)), nil
		}
		if acct.Owner != AddressLookupTableID {
			return nil, nil, txErr(InvalidAddressLookupTableOwner, fmt.Sprintf("table %s is owned by %s", l.AccountKey, acct.Owner)), nil
		}
		d := acct.Data
		if len(d) < lookupTableMetaSize || (len(d)-lookupTableMetaSize)%sol.PubkeySize != 0 || binary.LittleEndian.Uint32(d) != 1 {
			return nil, nil, txErr(InvalidAddressLookupTableData, fmt.Sprintf("table %s has malformed data", l.AccountKey)), nil
		}
		deactivation := binary.LittleEndian.Uint64(d[4:])
		if deactivation != ^uint64(0) && deactivation+maxSlotHashes < slot {
			return nil, nil, txErr(AddressLookupTableNotFound, fmt.Sprintf("table %s was deactivated at slot %d", l.AccountKey, deactivation)), nil
		}
		n := (len(d) - lookupTableMetaSize) / sol.PubkeySize
		// Addresses appended in the current slot are not usable until the next.
		if lastExtended := binary.LittleEndian.Uint64(d[12:]); lastExtended >= slot {
			n = min(n, int(d[20]))
		}
		addr := func(idx uint8) (sol.Pubkey, bool) {
			var k sol.Pubkey
			if int(idx) >= n {
				return k, false
			}
			copy(k[:], d[lookupTableMetaSize+int(idx)*sol.PubkeySize:])
			return k, true
		}
		for _, idx := range l.WritableIndexes {
			k, ok := addr(idx)
			if !ok {
				return nil, nil, txErr(InvalidAddressLookupTableIndex, fmt.Sprintf("index %d of table %s", idx, l.AccountKey)), nil
			}
			writable = append(writable, k)
		}
		for _, idx := range l.ReadonlyIndexes {
			k, ok := addr(idx)
			if !ok {
				return nil, nil, txErr(InvalidAddressLookupTableIndex, fmt.Sprintf("index %d of table %s", idx, l.AccountKey)), nil
			}
			readonly = append(readonly, k)
		}
	}
	return writable, readonly, nil, nil
}
