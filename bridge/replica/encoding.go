package replica

import (
	"encoding/binary"
	"fmt"

	"github.com/atoll-dev/atoll/bridge/internal/wire"
	"github.com/atoll-dev/atoll/bridge/update"
)

const stateVersion = 1

// MarshalBinary encodes the Replica canonically:
//
//	offset  size  field
//	     0     1  version (1)
//	     1     1  halted (0 or 1)
//	     2     4  localDomain, uint32 big-endian
//	     6     4  remoteDomain, uint32 big-endian
//	    10    32  owner
//	    42     8  optimisticSeconds, uint64 big-endian
//	    50    32  committedRoot, never 0x0
//	    82     v  updater set (update.UpdaterSet encoding)
func (r *Replica) MarshalBinary() ([]byte, error) {
	b := make([]byte, 0, 82+r.updaters.Size())
	halted := byte(0)
	if r.halted {
		halted = 1
	}
	b = append(b, stateVersion, halted)
	b = binary.BigEndian.AppendUint32(b, r.localDomain)
	b = binary.BigEndian.AppendUint32(b, r.remoteDomain)
	b = append(b, r.owner[:]...)
	b = binary.BigEndian.AppendUint64(b, r.optimisticSeconds)
	b = append(b, r.committedRoot[:]...)
	return r.updaters.AppendBinary(b)
}

// UnmarshalBinary decodes MarshalBinary's form. It refuses a zero committed
// root, so no upgrade or hand-written account can reintroduce the state
// the 2022 exploit started from. On error r is unchanged.
func (r *Replica) UnmarshalBinary(b []byte) error {
	rd := wire.NewReader(b, ErrEncoding)
	var out Replica
	if v := rd.Byte(); v != stateVersion {
		rd.Fail("version %d", v)
	}
	out.halted = rd.Bool()
	out.localDomain = rd.U32()
	out.remoteDomain = rd.U32()
	copy(out.owner[:], rd.Bytes(32))
	out.optimisticSeconds = rd.U64()
	copy(out.committedRoot[:], rd.Bytes(32))
	if rd.Err() != nil {
		return rd.Err()
	}
	switch {
	case out.committedRoot.IsZero():
		return fmt.Errorf("%w: zero committed root", ErrEncoding)
	case out.owner.IsZero():
		return fmt.Errorf("%w: zero owner", ErrEncoding)
	case out.localDomain == out.remoteDomain:
		return fmt.Errorf("%w: local and remote domain are equal", ErrEncoding)
	}
	set, n, err := update.DecodeUpdaterSet(rd.Rest())
	if err != nil {
		return fmt.Errorf("%w: %v", ErrEncoding, err)
	}
	out.updaters = set
	rd.Skip(n)
	if err := rd.Finish(); err != nil {
		return err
	}
	*r = out
	return nil
}
