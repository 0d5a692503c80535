// Package nomadvectors owns locating and decoding the public Nomad test
// vectors that the bridge packages must reproduce.
//
// The vectors are never copied into the repository: they live in
// ../shared/vectors/nomad beside the checkout (see its README for the quirks),
// and Dir finds them by walking up from the test's package directory to the
// repository root.
package nomadvectors
