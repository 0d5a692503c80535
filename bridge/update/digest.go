package update

import (
	"encoding/binary"

	"github.com/atoll-dev/atoll/bridge/keccak"
)

// HomeDomainHash is Nomad's domain separator: keccak256(domain u32 BE || "NOMAD").
func HomeDomainHash(domain uint32) keccak.Hash {
	var b [4 + 5]byte
	binary.BigEndian.PutUint32(b[:], domain)
	copy(b[4:], "NOMAD")
	return keccak.Sum(b[:])
}
