// Package wire owns bounds-checked reading of the bridge's canonical state
// encodings, so that every decoder of account data fails with its own
// sentinel error instead of panicking on short input.
package wire
