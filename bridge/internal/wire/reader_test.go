package wire

import (
	"errors"
	"testing"
)

var errTest = errors.New("test: malformed")

func TestReader(t *testing.T) {
	tests := []struct {
		name    string
		in      []byte
		read    func(r *Reader)
		wantErr bool
	}{
		{"exact", []byte{1, 0, 0, 0, 2, 9}, func(r *Reader) { r.Bool(); r.U32(); r.Byte() }, false},
		{"short u32", []byte{0, 0, 1}, func(r *Reader) { r.U32() }, true},
		{"short u64", make([]byte, 7), func(r *Reader) { r.U64() }, true},
		{"bad bool", []byte{2}, func(r *Reader) { r.Bool() }, true},
		{"trailing", []byte{1, 2}, func(r *Reader) { r.Byte() }, true},
		{"count too large", []byte{0, 0, 0, 3, 1, 1}, func(r *Reader) { r.Count(1) }, true},
		{"count fits", []byte{0, 0, 0, 2, 1, 1}, func(r *Reader) { r.Bytes(r.Count(1)) }, false},
		{"reads after failure stay safe", []byte{1}, func(r *Reader) { r.U64(); r.U32(); r.Bytes(100); r.Count(8) }, true},
		{"negative length", []byte{1}, func(r *Reader) { r.Bytes(-1) }, true},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			r := NewReader(tt.in, errTest)
			tt.read(r)
			err := r.Finish()
			if (err != nil) != tt.wantErr {
				t.Fatalf("err = %v, want error %v", err, tt.wantErr)
			}
			if err != nil && !errors.Is(err, errTest) {
				t.Fatalf("error %v does not wrap the sentinel", err)
			}
		})
	}
}
