// Package epochtime owns the consensus layer's clock: epochs of a
// configurable number of blocks. The application asks it, at the end of each
// block, whether the block closes an epoch; if so every service's epoch hook
// runs in the application's fixed order. Time is block height only, never
// wall-clock time. A governance change of the interval takes effect from the
// next transition.
package epochtime
