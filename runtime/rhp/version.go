package rhp

import "fmt"

// Version is a protocol or runtime version. Two protocol versions are
// compatible when their major numbers are equal; minor versions only add
// message fields or message types that a peer may ignore.
type Version struct {
	Major uint16 `cbor:"major"`
	Minor uint16 `cbor:"minor"`
	Patch uint16 `cbor:"patch"`
}

// ProtocolVersion is the version of the protocol this package speaks.
var ProtocolVersion = Version{Major: 1, Minor: 0, Patch: 0}

// String renders the version as major.minor.patch.
func (v Version) String() string { return fmt.Sprintf("%d.%d.%d", v.Major, v.Minor, v.Patch) }

// Compatible reports whether peers speaking v and o understand each other.
func (v Version) Compatible(o Version) bool { return v.Major == o.Major }
