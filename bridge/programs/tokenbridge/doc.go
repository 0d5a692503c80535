// Package tokenbridge owns the token bridge application at
// address.TokenBridge: it locks lamports in its escrow (the program address
// ["escrow"]) and dispatches a transfer message through the Home; on the
// destination, its handle (the recipient ABI of package recipient) mints the
// wrapped balance in the token program; a holder burns wrapped balance to send
// it back, and the origin's handle releases the escrowed lamports.
//
// Every network runs the token bridge at the same address, so a transfer is
// trusted only if its message's sender is address.TokenBridge and it arrives
// through the Replica that the connection manager enrols for its origin.
// Wrapped balances travel only back to their origin domain, so the escrow on
// a domain always backs every wrapped balance of its lamports elsewhere:
// value is conserved across domains.
//
// Transfer message body (44 bytes, big-endian):
//
//	offset  size  field
//	     0     4  asset origin domain (where the lamports are escrowed)
//	     4    32  recipient, the receiving account on the destination
//	    36     8  amount in lamports
package tokenbridge
