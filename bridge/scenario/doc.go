// Package scenario holds the bridge's attack and delivery scenarios played
// across the pure state machines of both chains: a Home on domain 1000, a
// Replica of it and a connection manager on domain 2000, with updaters and
// watchers acting as the agents would. It has no code of its own outside
// its tests; the SVM-level versions of these scenarios build on it.
package scenario
