package canon

import (
	"bytes"
	"encoding/hex"
	"math"
	"testing"
)

func TestAppendHead_Layout(t *testing.T) {
	tests := []struct {
		major byte
		n     uint64
		want  string
	}{
		{MajorUint, 0, "00"},
		{MajorUint, 23, "17"},
		{MajorUint, 24, "1818"},
		{MajorBytes, 255, "58ff"},
		{MajorText, 256, "790100"},
		{MajorArray, 65535, "99ffff"},
		{MajorMap, 65536, "ba00010000"},
		{MajorUint, math.MaxUint32, "1affffffff"},
		{MajorUint, math.MaxUint32 + 1, "1b0000000100000000"},
	}
	for _, tt := range tests {
		got := AppendHead(nil, tt.major, tt.n)
		if hex.EncodeToString(got) != tt.want || HeadSize(tt.n) != len(got) {
			t.Errorf("head %d/%d: %x (size %d), want %s", tt.major>>5, tt.n, got, HeadSize(tt.n), tt.want)
		}
	}
}

func TestReader_RoundTrip(t *testing.T) {
	for _, v := range []int64{0, 1, 23, 24, -1, -24, -25, -256, -257, math.MinInt64, math.MaxInt64} {
		b := AppendInt(nil, v)
		r := NewReader(b)
		if got := r.Int(); got != v || !r.Done() || IntSize(v) != len(b) {
			t.Errorf("int %d: encoded %x, read %d (ok %v)", v, b, got, r.Done())
		}
	}
	b := AppendTexts(nil, []string{"", "a", "ünï"})
	b = AppendBytesList(b, [][]byte{nil, {1}})
	b = AppendBool(AppendBool(b, true), false)
	b = AppendUint(b, math.MaxUint32)
	r := NewReader(b)
	ss, bs, t1, f1, u := r.Texts(10), r.BytesList(10), r.Bool(), r.Bool(), r.Uint32()
	if !r.Done() || len(ss) != 3 || ss[2] != "ünï" || len(bs) != 2 || bs[0] == nil || !bytes.Equal(bs[1], []byte{1}) || !t1 || f1 || u != math.MaxUint32 {
		t.Fatalf("read back %q %x %v %v %d (ok %v)", ss, bs, t1, f1, u, r.Done())
	}
}

// TestReader_Refuses: everything outside the canonical subset fails the
// Reader, so the caller falls back to the reference decoder.
func TestReader_Refuses(t *testing.T) {
	keys := NewKeys("a", "b")
	tests := []struct {
		name string
		in   string
		read func(r *Reader)
	}{
		{"non-shortest uint", "1817", func(r *Reader) { r.Uint() }},
		{"non-shortest 16-bit", "1900ff", func(r *Reader) { r.Uint() }},
		{"non-shortest 64-bit", "1b00000000ffffffff", func(r *Reader) { r.Uint() }},
		{"indefinite bytes", "5f", func(r *Reader) { r.Bytes() }},
		{"reserved info", "1c", func(r *Reader) { r.Uint() }},
		{"truncated head", "19ff", func(r *Reader) { r.Uint() }},
		{"uint32 overflow", "1b0000000100000000", func(r *Reader) { r.Uint32() }},
		{"int overflow", "3b8000000000000000", func(r *Reader) { r.Int() }},
		{"wrong major", "40", func(r *Reader) { r.Uint() }},
		{"null bool", "f6", func(r *Reader) { r.Bool() }},
		{"truncated bytes", "4301", func(r *Reader) { r.Bytes() }},
		{"invalid utf-8", "61ff", func(r *Reader) { r.Text() }},
		{"fixed size", "4101", func(r *Reader) { r.Fixed(make([]byte, 2)) }},
		{"array longer than input", "9a00010000", func(r *Reader) { r.ArrayLen(1<<20, 1) }},
		{"array over the limit", "83010203", func(r *Reader) { r.ArrayLen(2, 1) }},
		{"map over the limit", "a3", func(r *Reader) { r.MapLen(2) }},
		{"unknown key", "6163", func(r *Reader) { n := 0; r.Key(keys, &n) }},
		{"key out of order", "61626161", func(r *Reader) { n := 0; r.Key(keys, &n); r.Key(keys, &n) }},
		{"repeated key", "61616161", func(r *Reader) { n := 0; r.Key(keys, &n); r.Key(keys, &n) }},
	}
	for _, tt := range tests {
		in, _ := hex.DecodeString(tt.in)
		r := NewReader(in)
		tt.read(&r)
		if r.OK() {
			t.Errorf("%s: %s accepted", tt.name, tt.in)
		}
	}
}

func TestNewKeys_Order(t *testing.T) {
	defer func() {
		if recover() == nil {
			t.Fatal("keys out of canonical order were accepted")
		}
	}()
	NewKeys("bb", "a")
}

// FuzzReader drives every read of a Reader over arbitrary input (the
// first byte picks the reads): nothing panics, and whatever it accepts
// re-encodes to the bytes it read.
func FuzzReader(f *testing.F) {
	f.Add([]byte{0, 0x18, 0x20})
	f.Add(append([]byte{1}, AppendTexts(nil, []string{"x"})...))
	f.Add(append([]byte{2}, AppendBytesList(nil, [][]byte{{1}})...))
	f.Fuzz(func(t *testing.T, in []byte) {
		if len(in) == 0 {
			return
		}
		r := NewReader(in[1:])
		var out []byte
		for r.OK() && !r.Done() {
			switch in[0] % 6 {
			case 0:
				out = AppendUint(out, r.Uint())
			case 1:
				out = AppendTexts(out, r.Texts(1<<10))
			case 2:
				out = AppendBytesList(out, r.BytesList(1<<10))
			case 3:
				out = AppendInt(out, r.Int())
			case 4:
				out = AppendBool(out, r.Bool())
			case 5:
				out = AppendBytes(out, r.Bytes())
			}
		}
		if r.Done() && !bytes.Equal(out, in[1:]) {
			t.Fatalf("accepted %x but re-encodes as %x", in[1:], out)
		}
	})
}
