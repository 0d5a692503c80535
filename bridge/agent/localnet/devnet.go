package localnet

import (
	"context"
	"crypto/ed25519"
	"errors"
	"fmt"
	"io"
	"math/rand/v2"
	"net"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"syscall"
	"time"

	"github.com/atoll-dev/atoll/bridge/agent"
	"github.com/atoll-dev/atoll/client"
	"github.com/atoll-dev/atoll/runtime/svm"
	"github.com/atoll-dev/atoll/runtime/svm/sol"
)

// Devnet runs a network as a real atoll network: an `atoll devnet` child
// process with its own CometBFT chain, consensus application, compute
// committee and sandboxed SVM runtime, started with --bridge-domain and
// --bridge-admin so that its runtime configuration carries the bridge
// domain and admin, and with the Inbox as a --bpf-program. The agents
// reach it only through the Solana JSON-RPC the devnet serves. The
// devnet's output goes to DIR.log beside its directory.
type Devnet struct {
	// Binary is the atoll executable to run.
	Binary string
	// Dir is the network's data directory (created; an existing one is
	// replaced). DIR-inbox.so and DIR.log are written beside it.
	Dir string
	// BasePort is the CometBFT p2p port; the devnet takes up to
	// DevnetPorts ports from it.
	BasePort int
	// RPCAddr is the JSON-RPC listen address, the websocket on port+1
	// (default: the last two of the DevnetPorts).
	RPCAddr string
	// BlockTime is CometBFT's timeout_commit (default 200ms); a runtime
	// round takes about two blocks.
	BlockTime time.Duration
	// Compute, Workers and Backups size the compute committee (defaults
	// 3, 2, 1 as `atoll devnet`).
	Compute, Workers, Backups int
	// Output receives the devnet's output (default: DIR.log).
	Output io.Writer
	// Clang compiles the Inbox program (default: clang from PATH).
	Clang string
}

// DevnetPorts is how many consecutive ports a Devnet uses from BasePort.
const DevnetPorts = 24

// rpcAddr is the JSON-RPC listen address of d.
func (d *Devnet) rpcAddr() string {
	if d.RPCAddr != "" {
		return d.RPCAddr
	}
	return net.JoinHostPort("127.0.0.1", strconv.Itoa(d.BasePort+DevnetPorts-2))
}

// FreePortRange returns the first of n consecutive loopback ports that are
// free now, below the kernel's ephemeral range and away from the 26656 and
// 8899 defaults of `atoll devnet`.
func FreePortRange(n int) (int, error) {
	for attempt := 0; attempt < 200; attempt++ {
		base := 17000 + rand.IntN(9000-n)
		ok := true
		for p := base; p < base+n && ok; p++ {
			l, err := net.Listen("tcp", net.JoinHostPort("127.0.0.1", strconv.Itoa(p)))
			if err != nil {
				ok = false
				break
			}
			l.Close()
		}
		if ok {
			return base, nil
		}
	}
	return 0, errors.New("localnet: no free port range on 127.0.0.1")
}

// devnetProc is a running `atoll devnet` child.
type devnetProc struct {
	cmd  *exec.Cmd
	done chan error
	log  *os.File
}

// startDevnet starts `atoll devnet` on a new chain in d.Dir whose runtime
// has the bridge domain cfg.Domain, owner as the bridge admin and the
// Inbox program at genesis, waits until its JSON-RPC serves a finalized
// round, and funds owner and cfg.Funded from the devnet's faucet.
func startDevnet(ctx context.Context, name string, d *Devnet, cfg *Config, owner ed25519.PrivateKey) (*Net, error) {
	if d.Binary == "" || d.Dir == "" || d.BasePort == 0 {
		return nil, errors.New("localnet: a Devnet needs Binary, Dir and BasePort")
	}
	if d.BlockTime == 0 {
		d.BlockTime = 200 * time.Millisecond
	}
	if d.Compute == 0 {
		d.Compute, d.Workers, d.Backups = 3, 2, 1
	}
	so, err := InboxProgram(d.Clang)
	if err != nil {
		return nil, err
	}
	if err := os.RemoveAll(d.Dir); err != nil {
		return nil, err
	}
	if err := os.MkdirAll(filepath.Dir(d.Dir), 0o700); err != nil {
		return nil, err
	}
	inbox := d.Dir + "-inbox.so"
	if err := os.WriteFile(inbox, so, 0o644); err != nil {
		return nil, err
	}
	p := &devnetProc{done: make(chan error, 1)}
	out := d.Output
	if out == nil {
		if p.log, err = os.Create(d.Dir + ".log"); err != nil {
			return nil, err
		}
		out = p.log
	}
	p.cmd = exec.Command(d.Binary, "devnet", "--dir", d.Dir, "--base-port", strconv.Itoa(d.BasePort), "--rpc-port", d.rpcAddr(),
		"--block-time", d.BlockTime.String(), "--compute", strconv.Itoa(d.Compute), "--workers", strconv.Itoa(d.Workers),
		"--backups", strconv.Itoa(d.Backups), "--bridge-domain", strconv.FormatUint(uint64(cfg.Domain), 10),
		"--bridge-admin", agent.PubkeyOf(owner).String(), "--bpf-program", Inbox.String(), inbox)
	p.cmd.Stdout, p.cmd.Stderr = out, out
	// The devnet dies with this process, so a killed test or demo leaves
	// no network behind.
	p.cmd.SysProcAttr = &syscall.SysProcAttr{Pdeathsig: syscall.SIGKILL}
	if err := p.cmd.Start(); err != nil {
		p.closeLog()
		return nil, fmt.Errorf("localnet: starting %s: %w", name, err)
	}
	go func() { p.done <- p.cmd.Wait() }()
	n := &Net{Domain: cfg.Domain, URL: "http://" + d.rpcAddr(), Owner: owner, devnet: p}
	n.Chain = agent.NewChain(name, cfg.Domain, n.URL)
	fail := func(err error) (*Net, error) {
		n.Close()
		return nil, fmt.Errorf("localnet: %s (output in %s): %w", name, d.Dir+".log", err)
	}
	if err := n.waitReady(ctx, 90*time.Second); err != nil {
		return fail(err)
	}
	faucet, err := client.ReadKeypair(filepath.Join(d.Dir, "faucet.json"))
	if err != nil {
		return fail(err)
	}
	// The admin pays for the bridge's state accounts and the bonds.
	transfers := []sol.Instruction{svm.Transfer(agent.PubkeyOf(faucet), agent.PubkeyOf(owner), 1_000_000*1_000_000_000)}
	for _, k := range cfg.Funded {
		transfers = append(transfers, svm.Transfer(agent.PubkeyOf(faucet), k, cfg.FundLamports))
	}
	for len(transfers) > 0 {
		batch := transfers[:min(len(transfers), 16)]
		transfers = transfers[len(batch):]
		if _, err := n.Chain.Send(ctx, faucet, nil, batch...); err != nil {
			return fail(fmt.Errorf("funding accounts from the faucet: %w", err))
		}
	}
	return n, nil
}

// waitReady waits until the network's RPC serves a finalized round and a
// blockhash.
func (n *Net) waitReady(ctx context.Context, limit time.Duration) error {
	ctx, cancel := context.WithTimeout(ctx, limit)
	defer cancel()
	var last error
	for {
		var slot uint64
		last = n.Chain.RPC.Call(ctx, "getSlot", []any{map[string]any{"commitment": client.Finalized}}, &slot)
		if last == nil && slot >= 1 {
			if _, last = n.Chain.RPC.GetLatestBlockhash(ctx, client.Finalized); last == nil {
				return nil
			}
		}
		select {
		case err := <-n.devnet.done:
			n.devnet.done <- err
			return fmt.Errorf("the devnet exited: %v", err)
		case <-ctx.Done():
			return fmt.Errorf("the devnet's RPC did not serve a round: %v", last)
		case <-time.After(200 * time.Millisecond):
		}
	}
}

// stop interrupts the devnet (it stops its workers and CometBFT cleanly)
// and kills it if it has not exited within 20 seconds.
func (p *devnetProc) stop() error {
	defer p.closeLog()
	_ = p.cmd.Process.Signal(os.Interrupt)
	select {
	case err := <-p.done:
		p.done <- err
		var exit *exec.ExitError
		if errors.As(err, &exit) {
			return fmt.Errorf("localnet: the devnet exited with %v", err)
		}
		return err
	case <-time.After(20 * time.Second):
		_ = p.cmd.Process.Kill()
		return errors.Join(errors.New("localnet: the devnet did not stop within 20s; killed"), <-p.done)
	}
}

func (p *devnetProc) closeLog() {
	if p.log != nil {
		p.log.Close()
	}
}
