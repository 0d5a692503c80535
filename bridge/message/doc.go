// Package message owns the Nomad message format: the bytes a Home commits to
// in its Merkle tree and a Replica proves and delivers.
//
// A message is the same on every chain; its keccak256 is the tree leaf, so a
// single byte of difference in encoding would make every proof fail. The
// package is pure: it performs no I/O and keeps no state.
package message
