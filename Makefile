.PHONY: test build devnet bench

build:
	go build -o bin/atoll ./cmd/atoll

test:
	bash scripts/test.sh

devnet: build
	./bin/atoll devnet

bench:
	go test -run='^$$' -bench=. -benchmem ./...
