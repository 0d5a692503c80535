module github.com/atoll-dev/atoll

go 1.26.8

require (
	filippo.io/edwards25519 v1.2.0
	github.com/mr-tron/base58 v1.3.0
	github.com/spf13/cobra v1.10.2
)

require (
	github.com/inconshreveable/mousetrap v1.1.0 // indirect
	github.com/spf13/pflag v1.0.9 // indirect
)
