#!/usr/bin/env bash
# The gateway's cost beside nginx's, on this machine, with wrk. Everything on 127.0.0.1:
#
#   wrk ──> upstream stub (nginx, canned answers)                         "direct": the floor
#   wrk ──> nginx proxy_pass + a fixed api-key header ──> stub             "nginx": the target
#   wrk ──> llmauth serve (gateway key checked, Azure api-key set) ──> stub "gateway azure"
#   wrk ──> llmauth serve (an Entra bearer token set) ──> stub             "gateway entra"
#   wrk ──> llmauth serve (OpenAI → Converse, SigV4-signed) ──> stub        "gateway bedrock"
#   wrk ──> llmauth serve, stream:true (SSE passed through) ──> stub       "gateway azure stream"
#
# For each: requests/s, latency p50/p99, and for the proxies the CPU they spent per request
# (user+system time from /proc, divided by the requests wrk completed) and their peak RSS.
# wrk, the stub and the proxy share the machine's cores, so compare rows with each other, not
# with other machines. Then the time to first byte of a stream, direct and through the gateway
# (curl's time_starttransfer, median of 200 sequential requests): what the gateway adds. Last,
# the gateway's resident memory while it holds STREAMS (default 1000) streams open
# (bench/gateway/open_streams.js: a never-ending upstream and as many clients, in node). Usage: bench/gateway/run.sh [BUILD_DIR] (env: DURATION=10 CONNS="32 256";
# PERF_DATA=/tmp/gw records a perf profile of the gateway for each of its routes).
# Needs wrk and nginx (Debian: wrk nginx-light).
set -euo pipefail
cd "$(dirname "$0")/../.."
build=${1:-build}
duration=${DURATION:-10}
conns=${CONNS:-32 256}
threads=$(nproc)
for tool in wrk nginx; do
  command -v "$tool" >/dev/null 2>&1 || PATH="$PATH:/usr/sbin" command -v "$tool" >/dev/null 2>&1 ||
    { echo "bench/gateway: needs $tool (apt-get install wrk nginx-light)" >&2; exit 1; }
done
export PATH="$PATH:/usr/sbin"
serve="$build/llmauth-serve"
[ -x "$serve" ] || { echo "bench/gateway: build $serve first (scripts/build.sh $build)" >&2; exit 1; }

work=$(mktemp -d /tmp/llmauth-gwbench.XXXXXX)
pids=()
cleanup() {
  for p in "${pids[@]}"; do kill "$p" 2>/dev/null || true; done
  wait 2>/dev/null || true
  rm -rf "$work"
}
trap cleanup EXIT

free_port() { node -e 'const s=require("net").createServer().listen(0,"127.0.0.1",()=>{console.log(s.address().port);s.close()})'; }
stub_port=$(free_port); proxy_port=$(free_port); gw_port=$(free_port); slow_port=$(free_port)

# ---- the upstream stub: canned Azure OpenAI and Bedrock Converse answers -------------------------
completion='{"id":"chatcmpl-bench","object":"chat.completion","created":1700000000,"model":"gpt-4o","choices":[{"index":0,"message":{"role":"assistant","content":"Hello! How can I help you today?"},"finish_reason":"stop"}],"usage":{"prompt_tokens":12,"completion_tokens":9,"total_tokens":21}}'
converse='{"output":{"message":{"role":"assistant","content":[{"text":"Hello! How can I help you today?"}]}},"stopReason":"end_turn","usage":{"inputTokens":12,"outputTokens":9,"totalTokens":21},"metrics":{"latencyMs":100}}'
sse=""
for word in Hello '!' ' How' ' can' ' I' ' help' ' you' ' today' '?'; do
  sse+="data: {\"id\":\"chatcmpl-bench\",\"object\":\"chat.completion.chunk\",\"created\":1700000000,\"model\":\"gpt-4o\",\"choices\":[{\"index\":0,\"delta\":{\"content\":\"$word\"},\"finish_reason\":null}]}"$'\n\n'
done
sse+='data: {"id":"chatcmpl-bench","object":"chat.completion.chunk","created":1700000000,"model":"gpt-4o","choices":[{"index":0,"delta":{},"finish_reason":"stop"}]}'$'\n\n''data: [DONE]'$'\n\n'
mkdir -p "$work/stub" "$work/proxy"
printf '%s' "$completion" >"$work/stub/completion.json"
printf '%s' "$converse" >"$work/stub/converse.json"
printf '%s' "$sse" >"$work/stub/stream.sse"
common='daemon off; master_process off; error_log stderr error; pid PIDFILE;
events { worker_connections 4096; }'
cat >"$work/stub/nginx.conf" <<NGINX
${common//PIDFILE/$work/stub/nginx.pid}
http {
  access_log off;
  keepalive_requests 1000000;
  client_body_temp_path $work/stub; proxy_temp_path $work/stub;
  server {
    listen 127.0.0.1:$stub_port reuseport;
    root $work/stub;
    location ~ ^/openai/deployments/stream/ { default_type text/event-stream; try_files /stream.sse =500; error_page 405 =200 /stream.sse; }
    location ~ ^/openai/ { default_type application/json; try_files /completion.json =500; error_page 405 =200 /completion.json; }
    location ~ /converse\$ { default_type application/json; try_files /converse.json =500; error_page 405 =200 /converse.json; }
  }
}
NGINX
# The baseline proxy: as many workers as the gateway has threads, keep-alive to the stub.
cat >"$work/proxy/nginx.conf" <<NGINX
daemon off; master_process on; worker_processes $threads; error_log stderr error; pid $work/proxy/nginx.pid;
events { worker_connections 4096; }
http {
  access_log off;
  keepalive_requests 1000000;
  client_body_temp_path $work/proxy; proxy_temp_path $work/proxy;
  upstream stub { server 127.0.0.1:$stub_port; keepalive 256; }
  server {
    listen 127.0.0.1:$proxy_port;
    location / {
      proxy_pass http://stub;
      proxy_http_version 1.1;
      proxy_set_header Connection "";
      proxy_set_header Authorization "";
      proxy_set_header api-key "bench-azure-openai-key";
      proxy_buffering off;
    }
  }
}
NGINX
nginx -p "$work/stub" -c "$work/stub/nginx.conf" & pids+=($!)
nginx -p "$work/proxy" -c "$work/proxy/nginx.conf" & pids+=($!)
proxy_master=$!

# ---- the gateway ------------------------------------------------------------------------------
cat >"$work/providers.json" <<JSON
{"providers": [
  {"name": "azure", "type": "azure_openai", "endpoint": "http://127.0.0.1:$stub_port",
   "api": "deployments", "api_version": "2024-10-21", "deployment": "gpt-4o",
   "auth": {"type": "api_key", "api_key": {"env": "BENCH_AZURE_KEY"}}},
  {"name": "entra", "type": "azure_openai", "endpoint": "http://127.0.0.1:$stub_port",
   "api": "deployments", "api_version": "2024-10-21", "deployment": "gpt-4o",
   "auth": {"type": "azure_ad_token", "token": {"env": "BENCH_ENTRA_TOKEN"}}},
  {"name": "slow", "type": "azure_openai", "endpoint": "http://127.0.0.1:$slow_port",
   "api": "deployments", "api_version": "2024-10-21", "deployment": "gpt-4o",
   "auth": {"type": "api_key", "api_key": {"env": "BENCH_AZURE_KEY"}}},
  {"name": "bedrock", "type": "aws_bedrock", "region": "us-east-1",
   "endpoint_url": "http://127.0.0.1:$stub_port", "model": "anthropic.claude-3-haiku-20240307-v1:0",
   "auth": {"type": "access_keys", "access_key_id": "AKIDEXAMPLE",
            "secret_access_key": {"env": "BENCH_AWS_SECRET"}}}
]}
JSON
# A bearer token shaped as Entra's (a JWT whose exp is far ahead; the stub does not check it).
b64url() { base64 -w0 | tr '+/' '-_' | tr -d '='; }
entra_token="$(printf '{"alg":"RS256","typ":"JWT"}' | b64url).$(printf '{"aud":"https://cognitiveservices.azure.com","exp":4102444800}' | b64url).$(printf 'bench-signature' | b64url)"
gw_key=$("$build/llmauth" keys create --keys "$work/keys.json" --name bench 2>/dev/null)
env -i PATH="$PATH" HOME="$work" LLMAUTH_LOOPBACK_ONLY=1 AWS_EC2_METADATA_DISABLED=true \
  BENCH_AZURE_KEY=bench-azure-openai-key BENCH_ENTRA_TOKEN="$entra_token" BENCH_AWS_SECRET=wJalrXUtnFEMI/K7MDENG+bPxRfiCYEXAMPLEKEY \
  "$serve" --config "$work/providers.json" --keys "$work/keys.json" \
  --listen "127.0.0.1:$gw_port" --threads "$threads" 2>"$work/serve.log" >/dev/null &
gw_pid=$!; pids+=($gw_pid)
for _ in $(seq 1 100); do
  curl -sf "http://127.0.0.1:$gw_port/readyz" >/dev/null 2>&1 && break
  sleep 0.1
done
curl -sf "http://127.0.0.1:$gw_port/readyz" >/dev/null || { cat "$work/serve.log"; echo "the gateway did not start" >&2; exit 1; }
for _ in $(seq 1 50); do curl -sf "http://127.0.0.1:$proxy_port/openai/x" -d '{}' >/dev/null 2>&1 && break; sleep 0.1; done

# ---- wrk ----------------------------------------------------------------------------------------
body='{"model":"MODEL","messages":[{"role":"user","content":"Hello"}],"max_tokens":64STREAM}'
lua() {  # lua FILE PATH MODEL STREAM(bool)
  local b=${body/MODEL/$3}
  if [ "$4" = true ]; then b=${b/STREAM/,\"stream\":true}; else b=${b/STREAM/}; fi
  cat >"$1" <<LUA
wrk.method = "POST"
wrk.path = "$2"
wrk.body = '$b'
wrk.headers["Content-Type"] = "application/json"
wrk.headers["Authorization"] = "Bearer $gw_key"
LUA
}
lua "$work/direct.lua" "/openai/deployments/gpt-4o/chat/completions?api-version=2024-10-21" gpt-4o false
lua "$work/nginx.lua" "/openai/deployments/gpt-4o/chat/completions?api-version=2024-10-21" gpt-4o false
lua "$work/gw_azure.lua" /v1/chat/completions azure false
lua "$work/gw_entra.lua" /v1/chat/completions entra false
lua "$work/gw_bedrock.lua" /v1/chat/completions bedrock false
lua "$work/gw_stream.lua" /v1/chat/completions azure/stream true
# Check each route answers 200 before timing it.
for route in "direct $stub_port" "nginx $proxy_port" "gw_azure $gw_port" "gw_entra $gw_port" "gw_bedrock $gw_port" "gw_stream $gw_port"; do
  set -- $route
  out=$(wrk -t1 -c1 -d1s -s "$work/$1.lua" "http://127.0.0.1:$2" 2>&1)
  if grep -q "Non-2xx" <<<"$out" || ! grep -q "requests in" <<<"$out"; then
    echo "bench/gateway: route $1 does not answer 200:" >&2; echo "$out" >&2; tail -5 "$work/serve.log" >&2; exit 1
  fi
done

cpu_ticks() {  # utime+stime of the given pids and their threads
  local total=0 p
  for p in "$@"; do
    [ -r "/proc/$p/stat" ] || continue
    total=$(( total + $(awk '{sub(/.*\) /, ""); print $12 + $13}' "/proc/$p/stat") ))
  done
  echo "$total"
}
nginx_workers() { pgrep -P "$proxy_master" | tr '\n' ' '; }
hz=$(getconf CLK_TCK)

printf '%-22s %6s %10s %9s %9s %12s %9s\n' route conns "req/s" "p50" "p99" "CPU µs/req" "RSS MiB"
for c in $conns; do
  for route in "direct $stub_port" "nginx $proxy_port" "gw_azure $gw_port" "gw_entra $gw_port" "gw_bedrock $gw_port" "gw_stream $gw_port"; do
    set -- $route
    case $1 in
      nginx) watched=$(nginx_workers) ;;
      gw_*) watched=$gw_pid ;;
      *) watched="" ;;
    esac
    before=$(cpu_ticks $watched)
    perf_pid=""
    if [ -n "${PERF_DATA:-}" ] && [ "$watched" = "$gw_pid" ]; then
      # PERF_DATA=/tmp/gw: a CPU profile of the gateway per route (/tmp/gw.gw_azure.32, …).
      perf record -F 1999 -g -p "$gw_pid" -o "$PERF_DATA.$1.$c" -- sleep "$duration" >/dev/null 2>&1 &
      perf_pid=$!
    fi
    out=$(wrk -t"$threads" -c"$c" -d"${duration}s" --latency -s "$work/$1.lua" "http://127.0.0.1:$2" 2>&1)
    [ -n "$perf_pid" ] && wait "$perf_pid"
    after=$(cpu_ticks $watched)
    if grep -q "Non-2xx\|Socket errors" <<<"$out"; then echo "$out" | grep "Non-2xx\|Socket errors" >&2; fi
    requests=$(awk '/requests in/ {print $1}' <<<"$out")
    rps=$(awk '/Requests\/sec/ {printf "%.0f", $2}' <<<"$out")
    p50=$(awk '$1=="50%" {print $2}' <<<"$out")
    p99=$(awk '$1=="99%" {print $2}' <<<"$out")
    cpu="-"; rss="-"
    if [ -n "$watched" ] && [ "${requests:-0}" -gt 0 ]; then
      cpu=$(awk -v t=$((after - before)) -v hz="$hz" -v n="$requests" 'BEGIN {printf "%.1f", t / hz * 1e6 / n}')
      rss=0
      for p in $watched; do
        rss=$(( rss + $(awk '/VmHWM/ {print $2}' "/proc/$p/status") ))
      done
      rss=$(awk -v k=$rss 'BEGIN {printf "%.1f", k / 1024}')
    fi
    name=$1; case $1 in gw_azure) name="gateway azure";; gw_entra) name="gateway entra";; gw_bedrock) name="gateway bedrock";; gw_stream) name="gateway azure stream";; esac
    printf '%-22s %6s %10s %9s %9s %12s %9s\n' "$name" "$c" "$rps" "$p50" "$p99" "$cpu" "$rss"
  done
done
echo "(CPU µs/req: the proxy's own user+system time per completed request; RSS: peak, all workers)"

# ---- time to first byte of a stream -------------------------------------------------------------
ttfb() {  # ttfb URL [AUTH]: median time_starttransfer in µs over 200 sequential requests
  local url=$1 auth=${2:-} i out
  out=$(for i in $(seq 1 200); do
    curl -s -o /dev/null -w '%{http_code} %{time_starttransfer}\n' -H 'Content-Type: application/json' \
      ${auth:+-H "Authorization: Bearer $auth"} \
      -d '{"model":"azure/stream","messages":[{"role":"user","content":"Hello"}],"stream":true}' "$url"
  done)
  if grep -qv '^200 ' <<<"$out"; then
    echo "bench/gateway: a stream to $url did not answer 200" >&2; exit 1
  fi
  awk '{print $2}' <<<"$out" | sort -n | awk '{v[NR]=$1} END {printf "%.0f", v[int((NR+1)/2)] * 1e6}'
}
direct_ttfb=$(ttfb "http://127.0.0.1:$stub_port/openai/deployments/stream/chat/completions?api-version=2024-10-21")
gw_ttfb=$(ttfb "http://127.0.0.1:$gw_port/v1/chat/completions" "$gw_key")
printf 'stream time to first byte (median of 200): direct %s µs, through the gateway %s µs: +%s µs\n' \
  "$direct_ttfb" "$gw_ttfb" "$((gw_ttfb - direct_ttfb))"

# ---- memory with many open streams --------------------------------------------------------------
streams=${STREAMS:-1000}
rss_before=$(awk '/VmRSS/ {print $2}' "/proc/$gw_pid/status")
node bench/gateway/open_streams.js "$slow_port" "http://127.0.0.1:$gw_port" "$gw_key" "$streams" \
  >"$work/streams.out" 2>&1 &
streams_pid=$!; pids+=($streams_pid)
for _ in $(seq 1 600); do
  grep -q "^open " "$work/streams.out" 2>/dev/null && break
  kill -0 "$streams_pid" 2>/dev/null || break
  sleep 0.1
done
if grep -q "^open " "$work/streams.out"; then
  sleep 1
  rss_open=$(awk '/VmRSS/ {print $2}' "/proc/$gw_pid/status")
  printf 'RSS with %s open streams: %.1f MiB (%.1f MiB before them: %.1f KiB per stream)\n' "$streams" \
    "$(awk -v k="$rss_open" 'BEGIN {print k / 1024}')" "$(awk -v k="$rss_before" 'BEGIN {print k / 1024}')" \
    "$(awk -v a="$rss_open" -v b="$rss_before" -v n="$streams" 'BEGIN {print (a - b) / n}')"
else
  echo "bench/gateway: the open streams did not come up:" >&2; cat "$work/streams.out" >&2; exit 1
fi
kill "$streams_pid" 2>/dev/null || true
