package hosted

import (
	"bytes"
	"reflect"
	"testing"

	"github.com/atoll-dev/atoll/runtime/rhp"
	"github.com/atoll-dev/atoll/runtime/rhp/canon"
	"github.com/atoll-dev/atoll/runtime/svm/sol"
)

func sampleResults() []Result {
	prog := sol.Pubkey{7, 7}
	return []Result{
		{},
		{Signature: sol.Signature{1}, MessageHash: sol.Hash{2}, Processed: true, Fee: 5000, UnitsConsumed: 150,
			Logs: []string{"Program 11111111111111111111111111111111 invoke [1]", "Program 11111111111111111111111111111111 success"},
			Keys: []sol.Pubkey{{1}, {2}, {3}}, PreBalances: []uint64{1e15, 0, 1}, PostBalances: []uint64{1e15 - 5000 - 1e6, 1e6, 1}},
		{Processed: true, Err: &ResultError{Kind: 8, Index: 2, InstrKind: 25, InstrCode: 1 << 31, Detail: "ünïcödé"},
			ReturnProgram: &prog, ReturnData: []byte{1, 2, 3}, Messages: [][]byte{{9}, {}}, Logs: []string{}, Keys: []sol.Pubkey{},
			PreBalances: []uint64{}, PostBalances: []uint64{}},
		{Err: &ResultError{}, ReturnProgram: &sol.Pubkey{}, Fee: 1 << 40, UnitsConsumed: 24},
	}
}

// TestResult_CodecMatchesReference: the hand-written encoder writes the
// reference encoder's bytes in a buffer of the announced size, and both
// decoders give the same value back.
func TestResult_CodecMatchesReference(t *testing.T) {
	for i, r := range sampleResults() {
		plain := plainResult(r)
		want, err := rhp.Marshal(&plain)
		if err != nil {
			t.Fatal(err)
		}
		got := r.appendCBOR(nil)
		if !bytes.Equal(got, want) || r.cborSize() != len(got) {
			t.Fatalf("result %d: encoded (size %d)\n %x\nreference\n %x", i, r.cborSize(), got, want)
		}
		if viaMarshal, err := rhp.Marshal(&r); err != nil || !bytes.Equal(viaMarshal, want) {
			t.Fatalf("result %d: rhp.Marshal %x %v", i, viaMarshal, err)
		}
		var fast Result
		rd := canon.NewReader(want)
		fast.DecodeCanonical(&rd)
		ref, err := decodeResultReference(want)
		if !rd.Done() || err != nil || !reflect.DeepEqual(fast, ref) {
			t.Fatalf("result %d: fast %#v (ok %v)\nreference %#v (%v)", i, fast, rd.Done(), ref, err)
		}
		var viaUnmarshal Result
		if err := rhp.Unmarshal(want, &viaUnmarshal); err != nil || !reflect.DeepEqual(viaUnmarshal, ref) {
			t.Fatalf("result %d: rhp.Unmarshal %#v %v", i, viaUnmarshal, err)
		}
	}
}

// TestDecodeResult_FallsBack: a non-canonical or malformed result is decided
// by the reference decoder.
func TestDecodeResult_FallsBack(t *testing.T) {
	canonical := (&Result{Fee: 5}).appendCBOR(nil)
	// The same map with fee's value in a two-byte head: not canonical, but
	// the reference accepts it.
	loose := bytes.Replace(canonical, []byte{0x63, 'f', 'e', 'e', 0x05}, []byte{0x63, 'f', 'e', 'e', 0x18, 0x05}, 1)
	if r, err := DecodeResult(loose); err != nil || r.Fee != 5 {
		t.Fatalf("non-canonical result: %+v %v", r, err)
	}
	var viaUnmarshal Result
	if err := rhp.Unmarshal(loose, &viaUnmarshal); err != nil || viaUnmarshal.Fee != 5 {
		t.Fatalf("non-canonical result through rhp.Unmarshal: %+v %v", viaUnmarshal, err)
	}
	for _, bad := range [][]byte{nil, {0xa1}, {0x01}, append(bytes.Clone(canonical), 0)} {
		var r Result
		if _, err := DecodeResult(bad); err == nil || rhp.Unmarshal(bad, &r) == nil {
			t.Fatalf("%x decoded", bad)
		}
	}
}

// FuzzDecodeResult is the differential fuzz target of the Result codec:
// whatever the fast decoder accepts, the reference accepts with an equal
// value; DecodeResult agrees with the reference on every input; an
// accepted result encodes by hand to the reference's bytes.
func FuzzDecodeResult(f *testing.F) {
	for _, r := range sampleResults() {
		f.Add(r.appendCBOR(nil))
	}
	f.Fuzz(func(t *testing.T, b []byte) {
		got, err := DecodeResult(b)
		ref, refErr := decodeResultReference(b)
		if (err == nil) != (refErr == nil) {
			t.Fatalf("DecodeResult %v, reference %v", err, refErr)
		}
		var fast Result
		rd := canon.NewReader(b)
		fast.DecodeCanonical(&rd)
		if rd.Done() && (refErr != nil || !reflect.DeepEqual(fast, ref)) {
			t.Fatalf("fast decoder accepts %x as %#v; reference %#v (%v)", b, fast, ref, refErr)
		}
		if err != nil {
			return
		}
		if !reflect.DeepEqual(got, ref) {
			t.Fatalf("DecodeResult %#v, reference %#v", got, ref)
		}
		plain := plainResult(got)
		want, err := rhp.Marshal(&plain)
		if err != nil {
			t.Fatal(err)
		}
		if enc := got.appendCBOR(nil); !bytes.Equal(enc, want) {
			t.Fatalf("encoded %x, reference %x", enc, want)
		}
	})
}

// decodeResultReference decodes with the reference decoder alone.
func decodeResultReference(b []byte) (Result, error) {
	var r plainResult
	if err := rhp.Unmarshal(b, &r); err != nil {
		return Result{}, err
	}
	return Result(r), nil
}

// BenchmarkResult_Codec encodes and decodes a transfer's result (what the
// runtime writes to the IO tree and a node decodes for each waiting
// client): by hand, through rhp.Marshal/Unmarshal (which reach the
// hand-written codec through MarshalCBOR/UnmarshalCBOR), and with the
// reflective reference alone.
func BenchmarkResult_Codec(b *testing.B) {
	r := sampleResults()[1]
	plain := plainResult(r)
	enc := r.appendCBOR(nil)
	b.Run("encode/hand", func(b *testing.B) {
		b.ReportAllocs()
		for b.Loop() {
			_ = r.appendCBOR(make([]byte, 0, r.cborSize()))
		}
	})
	b.Run("encode/reference", func(b *testing.B) {
		b.ReportAllocs()
		for b.Loop() {
			if _, err := rhp.Marshal(&plain); err != nil {
				b.Fatal(err)
			}
		}
	})
	b.Run("decode/DecodeResult", func(b *testing.B) {
		b.ReportAllocs()
		for b.Loop() {
			if _, err := DecodeResult(enc); err != nil {
				b.Fatal(err)
			}
		}
	})
	b.Run("decode/rhp.Unmarshal", func(b *testing.B) {
		b.ReportAllocs()
		for b.Loop() {
			var out Result
			if err := rhp.Unmarshal(enc, &out); err != nil {
				b.Fatal(err)
			}
		}
	})
	b.Run("decode/reference", func(b *testing.B) {
		b.ReportAllocs()
		for b.Loop() {
			if _, err := decodeResultReference(enc); err != nil {
				b.Fatal(err)
			}
		}
	})
}
