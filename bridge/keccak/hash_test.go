package keccak

import (
	"errors"
	"testing"
)

func TestSum(t *testing.T) {
	tests := []struct {
		name  string
		parts [][]byte
		want  string
	}{
		{"empty", nil, "0xc5d2460186f7233c927e7db2dcc703c0e500b653ca82273b7bfad8045d85a470"},
		{"abc", [][]byte{[]byte("abc")}, "0x4e03657aea45a94fc7d47ba826c8d667c0d1e6e33a64a036ec44f58fa12d6c45"},
		{"abc in parts", [][]byte{[]byte("a"), nil, []byte("bc")}, "0x4e03657aea45a94fc7d47ba826c8d667c0d1e6e33a64a036ec44f58fa12d6c45"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if got := Sum(tt.parts...).String(); got != tt.want {
				t.Fatalf("Sum = %s, want %s", got, tt.want)
			}
		})
	}
}

func TestParseHash(t *testing.T) {
	h := Sum([]byte("x"))
	for _, s := range []string{h.String(), h.String()[2:]} {
		got, err := ParseHash(s)
		if err != nil || got != h {
			t.Fatalf("ParseHash(%q) = %v, %v", s, got, err)
		}
	}
	for _, bad := range []string{"", "0x12", "0xzz" + h.String()[6:], h.String() + "00"} {
		if _, err := ParseHash(bad); !errors.Is(err, ErrHex) {
			t.Fatalf("ParseHash(%q) err = %v, want ErrHex", bad, err)
		}
	}
}

func TestHash_IsZero(t *testing.T) {
	if !Zero.IsZero() || Sum().IsZero() {
		t.Fatal("IsZero wrong")
	}
}
