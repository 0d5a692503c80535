//go:build race

package mkvs

// raceEnabled shrinks the randomized tests under the race detector, which
// runs them for the concurrency checks, not for more coverage.
const raceEnabled = true
