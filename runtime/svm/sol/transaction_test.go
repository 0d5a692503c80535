package sol

import (
	"bytes"
	"crypto/ed25519"
	"encoding/binary"
	"encoding/hex"
	"encoding/json"
	"errors"
	"os"
	"testing"

	solanago "github.com/gagliardetto/solana-go"
	"github.com/gagliardetto/solana-go/programs/system"
)

type goldenTransfer struct {
	Payer          string `json:"payer"`
	To             string `json:"to"`
	Lamports       uint64 `json:"lamports"`
	Blockhash      string `json:"blockhash"`
	MessageHex     string `json:"message_hex"`
	TransactionHex string `json:"transaction_hex"`
}

func loadGolden(t *testing.T) (goldenTransfer, []byte) {
	t.Helper()
	raw, err := os.ReadFile("testdata/golden_transfer.json")
	if err != nil {
		t.Fatal(err)
	}
	var g goldenTransfer
	if err := json.Unmarshal(raw, &g); err != nil {
		t.Fatal(err)
	}
	txBytes, err := hex.DecodeString(g.TransactionHex)
	if err != nil {
		t.Fatal(err)
	}
	return g, txBytes
}

func seedKey() ed25519.PrivateKey {
	seed := make([]byte, 32)
	for i := range seed {
		seed[i] = byte(i + 1)
	}
	return ed25519.NewKeyFromSeed(seed)
}

func transferInstruction(from, to Pubkey, lamports uint64) Instruction {
	data := binary.LittleEndian.AppendUint32(nil, 2)
	data = binary.LittleEndian.AppendUint64(data, lamports)
	return Instruction{
		ProgramID: Pubkey{},
		Accounts:  []AccountMeta{{Pubkey: from, IsSigner: true, IsWritable: true}, {Pubkey: to, IsWritable: true}},
		Data:      data,
	}
}

// The golden vector's bytes were produced by @solana/web3.js
// (tests/clients/golden-transfer.mjs); atoll must decode them and produce them.
func TestTransaction_GoldenVectorWeb3js(t *testing.T) {
	g, want := loadGolden(t)
	tx, err := DecodeTransaction(want)
	if err != nil {
		t.Fatal(err)
	}
	if tx.FeePayer().String() != g.Payer || tx.Message.AccountKeys[1].String() != g.To || tx.Message.RecentBlockhash.String() != g.Blockhash {
		t.Fatalf("decoded the wrong keys: %v", tx.Message.AccountKeys)
	}
	if hex.EncodeToString(tx.MessageBytes) != g.MessageHex {
		t.Fatal("message bytes differ")
	}
	payerKey := tx.FeePayer()
	if !ed25519.Verify(payerKey[:], tx.MessageBytes, tx.Signatures[0][:]) {
		t.Fatal("web3.js signature does not verify")
	}

	key := seedKey()
	var payer Pubkey
	copy(payer[:], key.Public().(ed25519.PublicKey))
	if payer.String() != "9C6hybhQ6Aycep9jaUnP6uL9ZYvDjUp1aSkFWPUFJtpj" {
		t.Fatalf("seed 1..32 gave %s", payer)
	}
	msg, err := NewLegacyMessage(payer, MustHash(g.Blockhash), transferInstruction(payer, MustPubkey(g.To), g.Lamports))
	if err != nil {
		t.Fatal(err)
	}
	ours := Transaction{Message: msg}
	if err := ours.Sign(key); err != nil {
		t.Fatal(err)
	}
	got, _ := ours.MarshalBinary()
	if !bytes.Equal(got, want) {
		t.Fatalf("atoll encodes\n%x\nweb3.js encodes\n%x", got, want)
	}
}

// solana-go, the other real client, must agree byte for byte as well.
func TestTransaction_GoldenVectorSolanaGo(t *testing.T) {
	g, want := loadGolden(t)
	key := seedKey()
	sgKey := solanago.PrivateKey(key)
	tx, err := solanago.NewTransaction(
		[]solanago.Instruction{system.NewTransferInstruction(g.Lamports, sgKey.PublicKey(), solanago.MustPublicKeyFromBase58(g.To)).Build()},
		solanago.MustHashFromBase58(g.Blockhash),
		solanago.TransactionPayer(sgKey.PublicKey()),
	)
	if err != nil {
		t.Fatal(err)
	}
	if _, err := tx.Sign(func(solanago.PublicKey) *solanago.PrivateKey { return &sgKey }); err != nil {
		t.Fatal(err)
	}
	got, err := tx.MarshalBinary()
	if err != nil {
		t.Fatal(err)
	}
	if !bytes.Equal(got, want) {
		t.Fatalf("solana-go encodes\n%x\nweb3.js encodes\n%x", got, want)
	}
}

func TestDecodeTransaction_Rejects(t *testing.T) {
	_, good := loadGolden(t)
	mutate := func(f func(b []byte) []byte) []byte { return f(bytes.Clone(good)) }
	msgOff := 1 + 64
	cases := map[string]struct {
		b    []byte
		want error
	}{
		"too large":        {make([]byte, MaxTransactionSize+1), ErrTxTooLarge},
		"truncated":        {good[:len(good)-1], ErrTxTruncated},
		"trailing":         {append(bytes.Clone(good), 0), ErrTxTrailingBytes},
		"version 1":        {mutate(func(b []byte) []byte { return append(append(b[:msgOff:msgOff], 0x81), good[msgOff:]...) }), ErrUnsupportedVersion},
		"two signers":      {mutate(func(b []byte) []byte { b[msgOff] = 2; return b }), ErrSignatureCount},
		"no signer":        {mutate(func(b []byte) []byte { b[msgOff] = 0; return b }), ErrHeaderInconsistent},
		"readonly payer":   {mutate(func(b []byte) []byte { b[msgOff+1] = 1; return b }), ErrHeaderInconsistent},
		"too many ro":      {mutate(func(b []byte) []byte { b[msgOff+2] = 3; return b }), ErrHeaderInconsistent},
		"program index":    {mutate(func(b []byte) []byte { b[len(b)-17] = 7; return b }), ErrIndexOutOfRange},
		"payer as program": {mutate(func(b []byte) []byte { b[len(b)-17] = 0; return b }), ErrInvalidProgramIndex},
		"account index":    {mutate(func(b []byte) []byte { b[len(b)-14] = 3; return b }), ErrIndexOutOfRange},
		"duplicate key":    {mutate(func(b []byte) []byte { copy(b[msgOff+4+32:], b[msgOff+4:msgOff+4+32]); return b }), ErrDuplicateKey},
		"bad length":       {append([]byte{0x81, 0x00}, good[1:]...), ErrShortVecNonCanonical},
	}
	for name, c := range cases {
		if _, err := DecodeTransaction(c.b); !errors.Is(err, c.want) {
			t.Errorf("%s: got %v, want %v", name, err, c.want)
		}
	}
}

func TestTransaction_V0RoundTrip(t *testing.T) {
	m := Message{
		Version:         MessageV0,
		Header:          MessageHeader{NumRequiredSignatures: 1, NumReadonlyUnsignedAccounts: 1},
		AccountKeys:     []Pubkey{{1}, {2}},
		RecentBlockhash: Hash{9},
		Instructions:    []CompiledInstruction{{ProgramIDIndex: 1, Accounts: []uint8{0, 2, 3}, Data: []byte{1, 2, 3}}},
		AddressTableLookups: []AddressTableLookup{
			{AccountKey: Pubkey{7}, WritableIndexes: []uint8{4}, ReadonlyIndexes: []uint8{0}},
		},
	}
	tx := Transaction{Signatures: []Signature{{5}}, Message: m}
	b, _ := tx.MarshalBinary()
	got, err := DecodeTransaction(b)
	if err != nil {
		t.Fatal(err)
	}
	again, _ := got.MarshalBinary()
	if !bytes.Equal(again, b) || got.Message.Version != MessageV0 || got.Message.NumLookupKeys() != 2 {
		t.Fatalf("v0 round trip failed: %+v", got.Message)
	}
	if !got.Message.IsWritableByHeader(2) || got.Message.IsWritableByHeader(3) || got.Message.IsWritableByHeader(1) {
		t.Fatal("v0 writability is wrong")
	}
}

func FuzzDecodeTransaction(f *testing.F) {
	raw, _ := os.ReadFile("testdata/golden_transfer.json")
	var g goldenTransfer
	_ = json.Unmarshal(raw, &g)
	good, _ := hex.DecodeString(g.TransactionHex)
	f.Add(good)
	f.Add([]byte{1})
	f.Fuzz(func(t *testing.T, b []byte) {
		tx, err := DecodeTransaction(b)
		if err != nil {
			return
		}
		again, err := tx.MarshalBinary()
		if err != nil || !bytes.Equal(again, b) {
			t.Fatalf("accepted bytes that do not re-encode identically")
		}
		for i := range tx.Message.Instructions {
			_ = tx.Message.IsWritableByHeader(int(tx.Message.Instructions[i].ProgramIDIndex))
		}
	})
}
