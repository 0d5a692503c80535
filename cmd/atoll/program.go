package main

import (
	"bytes"
	"encoding/base64"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"strings"

	"github.com/spf13/cobra"

	"github.com/atoll-dev/atoll/runtime/svm/sol"
	"github.com/atoll-dev/atoll/vm/sbpf"
	"github.com/atoll-dev/atoll/vm/sbpf/abi"
	"github.com/atoll-dev/atoll/vm/sbpf/elf"
	"github.com/atoll-dev/atoll/vm/sbpf/link"
	"github.com/atoll-dev/atoll/vm/sbpf/syscalls"
)

func init() { subcommands = append(subcommands, newProgramCommand) }

// programSubcommands lets other files add verbs (deploy, show, ...) to the
// program group.
var programSubcommands []func() *cobra.Command

func newProgramCommand() *cobra.Command {
	cmd := &cobra.Command{
		Use:   "program",
		Short: "Build, inspect and run sBPF programs",
	}
	cmd.AddCommand(newProgramRunCommand(), newProgramBuildCommand(), newProgramDisasmCommand())
	for _, sub := range programSubcommands {
		cmd.AddCommand(sub())
	}
	return cmd
}

// offChainRegistry is every standard syscall plus stubs for the ones only a
// chain provides, so any program loads.
func offChainRegistry() (*sbpf.Registry, error) {
	reg := syscalls.NewRegistry()
	if err := syscalls.RegisterUnavailable(reg, syscalls.DefaultCosts, syscalls.RuntimeNames...); err != nil {
		return nil, err
	}
	return reg, nil
}

func loadProgramFile(path string) (*sbpf.Program, error) {
	image, err := os.ReadFile(path)
	if err != nil {
		return nil, err
	}
	reg, err := offChainRegistry()
	if err != nil {
		return nil, err
	}
	p, err := elf.Load(image, reg)
	if err != nil {
		return nil, fmt.Errorf("loading %s: %w", path, err)
	}
	return p, nil
}

func newProgramBuildCommand() *cobra.Command {
	var out, clang string
	var include []string
	cmd := &cobra.Command{
		Use:   "build SOURCE.c|OBJECT.o -o PROGRAM.so",
		Short: "Compile C with stock clang (-target bpf) and link an SBPFv0 shared object",
		Args:  cobra.ExactArgs(1),
		RunE: func(cmd *cobra.Command, args []string) error {
			src := args[0]
			if out == "" {
				out = strings.TrimSuffix(src, filepath.Ext(src)) + ".so"
			}
			reg, err := offChainRegistry()
			if err != nil {
				return err
			}
			opts := link.BuildOptions{Clang: clang, Include: include, Link: link.Options{Syscalls: reg}}
			var so []byte
			if strings.HasSuffix(src, ".o") {
				obj, rerr := os.ReadFile(src)
				if rerr != nil {
					return rerr
				}
				so, err = link.Link(obj, opts.Link)
			} else {
				so, err = link.BuildC(src, opts)
			}
			if err != nil {
				return err
			}
			if _, err := elf.Load(so, reg); err != nil {
				return fmt.Errorf("linked object does not load: %w", err)
			}
			if err := os.WriteFile(out, so, 0o644); err != nil {
				return err
			}
			fmt.Fprintf(cmd.OutOrStdout(), "wrote %s (%d bytes)\n", out, len(so))
			return nil
		},
	}
	cmd.Flags().StringVarP(&out, "output", "o", "", "output shared object (default: SOURCE with .so)")
	cmd.Flags().StringVar(&clang, "clang", "", "clang binary (default: clang from PATH)")
	cmd.Flags().StringArrayVarP(&include, "include", "I", nil, "extra include directory")
	return cmd
}

func newProgramDisasmCommand() *cobra.Command {
	return &cobra.Command{
		Use:   "disasm PROGRAM.so",
		Short: "Load, verify and disassemble a program",
		Args:  cobra.ExactArgs(1),
		RunE: func(cmd *cobra.Command, args []string) error {
			p, err := loadProgramFile(args[0])
			if err != nil {
				return err
			}
			w := cmd.OutOrStdout()
			fmt.Fprintf(w, "; %s, %d instructions, entrypoint at %d\n", p.Version(), len(p.Text()), p.Entry())
			_, err = io.WriteString(w, sbpf.Disassemble(p.Version(), p.Text(), p))
			return err
		},
	}
}

// runInput is the JSON description `program run --input` accepts. Byte
// strings are base64.
type runInput struct {
	ProgramID       *sol.Pubkey  `json:"program_id"`
	Format          string       `json:"format"` // "aligned" (default) or "unaligned"
	Accounts        []runAccount `json:"accounts"`
	InstructionData string       `json:"instruction_data"`
}

type runAccount struct {
	Key        sol.Pubkey `json:"key"`
	Owner      sol.Pubkey `json:"owner"`
	Lamports   uint64     `json:"lamports"`
	Data       string     `json:"data"`
	DataLen    int        `json:"data_len"` // zero-filled data of this length when data is empty
	Executable bool       `json:"executable"`
	RentEpoch  uint64     `json:"rent_epoch"`
	IsSigner   bool       `json:"is_signer"`
	IsWritable bool       `json:"is_writable"`
}

// defaultProgramID is used when the input names none.
var defaultProgramID = sol.MustPubkey("ProgramRun111111111111111111111111111111111")

func parseRunInput(raw []byte) (*abi.Input, abi.Format, error) {
	var ri runInput
	dec := json.NewDecoder(bytes.NewReader(raw))
	dec.DisallowUnknownFields()
	if err := dec.Decode(&ri); err != nil {
		return nil, 0, fmt.Errorf("input JSON: %w", err)
	}
	in := &abi.Input{ProgramID: defaultProgramID}
	if ri.ProgramID != nil {
		in.ProgramID = *ri.ProgramID
	}
	format := abi.Aligned
	switch ri.Format {
	case "", "aligned":
	case "unaligned":
		format = abi.Unaligned
	default:
		return nil, 0, fmt.Errorf("input JSON: format %q is neither aligned nor unaligned", ri.Format)
	}
	var err error
	if in.InstructionData, err = base64.StdEncoding.DecodeString(ri.InstructionData); err != nil {
		return nil, 0, fmt.Errorf("input JSON: instruction_data: %w", err)
	}
	for i, a := range ri.Accounts {
		data, err := base64.StdEncoding.DecodeString(a.Data)
		if err != nil {
			return nil, 0, fmt.Errorf("input JSON: accounts[%d].data: %w", i, err)
		}
		if len(data) == 0 && a.DataLen > 0 {
			if a.DataLen > 10<<20 {
				return nil, 0, fmt.Errorf("input JSON: accounts[%d].data_len %d exceeds 10 MiB", i, a.DataLen)
			}
			data = make([]byte, a.DataLen)
		}
		in.Accounts = append(in.Accounts, abi.AccountInput{
			Key: a.Key, IsSigner: a.IsSigner, IsWritable: a.IsWritable,
			Account: sol.Account{Lamports: a.Lamports, Data: data, Owner: a.Owner, Executable: a.Executable, RentEpoch: a.RentEpoch},
		})
	}
	return in, format, nil
}

// runHost is the syscalls.Host of an off-chain run: logs go to the writer.
type runHost struct {
	w       io.Writer
	program sol.Pubkey
	retProg sol.Pubkey
	ret     []byte
}

func (h *runHost) Log(line string)                  { fmt.Fprintln(h.w, line) }
func (h *runHost) ProgramID() sol.Pubkey            { return h.program }
func (h *runHost) StackHeight() uint64              { return 1 }
func (h *runHost) ReturnData() (sol.Pubkey, []byte) { return h.retProg, h.ret }
func (h *runHost) SetReturnData(d []byte)           { h.retProg, h.ret = h.program, d }

// errProgramFailed makes the command exit non-zero after printing the trap.
var errProgramFailed = errors.New("program failed")

func newProgramRunCommand() *cobra.Command {
	var inputPath string
	var maxUnits uint64
	var heap int
	var trace bool
	cmd := &cobra.Command{
		Use:   "run PROGRAM.so [--input FILE] [--max-units N] [--trace]",
		Short: "Load, verify and execute a program outside any chain",
		Long: `Load, verify and execute an sBPF program outside any chain.

--input is either a raw serialized input region or a JSON description:
  {"program_id": "<base58>", "format": "aligned",
   "accounts": [{"key": "<base58>", "owner": "<base58>", "lamports": 1,
                 "data": "<base64>", "data_len": 0, "executable": false,
                 "rent_epoch": 0, "is_signer": true, "is_writable": true}],
   "instruction_data": "<base64>"}
Prints the program's logs, r0, the units consumed and the trap, if any, and
exits non-zero on a trap or a load error (a program that returns an error
code in r0 ran to completion: the exit status is zero and r0 says why).`,
		Args: cobra.ExactArgs(1),
		RunE: func(cmd *cobra.Command, args []string) error {
			p, err := loadProgramFile(args[0])
			if err != nil {
				return err
			}
			w := cmd.OutOrStdout()
			var buf []byte
			var layout *abi.Layout
			var in *abi.Input
			programID := defaultProgramID
			if inputPath != "" {
				raw, err := os.ReadFile(inputPath)
				if err != nil {
					return err
				}
				if t := bytes.TrimSpace(raw); len(t) > 0 && t[0] == '{' {
					var format abi.Format
					if in, format, err = parseRunInput(raw); err != nil {
						return err
					}
					programID = in.ProgramID
					var lay abi.Layout
					buf, lay = abi.Serialize(nil, in, format)
					layout = &lay
				} else {
					buf = raw
				}
			} else {
				buf, _ = abi.Serialize(nil, &abi.Input{ProgramID: programID}, abi.Aligned)
			}
			h := &runHost{w: w, program: programID}
			opts := sbpf.RunOptions{Budget: maxUnits, HeapSize: heap, Context: h}
			if trace {
				opts.Trace = cmd.ErrOrStderr()
			}
			r0, used, runErr := sbpf.Run(p, buf, opts)
			if runErr == nil {
				fmt.Fprintf(w, "r0: %#x (%s)\n", r0, abi.ParseReturn(r0))
			}
			fmt.Fprintf(w, "units consumed: %d of %d\n", used, maxUnits)
			if len(h.ret) > 0 {
				fmt.Fprintf(w, "return data: %s\n", base64.StdEncoding.EncodeToString(h.ret))
			}
			if runErr != nil {
				fmt.Fprintf(w, "trap: %v\n", runErr)
				return errProgramFailed
			}
			if layout != nil {
				for i, a := range in.Accounts {
					u, err := layout.ReadAccount(buf, i)
					if err != nil {
						fmt.Fprintf(w, "account %d (%s): %v\n", i, a.Key, err)
						return errProgramFailed
					}
					fmt.Fprintf(w, "account %d %s: lamports %d, owner %s, data (%d bytes) %s\n",
						i, a.Key, u.Lamports, u.Owner, len(u.Data), base64.StdEncoding.EncodeToString(u.Data))
				}
			}
			return nil
		},
	}
	cmd.Flags().StringVar(&inputPath, "input", "", "input: raw serialized region or JSON description")
	cmd.Flags().Uint64Var(&maxUnits, "max-units", 200_000, "compute budget")
	cmd.Flags().IntVar(&heap, "heap", sbpf.DefaultHeapSize, "heap size in bytes (multiple of 1024, at most 256 KiB)")
	cmd.Flags().BoolVar(&trace, "trace", false, "print every instruction and the registers to stderr")
	return cmd
}
