// Package genesis owns the genesis document of an atoll network: its JSON
// form, its loading with precise errors (file position for syntax errors,
// section path for rule violations), the chain context derived from it, and
// applying it to a fresh state in the fixed service order. Validation is
// applying the document to an in-memory state with the same rules the
// services enforce on transactions, so genesis cannot hold anything a
// transaction could not have produced.
package genesis
