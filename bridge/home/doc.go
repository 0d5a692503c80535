// Package home owns the rules of a Home, the sending side of the bridge on
// one domain: dispatching messages into the message tree, the queue of roots
// awaiting an update, accepting quorum-signed updates, and the improper- and
// double-update fraud proofs that fail the Home and name the updaters whose
// bonds are to be slashed.
//
// It is a pure state machine, independent of the SVM: methods take inputs
// (including the already-verified authority of the caller) and return
// outputs; the native-program wrapper loads the state from account data,
// checks signers, moves lamports and writes logs. A method that returns an
// error has changed nothing. The package reads no clock and iterates no map
// in an order that reaches its outputs.
package home
