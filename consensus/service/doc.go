// Package service owns the contract between the consensus application and
// its services (registry, staking, scheduler, …): the execution Context a
// transaction or epoch hook runs in, the events it emits, and the Service
// interface the application dispatches to. It is a leaf: services import it,
// it imports no service.
package service
