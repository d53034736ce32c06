#!/usr/bin/env bash
# keyhold against its floor, in alternating rounds. Starts `serve --dev` (as run.sh) and floor-server.mjs (grpc-js,
# TLS, protobuf-es and a piscina pool signing with node:crypto: nothing of keyhold's), then for each algorithm runs
# ROUNDS rounds of: `keyhold load` against keyhold, the same load against the floor, node:crypto's bare CPU per sign.
# Each round prints server CPU per operation of both and the three ratios; the end prints each ratio's median. On a
# machine whose speed drifts by tens of percent within minutes (ours does), the ratios of one round are comparable
# where figures from different minutes are not.
#
#   bench/unary-cpu/paired.sh OUTDIR SECONDS [node flags for both servers...]
#   bench/unary-cpu/paired.sh /tmp/paired 8 --max-semi-space-size=64
#
# Environment: ALGS (default "ES256 PS256"), ROUNDS (default 3), WARM (seconds, default 5), CONCURRENCY (default 64),
# BATCH (items per call, through SignBatch), SERVE_ARGS (more `serve` flags, as run.sh). Needs `npm run build` first.
set -euo pipefail
HERE=$(cd "$(dirname "$0")" && pwd)
REPO=$(cd "$HERE/../.." && pwd)
OUT=$1; SECS=$2; shift 2
mkdir -p "$OUT"
DATA=$(mktemp -d "${TMPDIR:-/tmp}/keyhold-paired-XXXX")
FDATA=$(mktemp -d "${TMPDIR:-/tmp}/keyhold-floor-XXXX")
CLI="$REPO/dist/src/cli/index.js"
. "$HERE/dev-server.sh"
start_dev_server "$DATA" "$OUT/server.log" "$@"
node "$@" "$HERE/floor-server.mjs" "$FDATA" > "$OUT/floor.ports" 2> "$OUT/floor.log" &
FPID=$!
trap 'kill -INT $SPID $FPID 2>/dev/null || true; wait $SPID $FPID 2>/dev/null || true; rm -rf "$DATA" "$FDATA"' EXIT
prepare_dev_server "$DATA"
for _ in $(seq 1 150); do [ -s "$OUT/floor.ports" ] && break; sleep 0.2; done
port() { node -e 'console.log(JSON.parse(require("fs").readFileSync(process.argv[1]))[process.argv[2]])' "$OUT/floor.ports" "$1"; }
K="node $CLI --data-dir $DATA"
F="node $CLI --data-dir $FDATA load --endpoint $(port grpc) --metrics-endpoint http://$(port metrics)/metrics"
shape="--op sign --concurrency ${CONCURRENCY:-64} ${BATCH:+--batch $BATCH}"
$K load --hsm-name dev --key ec --alg ES256 $shape --duration "${WARM:-5}s" > /dev/null
$F --key floor --alg ES256 $shape --duration "${WARM:-5}s" > /dev/null
cpu() { node -e 'const r=JSON.parse(require("fs").readFileSync(process.argv[1]));console.log((r.serverCpu.secondsPerOperation*1e6).toFixed(1))' "$1"; }
for alg in ${ALGS:-ES256 PS256}; do
  key=ec; [ "$alg" = PS256 ] && key=rsa
  for round in $(seq 1 "${ROUNDS:-3}"); do
    $K load --hsm-name dev --key $key --alg "$alg" $shape --duration "${SECS}s" --json "$OUT/$alg-$round.json" > /dev/null
    $F --key floor --alg "$alg" $shape --duration "${SECS}s" --json "$OUT/floor-$alg-$round.json" > /dev/null
    bare=$(node "$HERE/bare-sign.mjs" | node -e 'const b=JSON.parse(require("fs").readFileSync(0));console.log(b[process.argv[1]])' "$(echo "$alg" | tr A-Z a-z)")
    keyhold=$(cpu "$OUT/$alg-$round.json"); floor=$(cpu "$OUT/floor-$alg-$round.json")
    echo "$alg $keyhold $floor $bare" >> "$OUT/rounds.txt"
    awk -v a="$alg" -v r="$round" -v k="$keyhold" -v f="$floor" -v b="$bare" 'BEGIN { printf "%s round %s: keyhold %.1f µs, floor %.1f µs, bare %.1f µs; keyhold/bare %.2fx, floor/bare %.2fx, keyhold/floor %.2fx\n", a, r, k, f, b, k/b, f/b, k/f }'
  done
done
awk '{ kb[$1]=kb[$1]" "$2/$4; fb[$1]=fb[$1]" "$3/$4; kf[$1]=kf[$1]" "$2/$3 }
  function median(list,   n, v, i, j, t) { n = split(list, v, " "); for (i = 1; i <= n; i++) for (j = i + 1; j <= n; j++) if (v[j] < v[i]) { t = v[i]; v[i] = v[j]; v[j] = t }
    return n % 2 ? v[(n + 1) / 2] : (v[n / 2] + v[n / 2 + 1]) / 2 }
  END { for (a in kb) printf "%s medians: keyhold/bare %.2fx, floor/bare %.2fx, keyhold/floor %.2fx\n", a, median(kb[a]), median(fb[a]), median(kf[a]) }' "$OUT/rounds.txt"
