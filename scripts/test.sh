#!/usr/bin/env bash
# The whole test suite: formatting, vet, unit and end-to-end tests, the race
# detector on the concurrent packages, and a short smoke run of every fuzz target.
# Usage: make test      (FUZZTIME=60s make test for longer fuzz runs)
set -euo pipefail
cd "$(dirname "$0")/.."

bash scripts/deps.sh

echo "== gofmt"
unformatted=$(gofmt -l $(git ls-files '*.go' 2>/dev/null || find . -name '*.go' -not -path './tests/clients/node_modules/*'))
if [ -n "$unformatted" ]; then
  echo "gofmt would change:"; echo "$unformatted"; exit 1
fi

echo "== go vet"
go vet ./...

echo "== go test"
go test -count=1 -timeout 20m ./...

# Packages whose code runs goroutines; keep this list in step with the code.
race_pkgs=$(cat scripts/race-packages.txt 2>/dev/null | grep -v '^#' | xargs -r -I{} echo ./{} )
if [ -n "$race_pkgs" ]; then
  echo "== go test -race"
  go test -count=1 -race -timeout 20m $race_pkgs
fi

# The smoke run counts executions rather than seconds: a duration deadline can
# expire while a large instrumented test binary is still starting on a busy
# machine, which Go reports as a failure. Long runs: FUZZTIME=60s make test.
echo "== fuzz smoke (${FUZZTIME:=300x} each)"
git grep -l '^func Fuzz' -- '*_test.go' | while read -r file; do
  pkg=./$(dirname "$file")
  for target in $(grep -o '^func Fuzz[A-Za-z0-9_]*' "$file" | cut -d' ' -f2); do
    echo "-- $pkg $target"
    go test -run='^$' -fuzz="^${target}\$" -fuzztime="$FUZZTIME" "$pkg" >/tmp/atoll-fuzz.log 2>&1 || { cat /tmp/atoll-fuzz.log; exit 1; }
  done
done
echo "all tests passed"
