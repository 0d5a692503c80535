package onchain

import (
	"errors"
	"fmt"
	"testing"
)

func TestErrorCodes_Code(t *testing.T) {
	errA, errB, errC := errors.New("a"), errors.New("b"), errors.New("c")
	codes := ErrorCodes{{errA, 1}, {errB, 2}, {errC, 2}}
	for _, tc := range []struct {
		name string
		err  error
		want uint32
	}{
		{"first", errA, 1},
		{"wrapped", fmt.Errorf("context: %w", errB), 2},
		{"shared code", errC, 2},
		{"both wrapped: the first entry wins", errors.Join(errC, errA), 1},
		{"unknown", errors.New("a"), 0},
		{"nil", nil, 0},
	} {
		if got := codes.Code(tc.err); got != tc.want {
			t.Errorf("%s: code %d, want %d", tc.name, got, tc.want)
		}
	}
}
