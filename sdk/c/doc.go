// Package csdk owns atoll's C SDK for sBPF programs: atoll.h declares the
// entrypoint input deserializer, the syscalls and small helpers, so a
// program built with stock clang reads naturally. The header is embedded so
// `atoll program build` works from the binary alone.
package csdk

import _ "embed"

// Header is the content of atoll.h.
//
//go:embed atoll.h
var Header []byte
