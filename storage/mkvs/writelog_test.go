package mkvs

import (
	"errors"
	"testing"
)

func TestWriteLog_RoundTrip(t *testing.T) {
	tests := []struct {
		name string
		wl   WriteLog
	}{
		{"empty", WriteLog{}},
		{"set and delete", WriteLog{{Key: []byte(""), Value: []byte{}}, {Key: []byte("a"), Deleted: true}, {Key: []byte("b"), Value: []byte("2")}}},
		{"largest key", WriteLog{{Key: make([]byte, MaxKeySize), Value: []byte("v")}}},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			b, err := tc.wl.MarshalBinary()
			if err != nil {
				t.Fatal(err)
			}
			var got WriteLog
			if err := got.UnmarshalBinary(b); err != nil {
				t.Fatal(err)
			}
			if !equalLogs(got, tc.wl) {
				t.Fatalf("round trip: %v, want %v", got, tc.wl)
			}
		})
	}
}

func TestWriteLog_Rejects(t *testing.T) {
	good, _ := WriteLog{{Key: []byte("a"), Value: []byte("1")}, {Key: []byte("b"), Deleted: true}}.MarshalBinary()
	tests := []struct {
		name string
		b    []byte
	}{
		{"empty", nil},
		{"bad version", append([]byte{2}, good[1:]...)},
		{"truncated", good[:len(good)-1]},
		{"trailing", append(append([]byte(nil), good...), 0)},
		{"count too large", []byte{1, 0, 0, 0, 9, 0, 0, 0, 0, 0}},
		{"unsorted", func() []byte {
			b, _ := WriteLog{{Key: []byte("b"), Deleted: true}}.MarshalBinary()
			b2, _ := WriteLog{{Key: []byte("a"), Deleted: true}}.MarshalBinary()
			return append([]byte{1, 0, 0, 0, 2}, append(b[5:], b2[5:]...)...)
		}()},
		{"unknown kind", []byte{1, 0, 0, 0, 1, 0, 0, 0, 1, 'a', 7}},
		{"key too long", []byte{1, 0, 0, 0, 1, 0, 0, 0xff, 0xff}},
	}
	for _, tc := range tests {
		var wl WriteLog
		if err := wl.UnmarshalBinary(tc.b); !errors.Is(err, ErrMalformedLog) {
			t.Errorf("%s: %v, want ErrMalformedLog", tc.name, err)
		}
	}
	if _, err := (WriteLog{{Key: []byte("b")}, {Key: []byte("a")}}).MarshalBinary(); !errors.Is(err, ErrMalformedLog) {
		t.Errorf("marshal unsorted: %v", err)
	}
	if _, err := (WriteLog{{Key: []byte("a"), Value: []byte("x"), Deleted: true}}).MarshalBinary(); !errors.Is(err, ErrMalformedLog) {
		t.Errorf("marshal deletion with value: %v", err)
	}
}
