// Package address owns the fixed addresses of the bridge's native programs
// and of the accounts everyone must agree on (state accounts at program
// addresses).
//
// A program's address is the first off-curve value of
// sha256("atoll bridge program" ‖ 0x00 ‖ name ‖ 0x00 ‖ i) for i = 0, 1, …,
// so nobody holds its private key; TestAddresses pins the results. The
// same program sits at the same address on every atoll network, so an
// application's remote router is its own program id on the other domain.
package address
