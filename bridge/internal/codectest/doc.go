// Package codectest owns the checks the bridge's tests hold every wire
// format to: encoded samples decode and re-encode to the same bytes, and
// anything a decoder accepts (fuzzed input included) re-encodes to itself,
// so each value has one encoding. It is for tests only.
package codectest
