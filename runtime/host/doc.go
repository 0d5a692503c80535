// Package host owns the node's side of a runtime: it starts the runtime
// process (sandboxed, see runtime/host/sandbox), performs the RHP handshake,
// forwards the node's requests to it, serves the runtime's calls back into
// the node, and supervises it: a runtime that crashes, hangs past its
// deadline, sends garbage or speaks the wrong protocol version is killed and
// restarted with exponential backoff while the node keeps running, and every
// such event is logged, counted and visible in Status.
//
// Usage:
//
//	h, err := host.New(host.Config{Sandbox: sandbox.Config{Binary: path, Args: []string{"runtime", "svm"}}, Handler: storage})
//	defer h.Close()
//	var resp rhp.ExecuteTxBatchResponse
//	err = h.Call(ctx, &rhp.ExecuteTxBatch{...}, &resp)
package host
