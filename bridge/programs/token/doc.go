// Package token owns the native token program of the bridge: wrapped
// balances of assets locked on other domains, one account per (origin
// domain, owner) at the program address ["balance", origin, owner] under
// address.Token, minted only by the token bridge's mint authority
// (address.MintAuthority), moved between holders by their owners and burnt
// by them.
package token
