package address

import (
	"testing"

	"github.com/atoll-dev/atoll/runtime/svm/sol"
)

func TestAddresses(t *testing.T) {
	for _, tc := range []struct {
		name string
		got  sol.Pubkey
		want string
	}{
		{"home", Home, "FWjYDwnybyodux4kHX8uYLCQXhMUYrUVdU9zqmepXaaj"},
		{"replica", Replica, "BoaAhjaxf23jfTeZMy98J3HrQcZop4oTDYoUUDq462d7"},
		{"connmgr", ConnMgr, "FmcPEhQQHdzVjgXAitMVNbGPaiUtBGmEAhPCArJ5wCtq"},
		{"token", Token, "DYeCJQ3hHQZhqmfV9rvyLecATfur5KUFykb3zy6uyRz7"},
		{"token bridge", TokenBridge, "BfXGacbtyrNWVtzmW8VNsRbABheFsaKU9AUA8cPYCGgd"},
	} {
		if tc.got.IsOnCurve() {
			t.Errorf("%s: %s is on the curve", tc.name, tc.got)
		}
		if tc.got.String() != tc.want {
			t.Errorf("%s: got %s, want %s", tc.name, tc.got, tc.want)
		}
	}
}
