#!/usr/bin/env bash
# Server CPU per unary sign, as README "Where the time goes" measures it: a fresh `serve --dev` on a temporary data
# dir and free ports, an EC P-256 and an RSA 2048 key, a warm-up, then `keyhold load --op sign --concurrency 64` for
# ES256 and PS256 (server CPU per operation is read from the server's metrics), then node:crypto's bare CPU per sign.
#
#   bench/unary-cpu/run.sh OUTDIR SECONDS [node flags for the server...]
#   bench/unary-cpu/run.sh /tmp/after 15 --max-semi-space-size=64
#
# Environment: ALGS (default "ES256 PS256"), WARM (warm-up seconds, default 5), CONCURRENCY (calls in flight, default
# 64), BATCH (items per call, through SignBatch), RATE (open loop at this rate instead of the closed loop), PERF=1 (also
# `perf record` the server during each load; pair with --perf-basic-prof and read it with perf-threads.py), FLOOR=1 (after
# keyhold, the same loads against floor-server.mjs: grpc-js, TLS, protobuf-es and a piscina pool signing with
# node:crypto, nothing of keyhold's, so keyhold's own share is the difference), SERVE_ARGS
# (more `serve` flags, e.g. `--processes 2`; the store is PostgreSQL when KEYHOLD_STORE_POSTGRES_URL is set). Needs
# `npm run build` first.
set -euo pipefail
HERE=$(cd "$(dirname "$0")" && pwd)
REPO=$(cd "$HERE/../.." && pwd)
OUT=$1; SECS=$2; shift 2
mkdir -p "$OUT"
DATA=$(mktemp -d "${TMPDIR:-/tmp}/keyhold-unary-cpu-XXXX")
K="node $REPO/dist/src/cli/index.js --data-dir $DATA"
. "$HERE/dev-server.sh"
start_dev_server "$DATA" "$OUT/server.log" "$@"
trap 'kill -INT $SPID 2>/dev/null || true; wait $SPID 2>/dev/null || true; rm -rf "$DATA"' EXIT
prepare_dev_server "$DATA"
$K load --hsm-name dev --op sign --alg ES256 --key ec --concurrency 64 --duration "${WARM:-5}s" > /dev/null
for alg in ${ALGS:-ES256 PS256}; do
  key=ec; [ "$alg" = PS256 ] && key=rsa
  if [ -n "${PERF:-}" ]; then perf record -F 997 -g -p $SPID -o "$OUT/$alg.perf.data" -- sleep $((SECS - 1)) > /dev/null 2>&1 & PP=$!; fi
  $K load --hsm-name dev --op sign --alg "$alg" --key $key --concurrency "${CONCURRENCY:-64}" ${BATCH:+--batch $BATCH} \
    ${RATE:+--rate $RATE} --duration "${SECS}s" \
    --json "$OUT/$alg.json" > "$OUT/$alg.txt"
  if [ -n "${PERF:-}" ]; then wait $PP || true; fi
  grep -E 'throughput|server CPU' "$OUT/$alg.txt" | sed "s/^/$alg: /"
done
if [ -n "${FLOOR:-}" ]; then
  FDATA=$(mktemp -d "${TMPDIR:-/tmp}/keyhold-floor-XXXX")
  node "$@" "$HERE/floor-server.mjs" "$FDATA" > "$OUT/floor.ports" 2> "$OUT/floor.log" &
  FPID=$!
  for _ in $(seq 1 150); do [ -s "$OUT/floor.ports" ] && break; sleep 0.2; done
  FGRPC=$(node -e 'console.log(JSON.parse(require("fs").readFileSync(process.argv[1])).grpc)' "$OUT/floor.ports")
  FMETRICS=$(node -e 'console.log(JSON.parse(require("fs").readFileSync(process.argv[1])).metrics)' "$OUT/floor.ports")
  F="node $REPO/dist/src/cli/index.js --data-dir $FDATA"
  $F load --endpoint "$FGRPC" --metrics-endpoint "http://$FMETRICS/metrics" --op sign --alg ES256 --key ec \
    --concurrency 64 --duration "${WARM:-5}s" > /dev/null
  for alg in ${ALGS:-ES256 PS256}; do
    if [ -n "${PERF:-}" ]; then perf record -F 997 -g -p $FPID -o "$OUT/floor-$alg.perf.data" -- sleep $((SECS - 1)) > /dev/null 2>&1 & PP=$!; fi
    $F load --endpoint "$FGRPC" --metrics-endpoint "http://$FMETRICS/metrics" --op sign --alg "$alg" --key floor \
      --concurrency "${CONCURRENCY:-64}" ${BATCH:+--batch $BATCH} ${RATE:+--rate $RATE} --duration "${SECS}s" \
      --json "$OUT/floor-$alg.json" > "$OUT/floor-$alg.txt"
    if [ -n "${PERF:-}" ]; then wait $PP || true; fi
    grep -E 'throughput|server CPU' "$OUT/floor-$alg.txt" | sed "s/^/floor $alg: /"
  done
  kill -INT $FPID; wait $FPID 2>/dev/null || true; rm -rf "$FDATA"
fi
echo "bare node:crypto CPU per sign (µs): $(node "$HERE/bare-sign.mjs")  load average: $(cut -d' ' -f1-3 /proc/loadavg)"
