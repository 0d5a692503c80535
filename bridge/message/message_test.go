package message

import (
	"bytes"
	"errors"
	"testing"

	"github.com/atoll-dev/atoll/bridge/internal/nomadvectors"
	"github.com/atoll-dev/atoll/bridge/keccak"
)

func sample(body []byte) Message {
	return Message{
		Origin:      1000,
		Sender:      keccak.Sum([]byte("sender")),
		Nonce:       7,
		Destination: 2000,
		Recipient:   keccak.Sum([]byte("recipient")),
		Body:        body,
	}
}

func TestMessage_Encode(t *testing.T) {
	tests := []struct {
		name    string
		body    []byte
		wantErr error
	}{
		{"empty body", nil, nil},
		{"small body", []byte{1, 2, 3}, nil},
		{"max body", bytes.Repeat([]byte{9}, MaxBodySize), nil},
		{"body one too long", bytes.Repeat([]byte{9}, MaxBodySize+1), ErrBodyTooLong},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			m := sample(tt.body)
			b, err := m.Encode()
			if !errors.Is(err, tt.wantErr) {
				t.Fatalf("Encode err = %v, want %v", err, tt.wantErr)
			}
			if err != nil {
				return
			}
			if len(b) != HeaderSize+len(tt.body) {
				t.Fatalf("len = %d", len(b))
			}
			got, err := Decode(b)
			if err != nil {
				t.Fatalf("Decode: %v", err)
			}
			if got.Origin != m.Origin || got.Sender != m.Sender || got.Nonce != m.Nonce ||
				got.Destination != m.Destination || got.Recipient != m.Recipient || !bytes.Equal(got.Body, m.Body) {
				t.Fatalf("round trip: got %+v, want %+v", got, m)
			}
			b[HeaderSize-1] ^= 1
			if got.Recipient != m.Recipient {
				t.Fatal("Decode aliases its input")
			}
		})
	}
}

func TestDecode(t *testing.T) {
	tests := []struct {
		name    string
		len     int
		wantErr error
	}{
		{"empty", 0, ErrTooShort},
		{"header minus one", HeaderSize - 1, ErrTooShort},
		{"header only", HeaderSize, nil},
		{"max", MaxSize, nil},
		{"max plus one", MaxSize + 1, ErrBodyTooLong},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if _, err := Decode(make([]byte, tt.len)); !errors.Is(err, tt.wantErr) {
				t.Fatalf("err = %v, want %v", err, tt.wantErr)
			}
		})
	}
}

func TestMessage_Leaf_vectors(t *testing.T) {
	var cases []nomadvectors.Message
	nomadvectors.Load(t, "message.json", &cases)
	if len(cases) == 0 {
		t.Fatal("no vectors")
	}
	for _, c := range cases {
		m := Message{Origin: c.Origin, Nonce: c.Nonce, Destination: c.Destination}
		var err error
		if m.Sender, err = keccak.ParseHash(c.Sender); err != nil {
			t.Fatal(err)
		}
		if m.Recipient, err = keccak.ParseHash(c.Recipient); err != nil {
			t.Fatal(err)
		}
		for _, v := range c.Body {
			m.Body = append(m.Body, byte(v))
		}
		leaf, err := m.Leaf()
		if err != nil {
			t.Fatal(err)
		}
		if leaf.String() != c.MessageHash {
			t.Fatalf("leaf = %s, want %s", leaf, c.MessageHash)
		}
		b, _ := m.Encode()
		if Leaf(b) != leaf {
			t.Fatal("Leaf(bytes) disagrees with Message.Leaf")
		}
	}
}

func TestDecode_proveAndProcessVector(t *testing.T) {
	var cases []nomadvectors.ProveAndProcess
	nomadvectors.Load(t, "proveAndProcess.json", &cases)
	for _, c := range cases {
		raw := make([]byte, (len(c.Message)-2)/2)
		if err := keccak.DecodeHex(c.Message, raw); err != nil {
			t.Fatal(err)
		}
		m, err := Decode(raw)
		if err != nil {
			t.Fatal(err)
		}
		if m.Origin != 1000 || m.Destination != 2000 || m.Nonce != 0 {
			t.Fatalf("decoded %+v", m)
		}
		if Leaf(raw).String() != c.Leaf {
			t.Fatalf("leaf = %s, want %s", Leaf(raw), c.Leaf)
		}
		again, _ := m.Encode()
		if !bytes.Equal(again, raw) {
			t.Fatal("re-encoding differs")
		}
	}
}

func TestDestinationAndNonce_vectors(t *testing.T) {
	var cases []nomadvectors.DestinationNonce
	nomadvectors.Load(t, "destinationNonce.json", &cases)
	if len(cases) == 0 {
		t.Fatal("no vectors")
	}
	for _, c := range cases {
		if got := DestinationAndNonce(c.Destination, c.Nonce); got != c.Expected {
			t.Fatalf("DestinationAndNonce(%d, %d) = %d, want %d", c.Destination, c.Nonce, got, c.Expected)
		}
	}
}
