// Package programs owns the registration of the bridge's native programs
// (Home, Replica, connection manager, token and token bridge) with an SVM
// executor, under the fixed addresses of package address and the network's
// genesis parameters.
package programs
