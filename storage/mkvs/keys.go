package mkvs

import "encoding/binary"

// Database key layout. Every key starts with a one-byte table prefix;
// integers are big-endian so that keys sort by version.
//
//	'm'                                  → metadata (see store.go)
//	'e' | type                           → earliest retained version, u64 BE
//	'r' | type | version                 → root record: hash | root node id
//	'n' | version | type | seq           → stored node (see node.go)
//	's' | type | stale-since | chunk u32 → stale list (below): nodes that left the tree at stale-since
//	's' | type | stale-since | node id   → empty; the node left the tree at stale-since (older
//	                                       stores; still pruned, no longer written)
const (
	prefixMeta     = 'm'
	prefixEarliest = 'e'
	prefixRoot     = 'r'
	prefixNode     = 'n'
	prefixStale    = 's'
)

func metaKey() []byte { return []byte{prefixMeta} }

func earliestKey(t RootType) []byte { return []byte{prefixEarliest, byte(t)} }

func rootKey(t RootType, version uint64) []byte {
	return binary.BigEndian.AppendUint64([]byte{prefixRoot, byte(t)}, version)
}

func nodeKey(id nodeID) []byte {
	return id.append(append(make([]byte, 0, 1+nodeIDSize), prefixNode))
}

// staleListKey names chunk i of the nodes that left type t's tree at since.
func staleListKey(t RootType, since uint64, chunk uint32) []byte {
	b := make([]byte, 0, staleListKeySize)
	b = append(b, prefixStale, byte(t))
	b = binary.BigEndian.AppendUint64(b, since)
	return binary.BigEndian.AppendUint32(b, chunk)
}

const (
	staleListKeySize = 2 + 8 + 4
	staleKeySize     = 2 + 8 + nodeIDSize
)

// staleKey is the key of an older store's one-node stale record.
func staleKey(t RootType, since uint64, id nodeID) []byte {
	b := make([]byte, 0, 2+8+nodeIDSize)
	b = append(b, prefixStale, byte(t))
	b = binary.BigEndian.AppendUint64(b, since)
	return id.append(b)
}

// rootRecord is the value under a root key:
//
//	hash (32) | root node id (13; all zero for the empty tree)
const rootRecordSize = HashSize + nodeIDSize
