package rhp

import (
	"bytes"
	"errors"
	"reflect"
	"testing"
)

func hashOf(b byte) Hash {
	var h Hash
	for i := range h {
		h[i] = b + byte(i)
	}
	return h
}

// sampleMessages has one fully populated value of every message type. Slices
// are non-nil so that decoding gives back an equal value.
func sampleMessages() []Message {
	ctx := BlockContext{
		Slot: 42, Epoch: 3, UnixTimestamp: -7,
		RecentBlockhashes: []Hash{hashOf(1), hashOf(2)},
		ActiveFeatures:    []Hash{hashOf(9)},
	}
	root := Root{Version: 11, Hash: hashOf(5)}
	return []Message{
		&Handshake{Version: Version{1, 2, 3}},
		&HandshakeResponse{Version: Version{1, 0, 9}},
		&InfoRequest{RuntimeID: hashOf(7), ChainContext: "atoll-devnet", LocalConfig: []byte{1, 2}},
		&InfoResponse{Name: "svm", Version: Version{0, 1, 0}, Features: []string{"a", "b"}},
		&Ping{},
		&PingResponse{},
		&CheckTxBatch{Context: ctx, StateRoot: root, Txs: [][]byte{{1}, {2, 3}}},
		&CheckTxBatchResponse{Results: []CheckTxResult{{Code: 0, Message: "ok", Priority: 5000}, {Code: 3, Message: "bad sig", Priority: 0}}},
		&ExecuteTxBatch{Round: 9, Context: ctx, PrevRoots: Roots{State: root, IO: Root{Version: 11, Hash: hashOf(6)}},
			Txs:      [][]byte{{0xde, 0xad}, {}},
			Prefetch: Prefetch{Entries: []StorageEntry{{Key: []byte("k"), Found: true, Value: []byte("v")}, {Key: []byte("z"), Found: false, Value: []byte{}}}, Proof: []byte{7, 7}}},
		&ExecuteTxBatchResponse{
			Results:       []TxResult{{Code: 0, Units: 150, Logs: []string{"Program log: hi"}, Data: []byte{1}}},
			StateWriteLog: []WriteLogEntry{{Key: []byte("a"), Value: []byte("1"), Delete: false}, {Key: []byte("b"), Value: []byte{}, Delete: true}},
			IOWriteLog:    []WriteLogEntry{{Key: []byte("tx"), Value: []byte("out")}},
			StateRoot:     hashOf(20), IORoot: hashOf(21),
			Messages: [][]byte{{4, 5}},
		},
		&Query{Method: "getAccount", Args: []byte{1}, Context: ctx, StateRoot: root},
		&QueryResponse{Data: []byte("answer")},
		&Abort{Target: 77},
		&AbortResponse{},
		&Shutdown{},
		&ShutdownResponse{},
		&StorageGet{Root: root, Keys: [][]byte{[]byte("a"), []byte("b")}},
		&StorageGetResponse{Entries: []StorageEntry{{Key: []byte("a"), Found: true, Value: []byte("x")}}, Proof: []byte{0xaa}},
		&ConsensusQuery{Method: "staking.Account", Height: 100, Args: []byte{3}},
		&ConsensusQueryResponse{Data: []byte{4}},
		&LocalGet{Key: []byte("k")},
		&LocalGetResponse{Found: true, Value: []byte("v")},
		&LocalSet{Key: []byte("k"), Value: []byte("v")},
		&LocalSetResponse{},
		&Error{Code: CodeAborted, Module: "svm", Message: "stop"},
	}
}

func TestMessage_RoundTrip(t *testing.T) {
	seen := map[MessageType]bool{}
	for _, m := range sampleMessages() {
		t.Run(m.MessageType().String(), func(t *testing.T) {
			seen[m.MessageType()] = true
			enc, err := Marshal(m)
			if err != nil {
				t.Fatal(err)
			}
			dec, err := DecodeMessage(m.MessageType(), enc)
			if err != nil {
				t.Fatalf("decode: %v", err)
			}
			if !reflect.DeepEqual(dec, m) {
				t.Fatalf("round trip changed the value:\n got %#v\nwant %#v", dec, m)
			}
			again, err := Marshal(dec)
			if err != nil {
				t.Fatal(err)
			}
			if !bytes.Equal(enc, again) {
				t.Fatalf("encoding is not canonical: %x then %x", enc, again)
			}
		})
	}
	// Every request type and its response must be covered above.
	for t0 := range typeNames {
		if !seen[t0] || !seen[t0.Response()] {
			t.Errorf("sampleMessages misses %s or its response", t0)
		}
	}
}

// TestMessage_Layout pins the wire bytes of small messages, so an accidental
// change of a field name or of the encoding options shows up here.
func TestMessage_Layout(t *testing.T) {
	tests := []struct {
		msg  Message
		want string
	}{
		{&Ping{}, "a0"},
		{&Abort{Target: 1}, "a1667461726765740" + "1"},
		{&Handshake{Version: Version{1, 0, 0}}, "a16776657273696f6ea3656d616a6f7201656d696e6f7200657061746368" + "00"},
		{&LocalGet{}, "a1636b657940"}, // nil slices go out as empty byte strings, never null
		{&Error{Code: 5, Module: "m", Message: "x"}, "a364636f646505666d6f64756c65616d676d657373616765" + "6178"},
	}
	for _, tt := range tests {
		got, err := Marshal(tt.msg)
		if err != nil {
			t.Fatal(err)
		}
		if hexs(got) != tt.want {
			t.Errorf("%s encodes as %s, want %s", tt.msg.MessageType(), hexs(got), tt.want)
		}
	}
}

func hexs(b []byte) string {
	const digits = "0123456789abcdef"
	out := make([]byte, 0, 2*len(b))
	for _, c := range b {
		out = append(out, digits[c>>4], digits[c&15])
	}
	return string(out)
}

func TestDecodeMessage_Rejects(t *testing.T) {
	tests := []struct {
		name string
		typ  MessageType
		body []byte
		want error
	}{
		{"unknown type", 0x40, []byte{0xa0}, ErrUnknownType},
		{"empty body", TypePing, nil, ErrMalformedBody},
		{"not a map", TypePing, []byte{0x01}, ErrMalformedBody},
		{"null", TypePing, []byte{0xf6}, ErrMalformedBody},
		{"trailing bytes", TypePing, []byte{0xa0, 0x00}, ErrMalformedBody},
		{"indefinite map", TypePing, []byte{0xbf, 0xff}, ErrMalformedBody},
		{"duplicate key", TypeAbort, []byte{0xa2, 0x66, 't', 'a', 'r', 'g', 'e', 't', 0x01, 0x66, 't', 'a', 'r', 'g', 'e', 't', 0x02}, ErrMalformedBody},
		{"wrong field type", TypeAbort, []byte{0xa1, 0x66, 't', 'a', 'r', 'g', 'e', 't', 0x61, 'x'}, ErrMalformedBody},
		{"short hash", execResponseType(), mustHex("a16a73746174655f726f6f744201" + "02"), ErrMalformedBody},
		{"tag", TypeQuery, []byte{0xa1, 0x64, 'a', 'r', 'g', 's', 0xc2, 0x41, 0x01}, ErrMalformedBody},
		{"invalid utf8", TypeQuery, []byte{0xa1, 0x66, 'm', 'e', 't', 'h', 'o', 'd', 0x61, 0xff}, ErrMalformedBody},
		{"truncated", TypeLocalGet, []byte{0xa1, 0x63, 'k', 'e', 'y', 0x45, 1}, ErrMalformedBody},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			_, err := DecodeMessage(tt.typ, tt.body)
			if !errors.Is(err, tt.want) {
				t.Fatalf("got %v, want %v", err, tt.want)
			}
		})
	}
}

func execResponseType() MessageType { return TypeExecuteTxBatch.Response() }

func mustHex(s string) []byte {
	out := make([]byte, len(s)/2)
	for i := range out {
		out[i] = unhex(s[2*i])<<4 | unhex(s[2*i+1])
	}
	return out
}

func unhex(c byte) byte {
	switch {
	case c >= '0' && c <= '9':
		return c - '0'
	default:
		return c - 'a' + 10
	}
}

func TestMessageType_String(t *testing.T) {
	tests := map[MessageType]string{
		TypePing:                      "Ping",
		TypePing.Response():           "PingResponse",
		TypeError:                     "Error",
		TypeStorageGet.Response():     "StorageGetResponse",
		MessageType(0x55):             "MessageType(0x55)",
		TypeExecuteTxBatch:            "ExecuteTxBatch",
		TypeConsensusQuery.Response(): "ConsensusQueryResponse",
	}
	for typ, want := range tests {
		if got := typ.String(); got != want {
			t.Errorf("%#x: got %q want %q", uint8(typ), got, want)
		}
	}
}

func TestVersion_Compatible(t *testing.T) {
	tests := []struct {
		a, b Version
		want bool
	}{
		{Version{1, 0, 0}, Version{1, 9, 9}, true},
		{Version{1, 0, 0}, Version{2, 0, 0}, false},
		{Version{0, 1, 0}, Version{1, 1, 0}, false},
	}
	for _, tt := range tests {
		if got := tt.a.Compatible(tt.b); got != tt.want {
			t.Errorf("%s vs %s: got %v", tt.a, tt.b, got)
		}
	}
}
