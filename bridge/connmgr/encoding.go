package connmgr

import (
	"encoding/binary"
	"maps"
	"slices"

	"github.com/atoll-dev/atoll/bridge/internal/wire"
	"github.com/atoll-dev/atoll/bridge/update"
	"github.com/atoll-dev/atoll/runtime/svm/sol"
)

const stateVersion = 1

// MarshalBinary encodes the manager canonically:
//
//	offset  size  field
//	     0     1  version (1)
//	     1     4  localDomain, uint32 big-endian
//	     5    32  owner
//	    37     4  n, number of enrolled replicas
//	    41  36×n  n × (domain u32, replica pubkey 32), domains ascending
//	     …     4  m, number of watcher permissions
//	     …  24×m  m × (watcher address 20, domain u32), ascending by (watcher, domain)
func (m *Manager) MarshalBinary() ([]byte, error) {
	b := make([]byte, 0, 45+36*len(m.replicas)+24*len(m.watchers))
	b = append(b, stateVersion)
	b = binary.BigEndian.AppendUint32(b, m.localDomain)
	b = append(b, m.owner[:]...)
	b = binary.BigEndian.AppendUint32(b, uint32(len(m.replicas)))
	for _, d := range slices.Sorted(maps.Keys(m.replicas)) {
		r := m.replicas[d]
		b = binary.BigEndian.AppendUint32(b, d)
		b = append(b, r[:]...)
	}
	b = binary.BigEndian.AppendUint32(b, uint32(len(m.watchers)))
	for _, k := range slices.SortedFunc(maps.Keys(m.watchers), compareWatcherKeys) {
		b = append(b, k.watcher[:]...)
		b = binary.BigEndian.AppendUint32(b, k.domain)
	}
	return b, nil
}

// UnmarshalBinary decodes MarshalBinary's form, rejecting unsorted or
// duplicate entries, zero keys, a replica enrolled twice or for the local
// domain, and trailing bytes. On error m is unchanged.
func (m *Manager) UnmarshalBinary(b []byte) error {
	r := wire.NewReader(b, ErrEncoding)
	if v := r.Byte(); v != stateVersion {
		r.Fail("version %d", v)
	}
	out := Manager{localDomain: r.U32(), replicas: map[uint32]sol.Pubkey{}, watchers: map[watcherKey]struct{}{}}
	copy(out.owner[:], r.Bytes(32))
	if r.Err() == nil && out.owner.IsZero() {
		r.Fail("zero owner")
	}
	n := r.Count(36)
	seen := map[sol.Pubkey]bool{}
	var prevDomain uint32
	for i := 0; i < n && r.Err() == nil; i++ {
		d := r.U32()
		var rep sol.Pubkey
		copy(rep[:], r.Bytes(32))
		switch {
		case i > 0 && d <= prevDomain:
			r.Fail("replicas not strictly ascending")
		case rep.IsZero() || seen[rep] || d == out.localDomain:
			r.Fail("invalid replica entry for domain %d", d)
		}
		seen[rep] = true
		out.replicas[d] = rep
		prevDomain = d
	}
	k := r.Count(24)
	var prev watcherKey
	for i := 0; i < k && r.Err() == nil; i++ {
		var w watcherKey
		copy(w.watcher[:], r.Bytes(update.AddressSize))
		w.domain = r.U32()
		if i > 0 && compareWatcherKeys(prev, w) >= 0 {
			r.Fail("watchers not strictly ascending")
		}
		out.watchers[w] = struct{}{}
		prev = w
	}
	if err := r.Finish(); err != nil {
		return err
	}
	*m = out
	return nil
}
