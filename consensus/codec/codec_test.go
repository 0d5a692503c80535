package codec

import (
	"errors"
	"testing"
)

type sample struct {
	A uint64            `cbor:"a"`
	B map[string]uint64 `cbor:"b"`
}

func TestMarshal_Canonical(t *testing.T) {
	v := sample{A: 1, B: map[string]uint64{"zz": 1, "a": 2, "mm": 3}}
	first := Marshal(v)
	for i := 0; i < 20; i++ {
		if string(Marshal(v)) != string(first) {
			t.Fatal("map encoding depends on iteration order")
		}
	}
	var back sample
	if err := Unmarshal(first, &back); err != nil || back.B["mm"] != 3 {
		t.Fatalf("round trip: %+v %v", back, err)
	}
}

func TestUnmarshal_Strict(t *testing.T) {
	cases := map[string][]byte{
		"unknown field":  Marshal(map[string]uint64{"a": 1, "zzz": 2}),
		"duplicate key":  {0xa2, 0x61, 'a', 0x01, 0x61, 'a', 0x02},
		"indefinite map": {0xbf, 0x61, 'a', 0x01, 0xff},
		"trailing":       append(Marshal(sample{}), 0),
		"tag":            {0xc1, 0x01},
	}
	for name, data := range cases {
		var s sample
		if err := Unmarshal(data, &s); !errors.Is(err, ErrDecode) {
			t.Errorf("%s: %v", name, err)
		}
	}
}
