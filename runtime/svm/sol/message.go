package sol

// MessageHeader says which of a message's static keys sign and which are
// read-only. Keys are ordered: writable signers, read-only signers, writable
// non-signers, read-only non-signers.
type MessageHeader struct {
	NumRequiredSignatures       uint8
	NumReadonlySignedAccounts   uint8
	NumReadonlyUnsignedAccounts uint8
}

// CompiledInstruction refers to its program and accounts by index into the
// message's full key list (static keys, then loaded writable, then loaded read-only).
type CompiledInstruction struct {
	ProgramIDIndex uint8
	Accounts       []uint8
	Data           []byte
}

// AddressTableLookup loads extra keys from an address lookup table account
// (v0 messages only).
type AddressTableLookup struct {
	AccountKey      Pubkey
	WritableIndexes []uint8
	ReadonlyIndexes []uint8
}

// MessageVersion distinguishes legacy messages from versioned ones.
type MessageVersion uint8

const (
	// MessageLegacy has no version prefix byte.
	MessageLegacy MessageVersion = iota
	// MessageV0 is prefixed by 0x80 and may carry address table lookups.
	MessageV0
)

// Message is a decoded transaction message. Its wire layout:
//
//	legacy: header(3) | keys: compact-u16 n, n×32 | blockhash 32 | instrs: compact-u16 n, n×instr
//	v0:     0x80 | the legacy layout | lookups: compact-u16 n, n×lookup
//	instr:  program index u8 | compact-u16 n, n×u8 account indexes | compact-u16 n, n bytes data
//	lookup: table key 32 | compact-u16 n, n×u8 writable | compact-u16 n, n×u8 read-only
type Message struct {
	Version             MessageVersion
	Header              MessageHeader
	AccountKeys         []Pubkey
	RecentBlockhash     Hash
	Instructions        []CompiledInstruction
	AddressTableLookups []AddressTableLookup
}

// NumLookupKeys counts the keys the message loads from lookup tables.
func (m *Message) NumLookupKeys() int {
	n := 0
	for i := range m.AddressTableLookups {
		n += len(m.AddressTableLookups[i].WritableIndexes) + len(m.AddressTableLookups[i].ReadonlyIndexes)
	}
	return n
}

// IsSigner reports whether key i (an index into the full key list) signs.
func (m *Message) IsSigner(i int) bool { return i < int(m.Header.NumRequiredSignatures) }

// IsWritableByHeader applies the header rules to static key i, or the
// lookup's own writable/read-only split to loaded keys.
func (m *Message) IsWritableByHeader(i int) bool {
	nStatic := len(m.AccountKeys)
	nSigners := int(m.Header.NumRequiredSignatures)
	if i < nSigners {
		return i < nSigners-int(m.Header.NumReadonlySignedAccounts)
	}
	if i < nStatic {
		return i < nStatic-int(m.Header.NumReadonlyUnsignedAccounts)
	}
	nLoadedWritable := 0
	for j := range m.AddressTableLookups {
		nLoadedWritable += len(m.AddressTableLookups[j].WritableIndexes)
	}
	return i-nStatic < nLoadedWritable
}

// MarshalBinary encodes the message in Solana's wire format; these bytes are
// what signers sign.
func (m *Message) MarshalBinary() ([]byte, error) {
	return m.AppendBinary(make([]byte, 0, 256)), nil
}

// AppendBinary appends the wire encoding of m to b.
func (m *Message) AppendBinary(b []byte) []byte {
	if m.Version == MessageV0 {
		b = append(b, 0x80)
	}
	b = append(b, m.Header.NumRequiredSignatures, m.Header.NumReadonlySignedAccounts, m.Header.NumReadonlyUnsignedAccounts)
	b = AppendCompactU16(b, uint16(len(m.AccountKeys)))
	for i := range m.AccountKeys {
		b = append(b, m.AccountKeys[i][:]...)
	}
	b = append(b, m.RecentBlockhash[:]...)
	b = AppendCompactU16(b, uint16(len(m.Instructions)))
	for i := range m.Instructions {
		in := &m.Instructions[i]
		b = append(b, in.ProgramIDIndex)
		b = AppendCompactU16(b, uint16(len(in.Accounts)))
		b = append(b, in.Accounts...)
		b = AppendCompactU16(b, uint16(len(in.Data)))
		b = append(b, in.Data...)
	}
	if m.Version == MessageV0 {
		b = AppendCompactU16(b, uint16(len(m.AddressTableLookups)))
		for i := range m.AddressTableLookups {
			l := &m.AddressTableLookups[i]
			b = append(b, l.AccountKey[:]...)
			b = AppendCompactU16(b, uint16(len(l.WritableIndexes)))
			b = append(b, l.WritableIndexes...)
			b = AppendCompactU16(b, uint16(len(l.ReadonlyIndexes)))
			b = append(b, l.ReadonlyIndexes...)
		}
	}
	return b
}
