// Package recipient owns the bridge's recipient ABI: the handle(origin, nonce,
// sender, body) instruction a Replica invokes on the program a message is
// addressed to, its account list, and the check a recipient makes that the
// call comes from an enrolled Replica.
//
// Instruction data (big-endian, like the Nomad message it carries):
//
//	offset  size  field
//	     0     8  discriminator: sha256("atoll:bridge:handle")[0:8]
//	     8     4  origin domain, uint32
//	    12     4  nonce, uint32
//	    16    32  sender, bytes32
//	    48     …  body, at most 2048 bytes, to the end
//
// Accounts:
//
//	0  replica state  signer (the Replica signs with this program address), read-only
//	1  connection manager state, read-only
//	2  payer          signer, writable: the processor, who pays for accounts the handler creates
//	3… the recipient's own accounts, as the processor listed them after the
//	   Replica's accounts in process/proveAndProcess, with the same flags
//
// A recipient trusts a message only if account 0 signs, is the Replica that
// the connection manager (account 1, at its fixed address) enrols for the
// origin domain, and the sender is the remote program it expects.
package recipient
