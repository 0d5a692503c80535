// Package sandbox owns how a runtime process is started: under bubblewrap in
// fresh user, mount, pid, network, IPC and UTS namespaces, on an empty
// read-only root holding only the runtime binary (and the system libraries a
// dynamically linked binary needs), with a seccomp allowlist, and connected
// to the host by a Unix socket pair inherited as a file descriptor.
//
// The seccomp policy is built here as a classic BPF program (no cgo, no
// libseccomp): one filter, passed to bwrap with --seccomp, allows the system
// calls a Go program needs and makes the rest fail with EPERM; socket
// creation, process creation (clone without CLONE_THREAD, fork, vfork,
// clone3), memfd_create, ptrace, mount and namespace calls are among the
// denied. A second filter, installed by this package's own trampoline inside
// the sandbox just before it starts the runtime, denies execve and every
// execveat except the trampoline's own. See trampoline.go for why a
// trampoline is needed to deny execve "after startup".
//
// The trampoline is the host binary itself, re-executed inside the sandbox:
// this package's init function recognises the environment variable set for
// it, so any binary that imports the package (the atoll CLI, a test binary)
// can serve as its own trampoline.
package sandbox
