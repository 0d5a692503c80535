package mkvs

import (
	"encoding/binary"
	"fmt"
	"math"
)

// A stale list is the value of a stale-list record: the nodes one commit
// took out of a tree, as runs of consecutive sequence numbers:
//
//	run*:  node id (13: version u64 BE | type u8 | seq u32 BE) | count u32 BE
//
// A run names nodes seq .. seq+count-1 of the id's version and type:
// count >= 1, and a run of more than one node ends below seq 2^32-1 (so
// that its end, seq+count, is a sequence number too). One record per node, as older stores
// wrote them, cost Pebble a key each through the memtable, flushes and
// compactions: a busy round replaces tens of thousands of nodes, and the
// IO tree it replaces whole is one run.
const staleRunSize = nodeIDSize + 4

// staleRunsPerChunk bounds a record's value (about 70 KB).
const staleRunsPerChunk = 4096

// staleRun is count nodes from first.
type staleRun struct {
	first nodeID
	count uint32
}

// staleRuns merges ids, in their order, into runs of consecutive ids.
func staleRuns(ids []nodeID) []staleRun {
	var runs []staleRun
	for _, id := range ids {
		if n := len(runs); n > 0 {
			r := &runs[n-1]
			if next := r.first.seq + r.count; r.first.version == id.version && r.first.typ == id.typ &&
				next == id.seq && next < math.MaxUint32 {
				r.count++
				continue
			}
		}
		runs = append(runs, staleRun{first: id, count: 1})
	}
	return runs
}

func appendStaleRuns(b []byte, runs []staleRun) []byte {
	for _, r := range runs {
		b = r.first.append(b)
		b = binary.BigEndian.AppendUint32(b, r.count)
	}
	return b
}

// decodeStaleRuns decodes a stale list, rejecting what appendStaleRuns
// would not write.
func decodeStaleRuns(b []byte) ([]staleRun, error) {
	if len(b)%staleRunSize != 0 {
		return nil, fmt.Errorf("%w: stale list of %d bytes", ErrCorrupt, len(b))
	}
	runs := make([]staleRun, 0, len(b)/staleRunSize)
	for ; len(b) > 0; b = b[staleRunSize:] {
		r := staleRun{first: decodeNodeID(b), count: binary.BigEndian.Uint32(b[nodeIDSize:])}
		end := uint64(r.first.seq) + uint64(r.count)
		if !r.first.typ.valid() || r.count == 0 || (r.count > 1 && end > math.MaxUint32) || end > math.MaxUint32+1 {
			return nil, fmt.Errorf("%w: stale run %v+%d", ErrCorrupt, r.first, r.count)
		}
		runs = append(runs, r)
	}
	return runs, nil
}
