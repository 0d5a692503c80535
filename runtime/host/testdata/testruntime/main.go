// Command testruntime is the runtime the host and sandbox tests start. In
// mode "echo" it is well behaved, except when a Query asks it to attack its
// sandbox or misbehave; the other modes misbehave from the start.
//
//	testruntime echo | wrong-version | silent | crash
//
// Attack queries answer with "ok" or with the error they met, so the tests
// can assert exactly how each attempt was stopped.
package main

import (
	"context"
	"encoding/binary"
	"errors"
	"fmt"
	"os"
	"strings"
	"sync"
	"syscall"

	"golang.org/x/sys/unix"

	"github.com/atoll-dev/atoll/runtime/rhp"
	"github.com/atoll-dev/atoll/runtime/rhp/guest"
)

func main() {
	mode := "echo"
	if len(os.Args) > 1 {
		mode = os.Args[1]
	}
	conn, err := guest.OpenInherited()
	if err != nil {
		fmt.Fprintln(os.Stderr, "testruntime:", err)
		os.Exit(2)
	}
	switch mode {
	case "echo":
		srv := guest.NewServer(conn, guest.Options{})
		err = srv.Serve(context.Background(), &echo{host: srv.Host(), conn: conn})
	case "wrong-version":
		c := rhp.NewConn(conn, rhp.Options{Role: rhp.RoleRuntime, Handler: rhp.HandlerFunc(
			func(ctx context.Context, req *rhp.Request) (rhp.Message, error) {
				return &rhp.HandshakeResponse{Version: rhp.Version{Major: rhp.ProtocolVersion.Major + 1}}, nil
			})})
		<-c.Done()
	case "silent":
		buf := make([]byte, 4096)
		for {
			if _, err := conn.Read(buf); err != nil {
				os.Exit(0)
			}
		}
	case "crash":
		fmt.Fprintln(os.Stderr, "testruntime: crashing on purpose")
		os.Exit(3)
	default:
		err = fmt.Errorf("unknown mode %q", mode)
	}
	if err != nil {
		fmt.Fprintln(os.Stderr, "testruntime:", err)
		os.Exit(1)
	}
}

type echo struct {
	host *guest.Host
	conn *os.File
	wmu  sync.Mutex
}

// ownFD reports whether fd is one the Go runtime opened for itself: its
// epoll instance and wake-up eventfd are anonymous inodes, which have no file
// type. (A leaked anonymous inode would be missed; the leaks seen in
// practice are pipes and files.)
func (e *echo) ownFD(fd int) bool {
	var st unix.Stat_t
	if unix.Fstat(fd, &st) != nil {
		return false
	}
	return st.Mode&unix.S_IFMT == 0 && fd > 3
}

func (e *echo) Info(ctx context.Context, req *rhp.InfoRequest) (*rhp.InfoResponse, error) {
	return &rhp.InfoResponse{Name: "testruntime", Version: rhp.Version{Major: 0, Minor: 1}, Features: []string{"echo"}}, nil
}

func (e *echo) CheckTxBatch(ctx context.Context, req *rhp.CheckTxBatch) (*rhp.CheckTxBatchResponse, error) {
	out := &rhp.CheckTxBatchResponse{}
	for _, tx := range req.Txs {
		out.Results = append(out.Results, rhp.CheckTxResult{Priority: uint64(len(tx))})
	}
	return out, nil
}

// ExecuteTxBatch reads every transaction as a storage key through the host
// and returns the values it got. In rounds other than 0 it only counts the
// transactions, for benchmarks of the transport.
func (e *echo) ExecuteTxBatch(ctx context.Context, req *rhp.ExecuteTxBatch) (*rhp.ExecuteTxBatchResponse, error) {
	out := &rhp.ExecuteTxBatchResponse{StateRoot: req.PrevRoots.State.Hash}
	if req.Round != 0 {
		out.Results = make([]rhp.TxResult, len(req.Txs))
		return out, nil
	}
	if len(req.Txs) == 0 {
		return out, nil
	}
	sg, err := e.host.StorageGet(ctx, req.PrevRoots.State, req.Txs)
	if err != nil {
		return nil, err
	}
	for _, en := range sg.Entries {
		out.Results = append(out.Results, rhp.TxResult{Data: en.Value})
	}
	return out, nil
}

func (e *echo) Query(ctx context.Context, req *rhp.Query) (*rhp.QueryResponse, error) {
	arg := string(req.Args)
	result := func(err error) (*rhp.QueryResponse, error) {
		if err == nil {
			return &rhp.QueryResponse{Data: []byte("ok")}, nil
		}
		return &rhp.QueryResponse{Data: []byte(err.Error())}, nil
	}
	switch req.Method {
	case "echo":
		return &rhp.QueryResponse{Data: req.Args}, nil
	case "identity":
		host, _ := os.Hostname()
		return &rhp.QueryResponse{Data: fmt.Appendf(nil, "uid=%d gid=%d host=%s pid=%d", os.Getuid(), os.Getgid(), host, os.Getpid())}, nil
	case "fds":
		// Without /proc, probe the descriptor table directly.
		var open []string
		for fd := 0; fd < 1100; fd++ {
			if _, err := unix.FcntlInt(uintptr(fd), unix.F_GETFD, 0); err == nil && !e.ownFD(fd) {
				open = append(open, fmt.Sprint(fd))
			}
		}
		return &rhp.QueryResponse{Data: []byte(strings.Join(open, " "))}, nil
	case "env":
		return &rhp.QueryResponse{Data: []byte(strings.Join(os.Environ(), "\n"))}, nil

	// Misbehaviour on demand.
	case "crash":
		os.Exit(7)
	case "hang":
		select {}
	case "freeze":
		// Stop the whole process, as a deadlock or a stuck page fault would:
		// nothing answers any more, pings included.
		unix.Tgkill(os.Getpid(), unix.Gettid(), unix.SIGSTOP)
		select {}
	case "garbage":
		e.wmu.Lock()
		e.conn.Write([]byte{0, 0, 0, 5, 'h', 'e', 'l', 'l', 'o'})
		e.wmu.Unlock()
		select {}
	case "oversized":
		e.wmu.Lock()
		e.conn.Write(binary.BigEndian.AppendUint32(nil, 0xffffffff))
		e.wmu.Unlock()
		select {}

	// Attacks on the sandbox.
	case "socket-inet":
		fd, err := syscall.Socket(syscall.AF_INET, syscall.SOCK_STREAM, 0)
		if err == nil {
			err = connectLoopback(fd, arg)
		}
		return result(err)
	case "socket-unix":
		_, err := syscall.Socket(syscall.AF_UNIX, syscall.SOCK_STREAM, 0)
		return result(err)
	case "socketpair":
		_, err := syscall.Socketpair(syscall.AF_UNIX, syscall.SOCK_STREAM, 0)
		return result(err)
	case "read":
		_, err := os.ReadFile(arg)
		return result(err)
	case "readdir":
		_, err := os.ReadDir(arg)
		return result(err)
	case "write":
		return result(os.WriteFile(arg, []byte("pwned"), 0o644))
	case "exec":
		return result(syscall.Exec(arg, []string{arg, "-c", "echo pwned"}, nil))
	case "fork":
		_, err := syscall.ForkExec(arg, []string{arg}, nil)
		return result(err)
	case "forkbomb":
		return result(forkBomb())
	case "memfd":
		_, err := unix.MemfdCreate("payload", 0)
		return result(err)
	case "unshare":
		return result(syscall.Unshare(syscall.CLONE_NEWUSER))
	case "mount":
		return result(syscall.Mount("none", "/", "tmpfs", 0, ""))
	case "ptrace":
		_, _, errno := syscall.RawSyscall(syscall.SYS_PTRACE, syscall.PTRACE_TRACEME, 0, 0)
		if errno != 0 {
			return result(errno)
		}
		return result(nil)
	case "alloc":
		// Allocate and touch the number of MiB asked for.
		var mib int
		fmt.Sscan(arg, &mib)
		var keep [][]byte
		for i := 0; i < mib; i++ {
			b := make([]byte, 1<<20)
			for j := 0; j < len(b); j += 4096 {
				b[j] = 1
			}
			keep = append(keep, b)
		}
		return &rhp.QueryResponse{Data: fmt.Appendf(nil, "allocated %d MiB", len(keep))}, nil
	case "threads":
		return result(spawnThreads())
	}
	return nil, rhp.Errorf(rhp.CodeUnsupported, "testruntime", "unknown query %q", req.Method)
}

// connectLoopback tries to reach a TCP listener of the test on 127.0.0.1.
func connectLoopback(fd int, port string) error {
	var p int
	fmt.Sscan(port, &p)
	return syscall.Connect(fd, &syscall.SockaddrInet4{Port: p, Addr: [4]byte{127, 0, 0, 1}})
}

// forkBomb tries to create processes as fast as it can, through every route
// a Go program has, and reports how many it made. A child it did make exits
// at once, so that a broken sandbox shows up as a count, not as a bomb.
func forkBomb() error {
	var made int
	var first error
	for i := 0; i < 1000; i++ {
		var r1 uintptr
		var errno syscall.Errno
		switch i % 3 {
		case 0:
			r1, _, errno = syscall.RawSyscall(syscall.SYS_FORK, 0, 0, 0)
		case 1:
			r1, _, errno = syscall.RawSyscall(syscall.SYS_VFORK, 0, 0, 0)
		case 2:
			r1, _, errno = syscall.RawSyscall6(syscall.SYS_CLONE, uintptr(syscall.SIGCHLD), 0, 0, 0, 0, 0)
		}
		if errno == 0 && r1 == 0 {
			syscall.RawSyscall(syscall.SYS_EXIT, 0, 0, 0) // the child
		}
		if errno == 0 {
			made++
			continue
		}
		if first == nil {
			first = errno
		}
	}
	if made > 0 {
		return fmt.Errorf("created %d processes", made)
	}
	return first
}

// spawnThreads checks that thread creation (clone with CLONE_THREAD) works.
func spawnThreads() error {
	var wg sync.WaitGroup
	errs := make(chan error, 32)
	for range 32 {
		wg.Add(1)
		go func() {
			defer wg.Done()
			runtimeLockAndSleep()
		}()
	}
	wg.Wait()
	close(errs)
	return errors.Join(<-errs)
}
