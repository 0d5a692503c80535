package genesis

import (
	"bytes"
	"crypto/sha512"
	"encoding/json"
	"errors"
	"fmt"
	"os"

	"github.com/atoll-dev/atoll/consensus/beacon"
	"github.com/atoll-dev/atoll/consensus/epochtime"
	"github.com/atoll-dev/atoll/consensus/governance"
	"github.com/atoll-dev/atoll/consensus/registry"
	"github.com/atoll-dev/atoll/consensus/scheduler"
	"github.com/atoll-dev/atoll/consensus/service"
	"github.com/atoll-dev/atoll/consensus/signature"
	"github.com/atoll-dev/atoll/consensus/staking"
	"github.com/atoll-dev/atoll/consensus/state"
)

// ErrInvalid wraps every genesis error.
var ErrInvalid = errors.New("genesis: invalid document")

// ConsensusParams are the application's own consensus limits.
type ConsensusParams struct {
	// MaxTxSize bounds a transaction's wire size in bytes.
	MaxTxSize int `json:"max_tx_size"`
}

// Document is the genesis document.
type Document struct {
	ChainID    string             `json:"chain_id"`
	Consensus  ConsensusParams    `json:"consensus"`
	Epochtime  epochtime.Genesis  `json:"epochtime"`
	Beacon     beacon.Genesis     `json:"beacon"`
	Staking    staking.Genesis    `json:"staking"`
	Registry   registry.Genesis   `json:"registry"`
	Scheduler  scheduler.Genesis  `json:"scheduler"`
	Governance governance.Genesis `json:"governance"`

	// raw is the document as loaded; the chain context hashes it.
	raw []byte
}

// Parse decodes a JSON document strictly (unknown fields are errors) and
// validates it. Errors name the line and column or the failing section.
func Parse(data []byte) (*Document, error) {
	dec := json.NewDecoder(bytes.NewReader(data))
	dec.DisallowUnknownFields()
	var d Document
	if err := dec.Decode(&d); err != nil {
		return nil, fmt.Errorf("%w: %s", ErrInvalid, describeJSONError(data, err))
	}
	if dec.More() {
		return nil, fmt.Errorf("%w: trailing data after the document", ErrInvalid)
	}
	d.raw = bytes.Clone(data)
	if err := d.Validate(); err != nil {
		return nil, err
	}
	return &d, nil
}

// Load reads and parses a genesis file.
func Load(path string) (*Document, error) {
	data, err := os.ReadFile(path)
	if err != nil {
		return nil, fmt.Errorf("genesis: %w", err)
	}
	d, err := Parse(data)
	if err != nil {
		return nil, fmt.Errorf("%s: %w", path, err)
	}
	return d, nil
}

func describeJSONError(data []byte, err error) string {
	var off int64 = -1
	var syn *json.SyntaxError
	var typ *json.UnmarshalTypeError
	switch {
	case errors.As(err, &syn):
		off = syn.Offset
	case errors.As(err, &typ):
		off = typ.Offset
		if typ.Field != "" {
			return fmt.Sprintf("%s: field %s: expected %s, got JSON %s", position(data, off), typ.Field, typ.Type, typ.Value)
		}
	}
	if off < 0 {
		return err.Error()
	}
	return position(data, off) + ": " + err.Error()
}

func position(data []byte, off int64) string {
	if off > int64(len(data)) {
		off = int64(len(data))
	}
	line := 1 + bytes.Count(data[:off], []byte("\n"))
	col := off - int64(bytes.LastIndexByte(data[:off], '\n'))
	return fmt.Sprintf("line %d column %d", line, col)
}

// Validate checks the document by applying it to an empty in-memory state.
func (d *Document) Validate() error {
	if d.ChainID == "" || len(d.ChainID) > 50 {
		return fmt.Errorf("%w: chain_id must be 1..50 characters", ErrInvalid)
	}
	if d.Consensus.MaxTxSize < 1024 || d.Consensus.MaxTxSize > 4<<20 {
		return fmt.Errorf("%w: consensus.max_tx_size %d must be in 1024..4194304", ErrInvalid, d.Consensus.MaxTxSize)
	}
	ctx := &service.Context{KV: state.NewMemKV(), Height: 1, Epoch: d.Epochtime.Base, ChainContext: d.ChainContext(), Mode: service.ModeSystem}
	if err := d.Apply(ctx, 1); err != nil {
		return err
	}
	return nil
}

// ChainContext is the 32-byte domain every signature on this chain covers:
// sha512/256("atoll/genesis/v1" | the document's bytes as loaded), or as
// Marshal writes them for a document built in memory. Hashing the bytes
// every node shares, rather than a re-encoding of the parsed value, keeps a
// chain's identity when later releases add fields to the document.
func (d *Document) ChainContext() []byte {
	raw := d.raw
	if raw == nil {
		raw = d.Marshal()
	}
	h := sha512.Sum512_256(append([]byte("atoll/genesis/v1"), raw...))
	return h[:]
}

// Apply writes the document into ctx.KV in the fixed order staking,
// epochtime, beacon, registry, scheduler, governance, then elects the base
// epoch's committees. ctx.Epoch must be d.Epochtime.Base.
func (d *Document) Apply(ctx *service.Context, initialHeight int64) error {
	// Every service error already names its section ("staking: …",
	// "registry.nodes[2]: …").
	wrap := func(_ string, err error) error {
		if err == nil {
			return nil
		}
		return fmt.Errorf("%w: %v", ErrInvalid, err)
	}
	if err := wrap("staking", staking.InitGenesis(ctx.KV, &d.Staking)); err != nil {
		return err
	}
	if err := wrap("epochtime", epochtime.InitGenesis(ctx.KV, &d.Epochtime, initialHeight)); err != nil {
		return err
	}
	beacon.InitGenesis(ctx.KV, &d.Beacon, ctx.ChainContext, d.Epochtime.Base)
	if err := registry.InitGenesis(ctx, &d.Registry); err != nil {
		return fmt.Errorf("%w: %v", ErrInvalid, err)
	}
	scheduler.InitGenesis(ctx.KV, &d.Scheduler)
	if err := wrap("governance", governance.InitGenesis(ctx.KV, &d.Governance)); err != nil {
		return err
	}
	return wrap("scheduler", scheduler.Transition(ctx))
}

// Validator is a genesis consensus validator.
type Validator struct {
	Node      signature.PublicKey
	Consensus signature.PublicKey
	Power     int64
}

// Validators lists the genesis nodes with the validator role, in document
// order, each with voting power 1.
func (d *Document) Validators() []Validator {
	var out []Validator
	for _, n := range d.Registry.Nodes {
		if n.HasRole(registry.RoleValidator) {
			out = append(out, Validator{Node: n.ID, Consensus: n.Consensus.ID, Power: 1})
		}
	}
	return out
}

// Marshal returns the indented JSON form.
func (d *Document) Marshal() []byte {
	b, err := json.MarshalIndent(d, "", "  ")
	if err != nil {
		panic(err)
	}
	return b
}
