// Package connmgr owns the rules of a connection manager: which Replica
// account serves each remote domain on this chain, which watchers may act
// for which domain, and unenrolment of a Replica on a watcher's signed
// failure notification (Nomad's digest).
//
// Applications trust a message only if it arrives from an enrolled Replica,
// so unenrolment cuts off an updater-compromised domain before its roots
// confirm. It is a pure state machine, independent of the SVM; the wrapper
// verifies the owner's signature and reads the Replica's updater set.
package connmgr
