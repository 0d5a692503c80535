package onchain

import (
	"errors"
	"testing"

	"github.com/atoll-dev/atoll/bridge/internal/wire"
	"github.com/atoll-dev/atoll/bridge/update"
)

var errTest = errors.New("test: malformed")

func TestAppendAddresses(t *testing.T) {
	for _, n := range []int{0, 1, 3, 255} {
		as := make([]update.Address, n)
		for i := range as {
			as[i][0], as[i][19] = byte(i), byte(n)
		}
		b, ok := AppendAddresses([]byte{9}, as)
		if !ok || len(b) != 2+20*n || b[0] != 9 {
			t.Fatalf("%d addresses: %x, %v", n, b, ok)
		}
		r := wire.NewReader(b[1:], errTest)
		got := ReadAddresses(r)
		if err := r.Finish(); err != nil || len(got) != n {
			t.Fatalf("%d addresses read back as %d: %v", n, len(got), err)
		}
		for i := range got {
			if got[i] != as[i] {
				t.Fatalf("address %d of %d differs", i, n)
			}
		}
	}
	if _, ok := AppendAddresses(nil, make([]update.Address, 256)); ok {
		t.Fatal("256 addresses encoded")
	}
	r := wire.NewReader([]byte{2, 1, 2, 3}, errTest)
	ReadAddresses(r)
	if err := r.Finish(); !errors.Is(err, errTest) {
		t.Fatalf("a truncated list read: %v", err)
	}
}
