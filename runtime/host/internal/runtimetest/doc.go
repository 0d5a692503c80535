// Package runtimetest prepares what the runtime host's tests run: the test
// runtime (runtime/host/testdata/testruntime) built into a temporary
// directory, and a copy of the test binary beside it to serve as the
// sandbox's trampoline. It is imported only by tests.
package runtimetest
