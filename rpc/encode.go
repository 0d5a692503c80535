package rpc

import (
	"encoding/base64"
	"encoding/binary"
	"fmt"
	"math"

	"github.com/klauspost/compress/zstd"
	"github.com/mr-tron/base58"

	"github.com/atoll-dev/atoll/runtime/svm"
	"github.com/atoll-dev/atoll/runtime/svm/sol"
)

// RentEpochExempt is what Agave reports as every account's rentEpoch now
// that all accounts are rent-exempt: u64::MAX.
const RentEpochExempt = math.MaxUint64

// maxBase58DataBytes is the largest account data Agave encodes as base58.
const maxBase58DataBytes = 128

// contextValue is Agave's {context:{slot,apiVersion}, value} wrapper.
type contextValue struct {
	Context rpcContext `json:"context"`
	Value   any        `json:"value"`
}

type rpcContext struct {
	APIVersion string `json:"apiVersion"`
	Slot       uint64 `json:"slot"`
}

// UIAccount is an account as RPC shows it.
type UIAccount struct {
	Data       any    `json:"data"`
	Executable bool   `json:"executable"`
	Lamports   uint64 `json:"lamports"`
	Owner      string `json:"owner"`
	RentEpoch  uint64 `json:"rentEpoch"`
	Space      int    `json:"space"`
}

// DataSlice limits the account data returned.
type DataSlice struct {
	Offset int `json:"offset"`
	Length int `json:"length"`
}

var zstdEncoder, _ = zstd.NewWriter(nil, zstd.WithEncoderLevel(zstd.SpeedFastest))

// encodeAccount renders a in the named encoding ("binary" is Agave's legacy
// default: a bare base58 string).
func encodeAccount(a *sol.Account, encoding string, slice *DataSlice) (*UIAccount, *Error) {
	ui := &UIAccount{Executable: a.Executable, Lamports: a.Lamports, Owner: a.Owner.String(),
		RentEpoch: RentEpochExempt, Space: len(a.Data)}
	data := a.Data
	if slice != nil {
		if slice.Offset < 0 || slice.Length < 0 {
			return nil, invalidParams("Invalid params: dataSlice offset and length must not be negative")
		}
		off := min(slice.Offset, len(data))
		data = data[off:min(len(data), off+slice.Length)]
	}
	switch encoding {
	case "", "binary", "base58":
		if len(data) > maxBase58DataBytes {
			return nil, invalidParams("Encoded binary (base 58) data should be less than 128 bytes, please use Base64 encoding.")
		}
		if encoding == "base58" {
			ui.Data = [2]string{base58.Encode(data), "base58"}
		} else {
			ui.Data = base58.Encode(data)
		}
	case "base64":
		ui.Data = [2]string{base64.StdEncoding.EncodeToString(data), "base64"}
	case "base64+zstd":
		ui.Data = [2]string{base64.StdEncoding.EncodeToString(zstdEncoder.EncodeAll(data, nil)), "base64+zstd"}
	case "jsonParsed":
		if slice == nil {
			if parsed := parseAccount(a); parsed != nil {
				ui.Data = parsed
				return ui, nil
			}
		}
		ui.Data = [2]string{base64.StdEncoding.EncodeToString(data), "base64"}
	default:
		return nil, invalidParams("Invalid params: unknown encoding %q", encoding)
	}
	return ui, nil
}

// parsedAccount is jsonParsed's form for accounts of known programs.
type parsedAccount struct {
	Program string `json:"program"`
	Parsed  any    `json:"parsed"`
	Space   int    `json:"space"`
}

type parsedValue struct {
	Info any    `json:"info"`
	Type string `json:"type"`
}

// parseAccount parses the accounts cheap to parse (durable nonces and the
// clock, rent and epoch-schedule sysvars); nil means "fall back to base64",
// as Agave does for data it cannot parse.
func parseAccount(a *sol.Account) *parsedAccount {
	switch {
	case a.Owner == svm.SystemProgramID && len(a.Data) == svm.NonceAccountSize:
		n, ok := svm.DecodeNonce(a.Data)
		if !ok {
			return nil
		}
		if !n.Initialized {
			return &parsedAccount{Program: "nonce", Parsed: parsedValue{Type: "uninitialized"}, Space: len(a.Data)}
		}
		info := map[string]any{
			"authority": n.Authority.String(), "blockhash": n.DurableNonce.String(),
			"feeCalculator": map[string]string{"lamportsPerSignature": fmt.Sprint(n.LamportsPerSignature)},
		}
		return &parsedAccount{Program: "nonce", Parsed: parsedValue{Type: "initialized", Info: info}, Space: len(a.Data)}
	case a.Owner == svm.SysvarOwnerID && len(a.Data) == svm.ClockSize:
		c, err := svm.DecodeClock(a.Data)
		if err != nil {
			return nil
		}
		info := map[string]any{"slot": c.Slot, "epoch": c.Epoch, "epochStartTimestamp": c.EpochStartTimestamp,
			"leaderScheduleEpoch": c.LeaderScheduleEpoch, "unixTimestamp": c.UnixTimestamp}
		return &parsedAccount{Program: "sysvar", Parsed: parsedValue{Type: "clock", Info: info}, Space: len(a.Data)}
	case a.Owner == svm.SysvarOwnerID && len(a.Data) == 17:
		info := map[string]any{
			"lamportsPerByteYear": binary.LittleEndian.Uint64(a.Data),
			"exemptionThreshold":  math.Float64frombits(binary.LittleEndian.Uint64(a.Data[8:])),
			"burnPercent":         a.Data[16],
		}
		return &parsedAccount{Program: "sysvar", Parsed: parsedValue{Type: "rent", Info: info}, Space: len(a.Data)}
	}
	return nil
}

// uiTransaction is a transaction in the "json" encoding.
type uiTransaction struct {
	Signatures []string  `json:"signatures"`
	Message    uiMessage `json:"message"`
}

type uiMessage struct {
	AccountKeys         []string          `json:"accountKeys"`
	Header              uiHeader          `json:"header"`
	Instructions        []uiInstruction   `json:"instructions"`
	RecentBlockhash     string            `json:"recentBlockhash"`
	AddressTableLookups []uiAddressLookup `json:"addressTableLookups,omitempty"`
}

type uiHeader struct {
	NumReadonlySignedAccounts   uint8 `json:"numReadonlySignedAccounts"`
	NumReadonlyUnsignedAccounts uint8 `json:"numReadonlyUnsignedAccounts"`
	NumRequiredSignatures       uint8 `json:"numRequiredSignatures"`
}

type uiInstruction struct {
	Accounts       []int   `json:"accounts"`
	Data           string  `json:"data"`
	ProgramIDIndex uint8   `json:"programIdIndex"`
	StackHeight    *uint32 `json:"stackHeight"`
}

type uiAddressLookup struct {
	AccountKey      string `json:"accountKey"`
	ReadonlyIndexes []int  `json:"readonlyIndexes"`
	WritableIndexes []int  `json:"writableIndexes"`
}

func intsOf(b []uint8) []int {
	out := make([]int, len(b))
	for i, v := range b {
		out[i] = int(v)
	}
	return out
}

func encodeTxJSON(tx *sol.Transaction) uiTransaction {
	m := &tx.Message
	out := uiTransaction{Signatures: make([]string, len(tx.Signatures)), Message: uiMessage{
		AccountKeys: make([]string, len(m.AccountKeys)),
		Header: uiHeader{NumReadonlySignedAccounts: m.Header.NumReadonlySignedAccounts,
			NumReadonlyUnsignedAccounts: m.Header.NumReadonlyUnsignedAccounts, NumRequiredSignatures: m.Header.NumRequiredSignatures},
		Instructions:    make([]uiInstruction, len(m.Instructions)),
		RecentBlockhash: m.RecentBlockhash.String(),
	}}
	for i := range tx.Signatures {
		out.Signatures[i] = tx.Signatures[i].String()
	}
	for i := range m.AccountKeys {
		out.Message.AccountKeys[i] = m.AccountKeys[i].String()
	}
	for i := range m.Instructions {
		in := &m.Instructions[i]
		out.Message.Instructions[i] = uiInstruction{Accounts: intsOf(in.Accounts), Data: base58.Encode(in.Data), ProgramIDIndex: in.ProgramIDIndex}
	}
	if m.Version == sol.MessageV0 {
		out.Message.AddressTableLookups = make([]uiAddressLookup, len(m.AddressTableLookups))
		for i := range m.AddressTableLookups {
			l := &m.AddressTableLookups[i]
			out.Message.AddressTableLookups[i] = uiAddressLookup{AccountKey: l.AccountKey.String(),
				ReadonlyIndexes: intsOf(l.ReadonlyIndexes), WritableIndexes: intsOf(l.WritableIndexes)}
		}
	}
	return out
}

// uiMeta is a transaction's status meta.
type uiMeta struct {
	Err                  *svm.TransactionError `json:"err"`
	Status               map[string]any        `json:"status"`
	Fee                  uint64                `json:"fee"`
	PreBalances          []uint64              `json:"preBalances"`
	PostBalances         []uint64              `json:"postBalances"`
	InnerInstructions    []any                 `json:"innerInstructions"`
	LogMessages          []string              `json:"logMessages"`
	PreTokenBalances     []any                 `json:"preTokenBalances"`
	PostTokenBalances    []any                 `json:"postTokenBalances"`
	Rewards              []any                 `json:"rewards"`
	LoadedAddresses      uiLoaded              `json:"loadedAddresses"`
	ComputeUnitsConsumed uint64                `json:"computeUnitsConsumed"`
	ReturnData           *uiReturnData         `json:"returnData,omitempty"`
}

type uiLoaded struct {
	Readonly []string `json:"readonly"`
	Writable []string `json:"writable"`
}

type uiReturnData struct {
	ProgramID string    `json:"programId"`
	Data      [2]string `json:"data"`
}

func encodeReturnData(r *svm.ReturnData) *uiReturnData {
	if r == nil {
		return nil
	}
	return &uiReturnData{ProgramID: r.ProgramID.String(), Data: [2]string{base64.StdEncoding.EncodeToString(r.Data), "base64"}}
}

func txStatus(err *svm.TransactionError) map[string]any {
	if err == nil {
		return map[string]any{"Ok": nil}
	}
	return map[string]any{"Err": err}
}

func nonNil[T any](s []T) []T {
	if s == nil {
		return []T{}
	}
	return s
}

func encodeMeta(tx *sol.Transaction, r *svm.TxResult) *uiMeta {
	m := &uiMeta{Err: r.Err, Status: txStatus(r.Err), Fee: r.Fee,
		PreBalances: nonNil(r.PreBalances), PostBalances: nonNil(r.PostBalances),
		InnerInstructions: []any{}, LogMessages: nonNil(r.Logs), PreTokenBalances: []any{}, PostTokenBalances: []any{},
		Rewards: []any{}, LoadedAddresses: uiLoaded{Readonly: []string{}, Writable: []string{}},
		ComputeUnitsConsumed: r.UnitsConsumed, ReturnData: encodeReturnData(r.ReturnData)}
	nStatic := len(tx.Message.AccountKeys)
	nWritable := 0
	for i := range tx.Message.AddressTableLookups {
		nWritable += len(tx.Message.AddressTableLookups[i].WritableIndexes)
	}
	for i := nStatic; i < len(r.Keys); i++ {
		if i-nStatic < nWritable {
			m.LoadedAddresses.Writable = append(m.LoadedAddresses.Writable, r.Keys[i].String())
		} else {
			m.LoadedAddresses.Readonly = append(m.LoadedAddresses.Readonly, r.Keys[i].String())
		}
	}
	return m
}

// instrErrorDisplay is Agave's text for an instruction error.
func instrErrorDisplay(e svm.InstructionError) string {
	switch e.Kind {
	case svm.Custom:
		return fmt.Sprintf("custom program error: %#x", e.Code)
	case svm.InsufficientFunds:
		return "insufficient funds for instruction"
	case svm.ComputationalBudgetExceeded:
		return "Computational budget exceeded"
	case svm.InvalidInstructionData:
		return "invalid instruction data"
	case svm.InvalidAccountData:
		return "invalid account data for instruction"
	case svm.MissingRequiredSignature:
		return "missing required signature for instruction"
	case svm.AccountAlreadyInitialized:
		return "instruction requires an uninitialized account"
	case svm.ExternalAccountLamportSpend:
		return "instruction spent from the balance of an account it does not own"
	case svm.GenericError:
		return "generic instruction error"
	}
	return e.Kind.String()
}

// txErrorDisplay is Agave's text for a transaction error, which preflight
// failure messages carry.
func txErrorDisplay(e *svm.TransactionError) string {
	if e == nil {
		return "ok"
	}
	switch e.Kind {
	case svm.InstructionErrorKind:
		return fmt.Sprintf("Error processing Instruction %d: %s", e.Index, instrErrorDisplay(e.Instr))
	case svm.AccountNotFound:
		return "Attempt to debit an account but found no record of a prior credit."
	case svm.BlockhashNotFound:
		return "Blockhash not found"
	case svm.AlreadyProcessed:
		return "This transaction has already been processed"
	case svm.InsufficientFundsForFee:
		return "Insufficient funds for fee"
	case svm.InvalidAccountForFee:
		return "This account may not be used to pay transaction fees"
	case svm.SignatureFailure:
		return "Transaction did not pass signature verification"
	case svm.ProgramAccountNotFound:
		return "Attempt to load a program that does not exist"
	case svm.InsufficientFundsForRent:
		return fmt.Sprintf("Transaction results in an account (%d) with insufficient funds for rent", e.Index)
	}
	return e.Kind.String()
}
