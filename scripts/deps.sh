#!/usr/bin/env bash
# Installs, or clearly asks for, what the test suite needs beyond Go:
# clang, lld and bubblewrap from Debian, and the npm packages of the client tests.
set -euo pipefail
cd "$(dirname "$0")/.."

need=()
command -v clang >/dev/null   || need+=(clang)
command -v ld.lld >/dev/null  || need+=(lld)
command -v bwrap >/dev/null   || need+=(bubblewrap)
command -v node >/dev/null    || need+=(nodejs npm)

if [ ${#need[@]} -gt 0 ]; then
  if [ "$(id -u)" = 0 ] && command -v apt-get >/dev/null; then
    echo "deps: installing ${need[*]} from Debian"
    apt-get update -qq
    DEBIAN_FRONTEND=noninteractive apt-get install -y -qq "${need[@]}" >/dev/null
  else
    echo "deps: missing ${need[*]}. Install them with:" >&2
    echo "    sudo apt-get install -y ${need[*]}" >&2
    exit 1
  fi
fi

# npm packages for the real-client tests live in a test-only folder.
if [ -f tests/clients/package.json ]; then
  if [ ! -d tests/clients/node_modules ] || [ tests/clients/package.json -nt tests/clients/node_modules ]; then
    echo "deps: installing npm packages into tests/clients"
    (cd tests/clients && npm ci --no-audit --no-fund --loglevel=error 2>/dev/null || npm install --no-audit --no-fund --loglevel=error)
    touch tests/clients/node_modules
  fi
fi
