package rhp

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"reflect"
	"testing"
	"time"

	"github.com/atoll-dev/atoll/runtime/rhp/canon"
)

// referenceDecode decodes body into a fresh value of type t with the
// reflective reference decoder alone.
func referenceDecode(t MessageType, body []byte) (Message, error) {
	m, err := NewMessage(t)
	if err != nil {
		return nil, err
	}
	return m, decMode.Unmarshal(body, m)
}

// fastDecode decodes body with the hand-written codec alone; ok is false
// when it leaves the body to the reference.
func fastDecode(t MessageType, body []byte) (Message, bool) {
	m, err := NewMessage(t)
	if err != nil {
		return nil, false
	}
	fm, isFast := m.(fastMessage)
	if !isFast {
		return nil, false
	}
	r := canon.NewReader(body)
	fm.decodeCBOR(&r)
	return m, r.Done()
}

// TestFastCodec_MatchesReference: every message with a hand-written codec
// encodes to the reference encoder's bytes, in a buffer of the size it
// announced, and its canonical encoding takes the fast decoder to the
// reference decoder's value.
func TestFastCodec_MatchesReference(t *testing.T) {
	msgs := append(sampleMessages(),
		&ExecuteTxBatch{}, &ExecuteTxBatchResponse{}, &CheckTxBatch{}, &CheckTxBatchResponse{}, &StorageGet{}, &StorageGetResponse{},
		&ExecuteTxBatch{Round: 1 << 40, Context: BlockContext{Slot: 1 << 33, UnixTimestamp: -1 << 40, RecentBlockhashes: make([]Hash, 300)},
			Txs: [][]byte{make([]byte, 70000), nil}, Deposits: []Deposit{{ID: 1, Recipient: hashOf(3), Amount: 1 << 62}, {}}},
		&ExecuteTxBatchResponse{Results: []TxResult{{Code: 0xffffffff, Units: 24, Logs: []string{"", "ünïcödé"}, Data: make([]byte, 256)}, {}},
			StateWriteLog: []WriteLogEntry{{Key: make([]byte, 32), Value: make([]byte, 65536)}}, IOWriteLog: make([]WriteLogEntry, 30)},
		&CheckTxBatchResponse{Results: make([]CheckTxResult, 25)},
	)
	fast := 0
	for _, m := range msgs {
		fm, ok := m.(fastMessage)
		if !ok {
			continue
		}
		fast++
		t.Run(m.MessageType().String(), func(t *testing.T) {
			want, err := encMode.Marshal(m)
			if err != nil {
				t.Fatal(err)
			}
			got := marshalFast(fm)
			if !bytes.Equal(got, want) {
				t.Fatalf("hand-written encoding differs from the reference:\n got %x\nwant %x", got, want)
			}
			if fm.cborSize() != len(got) || cap(got) != len(got) {
				t.Fatalf("announced %d bytes, wrote %d (capacity %d)", fm.cborSize(), len(got), cap(got))
			}
			dec, ok := fastDecode(m.MessageType(), want)
			if !ok {
				t.Fatal("the fast decoder refuses a canonical encoding")
			}
			ref, err := referenceDecode(m.MessageType(), want)
			if err != nil {
				t.Fatal(err)
			}
			if !reflect.DeepEqual(dec, ref) {
				t.Fatalf("decoders disagree:\n fast %#v\n  ref %#v", dec, ref)
			}
		})
	}
	if fast != 6+9 {
		t.Fatalf("%d messages with hand-written codecs tested", fast)
	}
}

// TestFastCodec_FallsBack: bodies outside the canonical subset still decode
// (or fail) exactly as the reference decides.
func TestFastCodec_FallsBack(t *testing.T) {
	typ := TypeStorageGet
	tests := []struct {
		name string
		body string
		ok   bool
	}{
		{"canonical", "a2646b65797381414a64726f6f74a0", true},
		{"keys out of order", "a264726f6f74a0646b65797381414a", true},
		{"non-shortest array head", "a2646b6579739801414a64726f6f74a0", true},
		{"unknown key", "a1646a756e6b01", true},
		{"upper-case key", "a1644b45595380", true},
		{"null keys", "a1646b657973f6", true},
		{"duplicate key", "a2646b65797380646b65797380", false},
		{"short hash", "a164726f6f74a16468617368410a", false},
		{"text for bytes", "a1646b6579738161" + "61", false},
		{"truncated", "a2646b6579738141", false},
		{"trailing", "a0" + "00", false},
		{"huge array", "a1646b6579739b0000000100000000", false},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			body := mustHex(tt.body)
			got, err := DecodeMessage(typ, body)
			ref, refErr := referenceDecode(typ, body)
			if (err == nil) != tt.ok || (refErr == nil) != tt.ok {
				t.Fatalf("got %v, reference %v, want ok=%v", err, refErr, tt.ok)
			}
			if tt.ok && !reflect.DeepEqual(got, ref) {
				t.Fatalf("got %#v, reference %#v", got, ref)
			}
		})
	}
}

// TestFastCodec_DecodedAliasesFrame documents the ownership rule: a decoded
// body's byte strings point into the frame, which is never reused.
func TestFastCodec_DecodedAliasesFrame(t *testing.T) {
	body, _ := Marshal(&StorageGet{Keys: [][]byte{{1, 2, 3}}})
	m, err := DecodeMessage(TypeStorageGet, body)
	if err != nil {
		t.Fatal(err)
	}
	key := m.(*StorageGet).Keys[0]
	var copied StorageGet
	if err := Unmarshal(body, &copied); err != nil {
		t.Fatal(err)
	}
	body[bytes.Index(body, []byte{1, 2, 3})] ^= 0xff
	if bytes.Equal(key, []byte{1, 2, 3}) || !bytes.Equal(copied.Keys[0], []byte{1, 2, 3}) {
		t.Fatalf("DecodeMessage should alias and Unmarshal copy: %x %x", key, copied.Keys[0])
	}
}

// FuzzFastCodec is the differential fuzz target of the hand-written codecs:
// whatever body the fast decoder accepts, the reference decoder accepts
// with an equal value; every accepted value encodes by hand to the
// reference's bytes; and DecodeMessage never panics.
func FuzzFastCodec(f *testing.F) {
	for _, m := range sampleMessages() {
		if _, ok := m.(fastMessage); ok {
			body, _ := Marshal(m)
			f.Add(uint8(m.MessageType()), body)
		}
	}
	f.Fuzz(func(t *testing.T, typ uint8, body []byte) {
		mt := MessageType(typ)
		got, err := DecodeMessage(mt, bytes.Clone(body))
		ref, refErr := referenceDecode(mt, body)
		if (err == nil) != (refErr == nil) && len(body) > 0 && body[0]>>5 == 5 {
			t.Fatalf("%s: DecodeMessage %v, reference %v", mt, err, refErr)
		}
		if fast, ok := fastDecode(mt, body); ok {
			if refErr != nil {
				t.Fatalf("%s: fast decoder accepts what the reference refuses (%v)", mt, refErr)
			}
			if !reflect.DeepEqual(fast, ref) {
				t.Fatalf("%s: decoders disagree:\n fast %#v\n  ref %#v", mt, fast, ref)
			}
		}
		if err != nil {
			return
		}
		if !reflect.DeepEqual(got, ref) {
			t.Fatalf("%s: DecodeMessage and the reference disagree", mt)
		}
		if fm, ok := got.(fastMessage); ok {
			want, err := encMode.Marshal(got)
			if err != nil {
				t.Fatal(err)
			}
			if enc := marshalFast(fm); !bytes.Equal(enc, want) {
				t.Fatalf("%s: hand-written encoding differs:\n got %x\nwant %x", mt, enc, want)
			}
		}
	})
}

// TestConn_UncheckedResponseBody: a round's answer is not checked for
// well-formedness when read but by its decoder; a malformed one still ends
// the connection, whether its caller waits for it or has given up.
func TestConn_UncheckedResponseBody(t *testing.T) {
	malformed := [][]byte{
		{0xa1},             // truncated
		{0xbf, 0xff},       // indefinite map
		{0xa1, 0x61, 0xff}, // key of invalid UTF-8
		{0xa0, 0x00},       // trailing item
	}
	for i, body := range malformed {
		for _, abandoned := range []bool{false, true} {
			t.Run(fmt.Sprintf("%d/abandoned=%v", i, abandoned), func(t *testing.T) {
				a, b := socketPair(t)
				defer b.Close()
				host := NewConn(a, Options{Role: RoleHost})
				defer host.Close()
				ctx, cancel := context.WithCancel(ctxT(t))
				errc := make(chan error, 1)
				go func() { errc <- host.Call(ctx, &ExecuteTxBatch{}, &ExecuteTxBatchResponse{}) }()
				req, err := ReadFrame(b, DefaultMaxFrameSize)
				if err != nil {
					t.Fatal(err)
				}
				if abandoned {
					cancel()
					if err := <-errc; !errors.Is(err, context.Canceled) {
						t.Fatalf("abandoned call: %v", err)
					}
				}
				env := append([]byte{0x83, byte(req.ID), 0x18, byte(TypeExecuteTxBatch.Response())}, body...)
				if _, err := b.Write(lengthPrefixed(env)); err != nil {
					t.Fatal(err)
				}
				if !abandoned {
					if err := <-errc; err == nil {
						t.Fatal("call succeeded")
					}
				}
				select {
				case <-host.Done():
				case <-time.After(10 * time.Second):
					t.Fatal("connection still open after a malformed body")
				}
				if !errors.Is(host.Err(), ErrMalformedBody) && !errors.Is(host.Err(), ErrMalformedFrame) {
					t.Fatalf("connection ended with %v", host.Err())
				}
				cancel()
			})
		}
	}
}

// TestConn_UncheckedRequestBody: a batch request is checked for
// well-formedness by its decoder, not when read; a malformed one still ends
// the connection (served or not), and a well-formed one of the wrong shape
// is still answered with CodeMalformed.
func TestConn_UncheckedRequestBody(t *testing.T) {
	tests := []struct {
		name    string
		handler Handler
		body    []byte
		fatal   bool
	}{
		{"malformed, served", HandlerFunc(func(context.Context, *Request) (Message, error) { return &ExecuteTxBatchResponse{}, nil }), []byte{0xa1}, true},
		{"malformed, not served", nil, []byte{0xbf, 0xff}, true},
		{"wrong field type", HandlerFunc(func(context.Context, *Request) (Message, error) { return &ExecuteTxBatchResponse{}, nil }),
			mustHex("a165726f756e646178"), false}, // {"round": "x"}
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			a, b := socketPair(t)
			defer a.Close()
			rt := NewConn(b, Options{Role: RoleRuntime, Handler: tt.handler})
			defer rt.Close()
			env := append([]byte{0x83, 0x01, byte(TypeExecuteTxBatch)}, tt.body...)
			if _, err := a.Write(lengthPrefixed(env)); err != nil {
				t.Fatal(err)
			}
			if tt.fatal {
				select {
				case <-rt.Done():
				case <-time.After(10 * time.Second):
					t.Fatal("connection still open after a malformed request")
				}
				if !errors.Is(rt.Err(), ErrMalformedFrame) {
					t.Fatalf("connection ended with %v", rt.Err())
				}
				return
			}
			f, err := ReadFrame(a, DefaultMaxFrameSize)
			if err != nil {
				t.Fatal(err)
			}
			m, err := DecodeMessage(f.Type, f.Body)
			if e, ok := m.(*Error); err != nil || !ok || e.Code != CodeMalformed {
				t.Fatalf("answered %s %+v %v", f.Type, m, err)
			}
			if rt.Err() != nil {
				t.Fatalf("connection ended: %v", rt.Err())
			}
		})
	}
}

// TestUnmarshal_NilTarget: a nil pointer is an error, not a panic.
func TestUnmarshal_NilTarget(t *testing.T) {
	body, _ := Marshal(&StorageGet{})
	if err := Unmarshal(body, (*StorageGet)(nil)); err == nil {
		t.Fatal("decoded into a nil pointer")
	}
	if err := Unmarshal(body, nil); err == nil {
		t.Fatal("decoded into nil")
	}
}
