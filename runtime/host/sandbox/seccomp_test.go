//go:build linux && (amd64 || arm64)

package sandbox

import (
	"encoding/binary"
	"strings"
	"testing"

	"golang.org/x/sys/unix"
)

// runFilter interprets the subset of classic BPF the filters use against a
// seccomp_data record, as the kernel would.
func runFilter(t *testing.T, prog []unix.SockFilter, nr int, arch uint32, args [6]uint64) uint32 {
	t.Helper()
	data := make([]byte, 64)
	binary.NativeEndian.PutUint32(data[0:], uint32(nr))
	binary.NativeEndian.PutUint32(data[4:], arch)
	for i, a := range args {
		binary.NativeEndian.PutUint64(data[16+8*i:], a)
	}
	var acc uint32
	for pc := 0; pc < len(prog); pc++ {
		ins := prog[pc]
		switch ins.Code {
		case bpfLdWAbs:
			acc = binary.NativeEndian.Uint32(data[ins.K:])
		case bpfJeqK, bpfJgeK, bpfJsetK:
			var taken bool
			switch ins.Code {
			case bpfJeqK:
				taken = acc == ins.K
			case bpfJgeK:
				taken = acc >= ins.K
			default:
				taken = acc&ins.K != 0
			}
			if taken {
				pc += int(ins.Jt)
			} else {
				pc += int(ins.Jf)
			}
		case bpfRetK:
			return ins.K
		default:
			t.Fatalf("unexpected opcode %#x at %d", ins.Code, pc)
		}
	}
	t.Fatal("filter fell off its end")
	return 0
}

func TestSyscallFilter_Decisions(t *testing.T) {
	prog := SyscallFilter()
	if len(prog) > unix.BPF_MAXINSNS {
		t.Fatalf("%d instructions, kernel limit %d", len(prog), unix.BPF_MAXINSNS)
	}
	tests := []struct {
		name string
		nr   int
		arch uint32
		args [6]uint64
		want uint32
	}{
		{"read", unix.SYS_READ, auditArch, [6]uint64{}, retAllow},
		{"futex", unix.SYS_FUTEX, auditArch, [6]uint64{}, retAllow},
		{"recvmsg", unix.SYS_RECVMSG, auditArch, [6]uint64{}, retAllow},
		{"thread clone", unix.SYS_CLONE, auditArch, [6]uint64{unix.CLONE_VM | unix.CLONE_THREAD | unix.CLONE_SIGHAND}, retAllow},
		{"process clone", unix.SYS_CLONE, auditArch, [6]uint64{uint64(unix.SIGCHLD)}, retEPERM},
		{"clone3", unix.SYS_CLONE3, auditArch, [6]uint64{}, retENOSYS},
		{"socket", unix.SYS_SOCKET, auditArch, [6]uint64{unix.AF_INET}, retEPERM},
		{"socketpair", unix.SYS_SOCKETPAIR, auditArch, [6]uint64{}, retEPERM},
		{"connect", unix.SYS_CONNECT, auditArch, [6]uint64{}, retEPERM},
		{"memfd_create", unix.SYS_MEMFD_CREATE, auditArch, [6]uint64{}, retEPERM},
		{"ptrace", unix.SYS_PTRACE, auditArch, [6]uint64{}, retEPERM},
		{"unshare", unix.SYS_UNSHARE, auditArch, [6]uint64{}, retEPERM},
		{"kill", unix.SYS_KILL, auditArch, [6]uint64{}, retEPERM},
		{"io_uring_setup", unix.SYS_IO_URING_SETUP, auditArch, [6]uint64{}, retEPERM},
		{"unknown number", 999, auditArch, [6]uint64{}, retEPERM},
		{"foreign ABI", unix.SYS_READ, unix.AUDIT_ARCH_I386, [6]uint64{}, retKillProcess},
	}
	if x32SyscallBit != 0 {
		tests = append(tests, struct {
			name string
			nr   int
			arch uint32
			args [6]uint64
			want uint32
		}{"x32 ABI", x32SyscallBit | unix.SYS_READ, auditArch, [6]uint64{}, retKillProcess})
	}
	for _, tt := range tests {
		if got := runFilter(t, prog, tt.nr, tt.arch, tt.args); got != tt.want {
			t.Errorf("%s: got %#x, want %#x", tt.name, got, tt.want)
		}
	}
}

func TestExecLockFilter_Decisions(t *testing.T) {
	prog := ExecLockFilter()
	tests := []struct {
		name string
		nr   int
		args [6]uint64
		want uint32
	}{
		{"execve", unix.SYS_EXECVE, [6]uint64{}, retEPERM},
		{"trampoline's execveat", unix.SYS_EXECVEAT, [6]uint64{execLockFD, 0, 0, 0, unix.AT_EMPTY_PATH}, retAllow},
		{"execveat of another fd", unix.SYS_EXECVEAT, [6]uint64{3, 0, 0, 0, unix.AT_EMPTY_PATH}, retEPERM},
		{"execveat of a path", unix.SYS_EXECVEAT, [6]uint64{uint64(0xffffff9c), 0, 0, 0, 0}, retEPERM}, // AT_FDCWD
		{"execveat, fd with high bits", unix.SYS_EXECVEAT, [6]uint64{1<<32 | execLockFD, 0, 0, 0, unix.AT_EMPTY_PATH}, retEPERM},
		{"execveat, other flags", unix.SYS_EXECVEAT, [6]uint64{execLockFD, 0, 0, 0, unix.AT_EMPTY_PATH | unix.AT_SYMLINK_NOFOLLOW}, retEPERM},
		{"read passes", unix.SYS_READ, [6]uint64{}, retAllow},
	}
	for _, tt := range tests {
		if got := runFilter(t, prog, tt.nr, auditArch, tt.args); got != tt.want {
			t.Errorf("%s: got %#x, want %#x", tt.name, got, tt.want)
		}
	}
	if execLockFD < sandboxNoFile {
		t.Fatalf("execLockFD %d must lie above the descriptor limit %d", execLockFD, sandboxNoFile)
	}
}

func TestEncodeFilter_Layout(t *testing.T) {
	got := encodeFilter([]unix.SockFilter{{Code: 0x15, Jt: 1, Jf: 2, K: 0x01020304}})
	want := make([]byte, 8)
	binary.NativeEndian.PutUint16(want[0:], 0x15)
	want[2], want[3] = 1, 2
	binary.NativeEndian.PutUint32(want[4:], 0x01020304)
	if string(got) != string(want) {
		t.Fatalf("got %x want %x", got, want)
	}
}

func TestBwrapArgs_Namespaces(t *testing.T) {
	args := bwrapArgs("/host/rt", "/host/atoll", false, []string{"A=b=c"})
	joined := " " + strings.Join(args, " ") + " "
	for _, want := range []string{
		" --unshare-user ", " --unshare-pid ", " --unshare-net ", " --unshare-ipc ", " --unshare-uts ",
		" --die-with-parent ", " --new-session ", " --clearenv ", " --setenv A b=c ",
		" --ro-bind /host/rt /rt/runtime ", " --remount-ro / ", " --seccomp 4 ",
		" -- /rt/trampoline /rt/runtime ",
	} {
		if !strings.Contains(joined, want) {
			t.Errorf("bwrap arguments miss %q: %s", want, joined)
		}
	}
	if strings.Contains(joined, "/usr") {
		t.Errorf("a static runtime gets system directories: %s", joined)
	}
}
