// Package chaintest owns the test chains of the bridge programs' tests: an
// svm.Executor over a MapStore with the bridge programs registered, driven
// one slot per transaction with a controllable Clock, the way a node drives
// the runtime. It is for tests only.
package chaintest
