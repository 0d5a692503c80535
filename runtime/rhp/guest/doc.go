// Package guest owns the runtime's side of the Runtime Host Protocol: it
// serves the host's requests on the inherited socket, answers the handshake,
// pings, aborts and shutdown itself, dispatches the rest to a Handler, and
// gives the runtime a Host to call back into (storage reads, consensus
// queries, local storage).
//
// A runtime binary does:
//
//	conn, err := guest.OpenInherited()
//	srv := guest.NewServer(conn, guest.Options{})
//	err = srv.Serve(ctx, myHandler{host: srv.Host()})
//
// It imports only runtime/rhp, so any runtime can use it.
package guest
