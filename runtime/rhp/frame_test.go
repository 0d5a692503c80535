package rhp

import (
	"bytes"
	"encoding/binary"
	"errors"
	"io"
	"testing"
)

func TestFrame_RoundTrip(t *testing.T) {
	var stream []byte
	msgs := sampleMessages()
	for i, m := range msgs {
		var err error
		stream, err = AppendFrame(stream, uint64(i+1)<<40, m, DefaultMaxFrameSize)
		if err != nil {
			t.Fatal(err)
		}
	}
	r := bytes.NewReader(stream)
	for i, m := range msgs {
		f, err := ReadFrame(r, DefaultMaxFrameSize)
		if err != nil {
			t.Fatalf("frame %d: %v", i, err)
		}
		if f.ID != uint64(i+1)<<40 || f.Type != m.MessageType() {
			t.Fatalf("frame %d: id %d type %s", i, f.ID, f.Type)
		}
		body, err := Marshal(m)
		if err != nil {
			t.Fatal(err)
		}
		if !bytes.Equal(f.Body, body) {
			t.Fatalf("frame %d: body %x, want %x", i, f.Body, body)
		}
	}
	if _, err := ReadFrame(r, DefaultMaxFrameSize); err != io.EOF {
		t.Fatalf("after the last frame: %v, want io.EOF", err)
	}
}

// TestFrame_Layout pins the bytes of one whole frame.
func TestFrame_Layout(t *testing.T) {
	got, err := AppendFrame(nil, 7, &Ping{}, DefaultMaxFrameSize)
	if err != nil {
		t.Fatal(err)
	}
	// length 4, array(3), id 7, type 3, empty map
	want := []byte{0, 0, 0, 4, 0x83, 0x07, 0x03, 0xa0}
	if !bytes.Equal(got, want) {
		t.Fatalf("got %x want %x", got, want)
	}
}

func TestAppendFrame_TooLarge(t *testing.T) {
	prefix := []byte("keep")
	out, err := AppendFrame(prefix, 1, &QueryResponse{Data: make([]byte, 100)}, 64)
	if !errors.Is(err, ErrFrameTooLarge) {
		t.Fatalf("got %v", err)
	}
	if string(out) != "keep" {
		t.Fatalf("dst changed to %q", out)
	}
}

func lengthPrefixed(body []byte) []byte {
	out := binary.BigEndian.AppendUint32(nil, uint32(len(body)))
	return append(out, body...)
}

func TestReadFrame_Rejects(t *testing.T) {
	tests := []struct {
		name  string
		input []byte
		want  error
	}{
		{"empty frame", []byte{0, 0, 0, 0}, ErrMalformedFrame},
		{"huge length", []byte{0xff, 0xff, 0xff, 0xff}, ErrFrameTooLarge},
		{"over the limit by one", binary.BigEndian.AppendUint32(nil, 1025), ErrFrameTooLarge},
		{"truncated prefix", []byte{0, 0}, ErrMalformedFrame},
		{"truncated body", []byte{0, 0, 0, 9, 0x83}, ErrMalformedFrame},
		{"not an array", lengthPrefixed([]byte{0xa0}), ErrMalformedFrame},
		{"array of 2", lengthPrefixed([]byte{0x82, 0x01, 0x03}), ErrMalformedFrame},
		{"id not uint", lengthPrefixed([]byte{0x83, 0x20, 0x03, 0xa0}), ErrMalformedFrame},
		{"type over 255", lengthPrefixed([]byte{0x83, 0x01, 0x19, 0x01, 0x00, 0xa0}), ErrMalformedFrame},
		{"trailing bytes", lengthPrefixed([]byte{0x83, 0x01, 0x03, 0xa0, 0x00}), ErrMalformedFrame},
		{"garbage", lengthPrefixed([]byte("GET / HTTP/1.1\r\n")), ErrMalformedFrame},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			_, err := ReadFrame(bytes.NewReader(tt.input), 1024)
			if !errors.Is(err, tt.want) {
				t.Fatalf("got %v, want %v", err, tt.want)
			}
		})
	}
}

// FuzzReadFrame feeds arbitrary streams to the frame reader and each frame's
// body to its decoder: nothing may panic, and every accepted frame must
// re-encode to an envelope the reader accepts again.
func FuzzReadFrame(f *testing.F) {
	for _, m := range sampleMessages() {
		frame, err := AppendFrame(nil, 3, m, DefaultMaxFrameSize)
		if err != nil {
			f.Fatal(err)
		}
		f.Add(frame)
	}
	f.Add([]byte{0xff, 0xff, 0xff, 0xff})
	f.Add([]byte{0, 0, 0, 4, 0x83, 0x07, 0x03, 0xa0, 0, 0, 0})
	f.Fuzz(func(t *testing.T, data []byte) {
		r := bytes.NewReader(data)
		for {
			fr, err := ReadFrame(r, 1<<16)
			if err != nil {
				return
			}
			m, err := DecodeMessage(fr.Type, fr.Body)
			if err != nil {
				continue
			}
			out, err := AppendFrame(nil, fr.ID, m, 1<<20)
			if err != nil {
				t.Fatalf("decoded %s does not re-encode: %v", fr.Type, err)
			}
			if _, err := ReadFrame(bytes.NewReader(out), 1<<20); err != nil {
				t.Fatalf("re-encoded %s does not read back: %v", fr.Type, err)
			}
		}
	})
}

// FuzzDecodeMessage drives every body decoder (the first byte picks the
// message type): none may panic, and an accepted body must survive an
// encode/decode/encode cycle with identical bytes.
func FuzzDecodeMessage(f *testing.F) {
	for _, m := range sampleMessages() {
		body, err := Marshal(m)
		if err != nil {
			f.Fatal(err)
		}
		f.Add(uint8(m.MessageType()), body)
	}
	f.Fuzz(func(t *testing.T, typ uint8, body []byte) {
		m, err := DecodeMessage(MessageType(typ), body)
		if err != nil {
			return
		}
		enc, err := Marshal(m)
		if err != nil {
			t.Fatalf("%s decodes but does not encode: %v", MessageType(typ), err)
		}
		m2, err := DecodeMessage(MessageType(typ), enc)
		if err != nil {
			t.Fatalf("%s: canonical re-encoding does not decode: %v", MessageType(typ), err)
		}
		enc2, err := Marshal(m2)
		if err != nil || !bytes.Equal(enc, enc2) {
			t.Fatalf("%s: encoding not stable: %x vs %x (%v)", MessageType(typ), enc, enc2, err)
		}
	})
}
