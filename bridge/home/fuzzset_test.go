package home

import (
	"github.com/atoll-dev/atoll/bridge/internal/testkeys"
	"github.com/atoll-dev/atoll/bridge/update"
)

func mustFuzzSet() update.UpdaterSet {
	s, err := update.NewUpdaterSet([]update.Address{testkeys.Addr(1), testkeys.Addr(2), testkeys.Addr(3)}, 2)
	if err != nil {
		panic(err)
	}
	return s
}
