// Package connmgr owns the connection manager native program: the SVM
// wrapper of the pure bridge/connmgr state machine at address.ConnMgr, with
// its state in one fixed-capacity account at the program address
// ["manager"] (address.Manager), which recipients read to check that a
// handle call comes from the Replica enrolled for the message's origin.
//
// The owner enrols and unenrols Replicas and grants watchers the right to
// unenroll; anyone may submit a watcher's signed failure notification
// (Nomad's digest), which unenrolls the Replica of its home domain if the
// watcher is permitted there and the notification names one of that
// Replica's updaters.
package connmgr
