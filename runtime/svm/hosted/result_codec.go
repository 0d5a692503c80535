package hosted

import (
	"github.com/atoll-dev/atoll/runtime/rhp"
	"github.com/atoll-dev/atoll/runtime/rhp/canon"
	"github.com/atoll-dev/atoll/runtime/svm/sol"
)

// A Result is encoded once per transaction in the runtime and decoded for
// every client waiting on a finalized transaction, so it has a
// hand-written codec: byte for byte the reference encoding (rhp.Marshal
// of the plain struct), and a decoder of the canonical subset that leaves
// anything else to the reference decoder (see runtime/rhp/canon).

var _ rhp.CanonicalDecoder = (*Result)(nil)

// plainResult is Result without its methods: what the reference codec
// encodes and decodes.
type plainResult Result

// resultKeys are Result's keys in canonical order; err, return_program,
// return_data and messages are omitted when empty.
var resultKeys = canon.NewKeys("err", "fee", "keys", "logs", "units", "messages", "processed", "signature",
	"return_data", "message_hash", "pre_balances", "post_balances", "return_program")

var resultErrorKeys = canon.NewKeys("kind", "index", "detail", "instr_code", "instr_kind")

// cborSize is the size of the encoding.
func (r *Result) cborSize() int {
	k := resultKeys
	n := 1 + k.Size(1) + canon.UintSize(r.Fee) +
		k.Size(2) + canon.HeadSize(uint64(len(r.Keys))) + len(r.Keys)*(2+sol.PubkeySize) +
		k.Size(3) + canon.TextsSize(r.Logs) +
		k.Size(4) + canon.UintSize(r.UnitsConsumed) +
		k.Size(6) + 1 +
		k.Size(7) + 2 + sol.SignatureSize +
		k.Size(9) + 2 + sol.HashSize +
		k.Size(10) + uintsSize(r.PreBalances) +
		k.Size(11) + uintsSize(r.PostBalances)
	if e := r.Err; e != nil {
		ek := resultErrorKeys
		n += k.Size(0) + 1 + ek.Size(0) + canon.UintSize(uint64(e.Kind)) + ek.Size(1) + canon.UintSize(uint64(e.Index)) +
			ek.Size(2) + canon.BytesSize(len(e.Detail)) + ek.Size(3) + canon.UintSize(uint64(e.InstrCode)) +
			ek.Size(4) + canon.UintSize(uint64(e.InstrKind))
	}
	if len(r.Messages) > 0 {
		n += k.Size(5) + canon.BytesListSize(r.Messages)
	}
	if len(r.ReturnData) > 0 {
		n += k.Size(8) + canon.BytesSize(len(r.ReturnData))
	}
	if r.ReturnProgram != nil {
		n += k.Size(12) + 2 + sol.PubkeySize
	}
	return n
}

func uintsSize(vs []uint64) int {
	n := canon.HeadSize(uint64(len(vs)))
	for _, v := range vs {
		n += canon.UintSize(v)
	}
	return n
}

func appendUints(b []byte, vs []uint64) []byte {
	b = canon.AppendHead(b, canon.MajorArray, uint64(len(vs)))
	for _, v := range vs {
		b = canon.AppendUint(b, v)
	}
	return b
}

func readUints(r *canon.Reader) []uint64 {
	n := r.ArrayLen(1<<20, 1)
	if !r.OK() {
		return nil
	}
	out := make([]uint64, n)
	for i := range out {
		out[i] = r.Uint()
	}
	return out
}

// appendCBOR appends the canonical encoding.
func (r *Result) appendCBOR(b []byte) []byte {
	pairs := 9
	for _, present := range []bool{r.Err != nil, len(r.Messages) > 0, len(r.ReturnData) > 0, r.ReturnProgram != nil} {
		if present {
			pairs++
		}
	}
	b = canon.AppendHead(b, canon.MajorMap, uint64(pairs))
	if e := r.Err; e != nil {
		b = append(resultKeys.Append(b, 0), canon.MajorMap|5)
		b = canon.AppendUint(resultErrorKeys.Append(b, 0), uint64(e.Kind))
		b = canon.AppendUint(resultErrorKeys.Append(b, 1), uint64(e.Index))
		b = canon.AppendText(resultErrorKeys.Append(b, 2), e.Detail)
		b = canon.AppendUint(resultErrorKeys.Append(b, 3), uint64(e.InstrCode))
		b = canon.AppendUint(resultErrorKeys.Append(b, 4), uint64(e.InstrKind))
	}
	b = canon.AppendUint(resultKeys.Append(b, 1), r.Fee)
	b = canon.AppendHead(resultKeys.Append(b, 2), canon.MajorArray, uint64(len(r.Keys)))
	for i := range r.Keys {
		b = canon.AppendBytes(b, r.Keys[i][:])
	}
	b = canon.AppendTexts(resultKeys.Append(b, 3), r.Logs)
	b = canon.AppendUint(resultKeys.Append(b, 4), r.UnitsConsumed)
	if len(r.Messages) > 0 {
		b = canon.AppendBytesList(resultKeys.Append(b, 5), r.Messages)
	}
	b = canon.AppendBool(resultKeys.Append(b, 6), r.Processed)
	b = canon.AppendBytes(resultKeys.Append(b, 7), r.Signature[:])
	if len(r.ReturnData) > 0 {
		b = canon.AppendBytes(resultKeys.Append(b, 8), r.ReturnData)
	}
	b = canon.AppendBytes(resultKeys.Append(b, 9), r.MessageHash[:])
	b = appendUints(resultKeys.Append(b, 10), r.PreBalances)
	b = appendUints(resultKeys.Append(b, 11), r.PostBalances)
	if r.ReturnProgram != nil {
		b = canon.AppendBytes(resultKeys.Append(b, 12), r.ReturnProgram[:])
	}
	return b
}

// DecodeCanonical implements rhp.CanonicalDecoder: it decodes the
// canonical subset into the zero Result r, copying byte strings, and
// leaves rd failed on anything else.
func (r *Result) DecodeCanonical(rd *canon.Reader) {
	next := 0
	for range rd.MapLen(len(resultKeys)) {
		switch rd.Key(resultKeys, &next) {
		case 0:
			r.Err = new(ResultError)
			r.Err.decodeCBOR(rd)
		case 1:
			r.Fee = rd.Uint()
		case 2:
			n := rd.ArrayLen(1<<20, 2+sol.PubkeySize)
			if !rd.OK() {
				return
			}
			r.Keys = make([]sol.Pubkey, n)
			for i := range r.Keys {
				rd.Fixed(r.Keys[i][:])
			}
		case 3:
			r.Logs = rd.Texts(1 << 20)
		case 4:
			r.UnitsConsumed = rd.Uint()
		case 5:
			r.Messages = rd.BytesList(1 << 20)
			for i, m := range r.Messages {
				r.Messages[i] = append([]byte{}, m...)
			}
		case 6:
			r.Processed = rd.Bool()
		case 7:
			rd.Fixed(r.Signature[:])
		case 8:
			r.ReturnData = append([]byte{}, rd.Bytes()...)
		case 9:
			rd.Fixed(r.MessageHash[:])
		case 10:
			r.PreBalances = readUints(rd)
		case 11:
			r.PostBalances = readUints(rd)
		case 12:
			r.ReturnProgram = new(sol.Pubkey)
			rd.Fixed(r.ReturnProgram[:])
		}
	}
}

func (e *ResultError) decodeCBOR(rd *canon.Reader) {
	next := 0
	for range rd.MapLen(len(resultErrorKeys)) {
		switch rd.Key(resultErrorKeys, &next) {
		case 0:
			e.Kind = readUint8(rd)
		case 1:
			e.Index = readUint8(rd)
		case 2:
			e.Detail = rd.Text()
		case 3:
			e.InstrCode = rd.Uint32()
		case 4:
			e.InstrKind = readUint8(rd)
		}
	}
}

func readUint8(rd *canon.Reader) uint8 {
	v := rd.Uint()
	if v > 0xff {
		rd.Fail()
	}
	return uint8(v)
}

// MarshalCBOR encodes the result canonically.
func (r *Result) MarshalCBOR() ([]byte, error) {
	return r.appendCBOR(make([]byte, 0, r.cborSize())), nil
}

// UnmarshalCBOR decodes a result with the protocol's rules (rhp.Unmarshal).
func (r *Result) UnmarshalCBOR(b []byte) error {
	*r = Result{}
	rd := canon.NewReader(b)
	r.DecodeCanonical(&rd)
	if rd.Done() {
		return nil
	}
	*r = Result{}
	return rhp.Unmarshal(b, (*plainResult)(r))
}
