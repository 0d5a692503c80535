package loader

import (
	"encoding/binary"

	"github.com/atoll-dev/atoll/runtime/svm"
	"github.com/atoll-dev/atoll/runtime/svm/sol"
	"github.com/atoll-dev/atoll/vm/sbpf/abi"
	"github.com/atoll-dev/atoll/vm/sbpf/elf"
)

// Upgradeable loader instructions (bincode, u32 tag) and their accounts:
//
//	0 InitializeBuffer                      [buffer w, authority]
//	1 Write { offset u32, bytes Vec<u8> }   [buffer w, authority s]
//	2 DeployWithMaxDataLen { max_len u64 }  [payer ws, programdata w, program w, buffer w, rent, clock, system program, authority s]
//	3 Upgrade                               [programdata w, program w, buffer w, spill w, rent, clock, authority s]
//	4 SetAuthority                          [buffer or programdata w, authority s, new authority (optional)]
//	5 Close                                 [buffer or programdata w, recipient w, authority s, program w (programdata only)]
//	6 ExtendProgram                         refused: growing an account is the system program's alone (policy rule 4)
//	7 SetAuthorityChecked                   [buffer or programdata w, authority s, new authority s]
const (
	upInitializeBuffer = iota
	upWrite
	upDeployWithMaxDataLen
	upUpgrade
	upSetAuthority
	upClose
	upExtendProgram
	upSetAuthorityChecked
)

type upgradeable struct {
	r   *Runtime
	ctx *svm.InvokeContext
}

func (r *Runtime) processUpgradeable(ctx *svm.InvokeContext) error {
	if ctx.ProgramID != svm.BPFLoaderUpgradeableID {
		return r.runUpgradeable(ctx)
	}
	if err := ctx.Meter().Consume(upgradeableUnits); err != nil {
		return err
	}
	if len(ctx.Data) < 4 {
		return svm.ErrInvalidInstructionData
	}
	u := upgradeable{r: r, ctx: ctx}
	switch binary.LittleEndian.Uint32(ctx.Data) {
	case upInitializeBuffer:
		return u.initializeBuffer()
	case upWrite:
		return u.write()
	case upDeployWithMaxDataLen:
		if len(ctx.Data) < 12 {
			return svm.ErrInvalidInstructionData
		}
		return u.deploy(binary.LittleEndian.Uint64(ctx.Data[4:]))
	case upUpgrade:
		return u.upgrade()
	case upSetAuthority:
		return u.setAuthority(false)
	case upSetAuthorityChecked:
		return u.setAuthority(true)
	case upClose:
		return u.close()
	}
	return svm.ErrInvalidInstructionData
}

// upgradeableUnits is what a management instruction costs.
const upgradeableUnits = 2_370

// runUpgradeable runs a deployed program: its account names the programdata
// account, whose bytes after the header are the ELF. A program deployed or
// upgraded in the current slot becomes visible in the next.
func (r *Runtime) runUpgradeable(ctx *svm.InvokeContext) error {
	prog, ok := ctx.TxAccount(ctx.ProgramID)
	if !ok || !prog.Executable {
		return svm.ErrAccountNotExecutable
	}
	st, err := DecodeUpgradeableState(prog.Data)
	if err != nil || st.Kind != stateProgram {
		return svm.ErrInvalidAccountData
	}
	pd, exists, err := ctx.LoadAccount(st.ProgramData)
	if err != nil {
		return err
	}
	pst, derr := DecodeUpgradeableState(pd.Data)
	if !exists || pd.Owner != svm.BPFLoaderUpgradeableID || derr != nil || pst.Kind != stateProgramData {
		ctx.Log("Program is not deployed")
		return svm.ErrUnsupportedProgramID
	}
	if pst.DeploySlot >= ctx.Block().Slot {
		ctx.Log("Program is not deployed")
		return svm.ErrUnsupportedProgramID
	}
	key := cacheKey{program: ctx.ProgramID, version: versionOfSlot(pst.DeploySlot)}
	return r.execute(ctx, key, pd.Data[ProgramDataMetadataSize:], abi.Aligned)
}

func (u upgradeable) log(msg string) { u.ctx.Log(msg) }

func (u upgradeable) acct(i int) (*svm.InstrAccount, error) { return u.ctx.Account(i) }

// checkAuthority requires the recorded authority to be account i and to sign.
func (u upgradeable) checkAuthority(recorded *sol.Pubkey, i int) error {
	if recorded == nil {
		u.log("Account is immutable")
		return svm.InstructionError{Kind: svm.Immutable}
	}
	a, err := u.acct(i)
	if err != nil {
		return err
	}
	if a.Key != *recorded {
		u.log("Incorrect authority provided")
		return svm.ErrIncorrectAuthority
	}
	if !a.Signer {
		u.log("Authority did not sign")
		return svm.ErrMissingRequiredSignature
	}
	return nil
}

func (u upgradeable) initializeBuffer() error {
	buf, err := u.acct(0)
	if err != nil {
		return err
	}
	auth, err := u.acct(1)
	if err != nil {
		return err
	}
	st, err := DecodeUpgradeableState(buf.Account.Data)
	if err != nil || st.Kind != stateUninitialized {
		u.log("Buffer account already initialized")
		return svm.ErrAccountAlreadyInitialized
	}
	k := auth.Key
	return (&UpgradeableState{Kind: stateBuffer, Authority: &k}).encodeInto(buf.Account.Data)
}

func (u upgradeable) write() error {
	d := u.ctx.Data
	if len(d) < 16 {
		return svm.ErrInvalidInstructionData
	}
	offset := uint64(binary.LittleEndian.Uint32(d[4:]))
	n := binary.LittleEndian.Uint64(d[8:])
	if n > uint64(len(d)-16) {
		return svm.ErrInvalidInstructionData
	}
	buf, err := u.acct(0)
	if err != nil {
		return err
	}
	st, err := DecodeUpgradeableState(buf.Account.Data)
	if err != nil || st.Kind != stateBuffer {
		u.log("Invalid Buffer account")
		return svm.ErrInvalidAccountData
	}
	if err := u.checkAuthority(st.Authority, 1); err != nil {
		return err
	}
	start := BufferMetadataSize + offset
	if start+n > uint64(len(buf.Account.Data)) {
		u.log("Write overflow")
		return svm.ErrAccountDataTooSmall
	}
	copy(buf.Account.Data[start:], d[16:16+n])
	return nil
}

func (u upgradeable) deploy(maxDataLen uint64) error {
	if u.ctx.NumAccounts() < 8 {
		return svm.ErrNotEnoughAccountKeys
	}
	payer, _ := u.acct(0)
	pdAcct, _ := u.acct(1)
	prog, _ := u.acct(2)
	buf, _ := u.acct(3)
	authority, _ := u.acct(7)

	pst, err := DecodeUpgradeableState(prog.Account.Data)
	if err != nil || pst.Kind != stateUninitialized {
		u.log("Program account already initialized")
		return svm.ErrAccountAlreadyInitialized
	}
	if len(prog.Account.Data) < ProgramAccountSize {
		u.log("Program account too small")
		return svm.ErrAccountDataTooSmall
	}
	if !u.ctx.Rent().IsExempt(prog.Account.Lamports, len(prog.Account.Data)) {
		u.log("Program account not rent-exempt")
		return svm.ErrExecutableNotRentExempt
	}
	bst, err := DecodeUpgradeableState(buf.Account.Data)
	if err != nil || bst.Kind != stateBuffer {
		u.log("Invalid Buffer account")
		return svm.ErrInvalidArgument
	}
	if bst.Authority == nil || *bst.Authority != authority.Key {
		u.log("Buffer and upgrade authority don't match")
		return svm.ErrIncorrectAuthority
	}
	if !authority.Signer {
		u.log("Upgrade authority did not sign")
		return svm.ErrMissingRequiredSignature
	}
	image := buf.Account.Data[BufferMetadataSize:]
	if len(image) == 0 {
		u.log("Buffer account too small")
		return svm.ErrInvalidAccountData
	}
	if maxDataLen < uint64(len(image)) {
		u.log("Max data length is too small to hold Buffer data")
		return svm.ErrAccountDataTooSmall
	}
	pdLen := ProgramDataMetadataSize + maxDataLen
	if pdLen > sol.MaxAccountDataSize {
		u.log("Max data length is too large")
		return svm.ErrInvalidArgument
	}
	if ProgramDataAddress(prog.Key) != pdAcct.Key {
		u.log("ProgramData address is not derived")
		return svm.ErrInvalidArgument
	}
	if _, err := elf.Load(image, u.r.registry); err != nil {
		u.log("Failed to load the program: " + err.Error())
		return svm.ErrInvalidAccountData
	}
	image = append([]byte(nil), image...)

	// The buffer's lamports pay for the programdata account.
	payer.Account.Lamports += buf.Account.Lamports
	buf.Account.Lamports = 0
	sysIx := svm.CreateAccount(payer.Key, pdAcct.Key, u.ctx.Rent().MinimumBalance(int(pdLen)), pdLen, svm.BPFLoaderUpgradeableID)
	if err := u.ctx.Invoke(sysIx, []sol.Pubkey{pdAcct.Key}); err != nil {
		return err
	}
	auth := authority.Key
	st := UpgradeableState{Kind: stateProgramData, DeploySlot: u.ctx.Block().Slot, Authority: &auth}
	if err := st.encodeInto(pdAcct.Account.Data); err != nil {
		return err
	}
	copy(pdAcct.Account.Data[ProgramDataMetadataSize:], image)
	if err := (&UpgradeableState{Kind: stateProgram, ProgramData: pdAcct.Key}).encodeInto(prog.Account.Data); err != nil {
		return err
	}
	prog.Account.Executable = true
	clear(buf.Account.Data)
	u.log("Deployed program " + prog.Key.String())
	return nil
}

func (u upgradeable) upgrade() error {
	if u.ctx.NumAccounts() < 7 {
		return svm.ErrNotEnoughAccountKeys
	}
	pdAcct, _ := u.acct(0)
	prog, _ := u.acct(1)
	buf, _ := u.acct(2)
	spill, _ := u.acct(3)
	if !prog.Account.Executable || prog.Account.Owner != svm.BPFLoaderUpgradeableID {
		u.log("Program account not executable")
		return svm.ErrAccountNotExecutable
	}
	if !prog.Writable {
		u.log("Program account not writeable")
		return svm.ErrInvalidArgument
	}
	pst, err := DecodeUpgradeableState(prog.Account.Data)
	if err != nil || pst.Kind != stateProgram || pst.ProgramData != pdAcct.Key {
		u.log("Invalid Program account")
		return svm.ErrInvalidArgument
	}
	bst, err := DecodeUpgradeableState(buf.Account.Data)
	if err != nil || bst.Kind != stateBuffer {
		u.log("Invalid Buffer account")
		return svm.ErrInvalidArgument
	}
	if err := u.checkAuthority(bst.Authority, 6); err != nil {
		return err
	}
	image := buf.Account.Data[BufferMetadataSize:]
	if len(image) == 0 {
		u.log("Buffer account too small")
		return svm.ErrInvalidAccountData
	}
	dst, err := DecodeUpgradeableState(pdAcct.Account.Data)
	if err != nil || dst.Kind != stateProgramData {
		u.log("Invalid ProgramData account")
		return svm.ErrInvalidAccountData
	}
	if dst.DeploySlot == u.ctx.Block().Slot {
		u.log("Program was deployed in this block already")
		return svm.ErrInvalidArgument
	}
	if err := u.checkAuthority(dst.Authority, 6); err != nil {
		return err
	}
	if len(pdAcct.Account.Data) < ProgramDataMetadataSize+len(image) {
		u.log("ProgramData account not large enough")
		return svm.ErrAccountDataTooSmall
	}
	if _, err := elf.Load(image, u.r.registry); err != nil {
		u.log("Failed to load the program: " + err.Error())
		return svm.ErrInvalidAccountData
	}
	dst.DeploySlot = u.ctx.Block().Slot
	if err := dst.encodeInto(pdAcct.Account.Data); err != nil {
		return err
	}
	body := pdAcct.Account.Data[ProgramDataMetadataSize:]
	n := copy(body, image)
	clear(body[n:])

	required := max(1, u.ctx.Rent().MinimumBalance(len(pdAcct.Account.Data)))
	total := pdAcct.Account.Lamports + buf.Account.Lamports
	if total < required {
		return svm.ErrInsufficientFunds
	}
	spill.Account.Lamports += total - required
	pdAcct.Account.Lamports = required
	buf.Account.Lamports = 0
	clear(buf.Account.Data)
	u.log("Upgraded program " + prog.Key.String())
	return nil
}

func (u upgradeable) setAuthority(checked bool) error {
	target, err := u.acct(0)
	if err != nil {
		return err
	}
	var newAuth *sol.Pubkey
	if na, err := u.acct(2); err == nil {
		k := na.Key
		newAuth = &k
		if checked && !na.Signer {
			u.log("New authority did not sign")
			return svm.ErrMissingRequiredSignature
		}
	} else if checked {
		return svm.ErrNotEnoughAccountKeys
	}
	st, err := DecodeUpgradeableState(target.Account.Data)
	if err != nil {
		return svm.ErrInvalidArgument
	}
	switch st.Kind {
	case stateBuffer:
		if newAuth == nil {
			u.log("Buffer authority is not optional")
			return svm.ErrIncorrectAuthority
		}
	case stateProgramData:
	default:
		u.log("Account does not support authorities")
		return svm.ErrInvalidArgument
	}
	if err := u.checkAuthority(st.Authority, 1); err != nil {
		return err
	}
	st.Authority = newAuth
	if err := st.encodeInto(target.Account.Data); err != nil {
		return err
	}
	u.log("New authority set")
	return nil
}

func (u upgradeable) close() error {
	target, err := u.acct(0)
	if err != nil {
		return err
	}
	recipient, err := u.acct(1)
	if err != nil {
		return err
	}
	if target.Key == recipient.Key {
		u.log("Recipient is the same as the account being closed")
		return svm.ErrInvalidArgument
	}
	st, err := DecodeUpgradeableState(target.Account.Data)
	if err != nil {
		return svm.ErrInvalidArgument
	}
	switch st.Kind {
	case stateUninitialized:
	case stateBuffer:
		if err := u.checkAuthority(st.Authority, 2); err != nil {
			return err
		}
	case stateProgramData:
		prog, err := u.acct(3)
		if err != nil {
			return err
		}
		if !prog.Writable {
			u.log("Program account is not writable")
			return svm.ErrInvalidArgument
		}
		if prog.Account.Owner != svm.BPFLoaderUpgradeableID {
			u.log("Program account not owned by loader")
			return svm.ErrIncorrectProgramID
		}
		if st.DeploySlot == u.ctx.Block().Slot {
			u.log("Program was deployed in this block already")
			return svm.ErrInvalidArgument
		}
		pst, err := DecodeUpgradeableState(prog.Account.Data)
		if err != nil || pst.Kind != stateProgram || pst.ProgramData != target.Key {
			u.log("ProgramData account does not match ProgramData account")
			return svm.ErrInvalidArgument
		}
		if err := u.checkAuthority(st.Authority, 2); err != nil {
			return err
		}
	default:
		return svm.ErrInvalidAccountData
	}
	recipient.Account.Lamports += target.Account.Lamports
	target.Account.Lamports = 0
	clear(target.Account.Data)
	u.log("Closed " + target.Key.String())
	return nil
}
