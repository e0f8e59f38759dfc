# Shell helpers shared by the benchmark scripts (bench/run, bench/broker); sourced, not run.
# Every server is started on 127.0.0.1 through start_server, so that stop_servers (the scripts'
# EXIT trap) stops exactly the processes this script started and nothing else.

server_pids=()

# A loopback port nothing listens on. Random in a range the kernel does not hand out as
# ephemeral ports by default, so a client connection is unlikely to take it before the server does.
free_port() {
  local port
  for _ in $(seq 1 100); do
    port=$((20000 + RANDOM % 12000))
    if ! (exec 3<>"/dev/tcp/127.0.0.1/$port") 2>/dev/null; then
      echo "$port"
      return 0
    fi
  done
  echo "bench: no free port found" >&2
  return 1
}

# start_server LOG COMMAND...: runs COMMAND in the background; exec'd, so $last_pid is the server's
# own pid (use `env -C DIR VAR=... cmd` for a working directory or variables: env execs too).
start_server() {
  local log=$1
  shift
  (exec "$@" > "$log" 2>&1) &
  server_pids+=($!)
  last_pid=$!
}

# stop_server PID: TERM, then KILL if it has not gone within 15 s; then it is no longer ours to stop.
stop_server() {
  local pid=$1 p remaining=()
  for p in "${server_pids[@]}"; do [ "$p" = "$pid" ] || remaining+=("$p"); done
  server_pids=("${remaining[@]}")
  kill "$pid" 2>/dev/null || return 0
  for _ in $(seq 1 150); do
    kill -0 "$pid" 2>/dev/null || { wait "$pid" 2>/dev/null || true; return 0; }
    sleep 0.1
  done
  kill -9 "$pid" 2>/dev/null || true
  wait "$pid" 2>/dev/null || true
}

stop_servers() {
  local pid
  for pid in "${server_pids[@]}"; do stop_server "$pid"; done
}

# wait_ready PID LOG CHECK...: polls CHECK (a command) until it succeeds; gives up after 120 s or as
# soon as the server process has exited, showing the end of its log.
wait_ready() {
  local pid=$1 log=$2
  shift 2
  local deadline=$((SECONDS + 120))
  until "$@"; do
    if ! kill -0 "$pid" 2>/dev/null; then
      echo "bench: the server exited before it was ready; end of $log:" >&2
      tail -n 30 "$log" >&2
      return 1
    fi
    if ((SECONDS >= deadline)); then
      echo "bench: the server was not ready within 120 s; end of $log:" >&2
      tail -n 30 "$log" >&2
      return 1
    fi
    sleep 0.2
  done
}

# http_ok URL: a GET answered 200.
http_ok() {
  [ "$(curl -s -o /dev/null -m 2 -w '%{http_code}' "$1" || true)" = 200 ]
}

# mcp_initialize_ok URL: an MCP initialize POST answered 200 (the server is up and speaks MCP).
mcp_initialize_ok() {
  local init='{"jsonrpc":"2.0","id":1,"method":"initialize","params":{"protocolVersion":"2025-06-18","capabilities":{},"clientInfo":{"name":"bench-readiness","version":"1"}}}'
  [ "$(curl -s -o /dev/null -m 2 -w '%{http_code}' -H 'Content-Type: application/json' \
      -H 'Accept: application/json, text/event-stream' -d "$init" "$1" || true)" = 200 ]
}

# seconds_of 20s|500ms|2m|20: whole seconds, rounded up, for time bounds.
seconds_of() {
  local v=$1
  case "$v" in
    *ms) echo $(( (${v%ms} + 999) / 1000 )) ;;
    *s) echo "${v%s}" | awk '{printf "%d\n", ($1 == int($1)) ? $1 : int($1) + 1}' ;;
    *m) echo $(( ${v%m} * 60 )) ;;
    *) echo "$v" | awk '{printf "%d\n", ($1 == int($1)) ? $1 : int($1) + 1}' ;;
  esac
}

# write_machine_facts FILE NODE LOADAVG: what docs/BENCHMARKS.md says about the machine, as Java
# properties. LOADAVG is /proc/loadavg as the script found it, before its own builds added to it.
write_machine_facts() {
  local file=$1 node=$2 loadavg=$3 commit dirty=""
  commit=$(git rev-parse --short HEAD 2>/dev/null || echo unknown)
  git diff --quiet HEAD -- src pom.xml 2>/dev/null || dirty=" with uncommitted changes"
  {
    echo "date=$(date -u +%Y-%m-%d)"
    echo "nproc=$(nproc)"
    echo "cpu=$(grep -m1 'model name' /proc/cpuinfo | cut -d: -f2 | xargs)"
    echo "memory=$(awk '/MemTotal/ {printf "%.1f GiB", $2 / 1048576}' /proc/meminfo)"
    echo "os=$(. /etc/os-release 2>/dev/null && echo "$PRETTY_NAME"), Linux $(uname -r)"
    echo "java=$(java -version 2>&1 | head -n 1) ($(java -version 2>&1 | tail -n 1))"
    echo "node=$("$node" -v)"
    echo "loadavg=$loadavg"
    echo "switchboard=target/switchboard.jar of $(date -u -r target/switchboard.jar '+%Y-%m-%d %H:%M' 2>/dev/null || echo '?') UTC (working tree: commit $commit$dirty)"
  } > "$file"
}
