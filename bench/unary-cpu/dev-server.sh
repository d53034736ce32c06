# Sourced by run.sh and paired.sh (which set REPO): a fresh `serve --dev` on free ports, with an EC P-256 key `ec` and
# an RSA 2048 key `rsa` for the loads.

# start_dev_server DATA LOG [node flags...]: starts it in the background (SERVE_ARGS: more `serve` flags); pid in SPID.
start_dev_server() {
  local data=$1 log=$2
  shift 2
  node "$@" "$REPO/dist/src/cli/index.js" --data-dir "$data" serve --dev ${SERVE_ARGS:-} \
    --grpc-listen 127.0.0.1:0 --https-listen 127.0.0.1:0 --metrics-listen 127.0.0.1:0 > "$log" 2>&1 &
  SPID=$!
}

# prepare_dev_server DATA: waits until it listens, exports KEYHOLD_TOKEN (admin, 2 h) and creates the two keys.
prepare_dev_server() {
  local data=$1 k="node $REPO/dist/src/cli/index.js --data-dir $1"
  for _ in $(seq 1 300); do [ -f "$data/endpoints.json" ] && break; sleep 0.2; done
  KEYHOLD_TOKEN=$($k token --principal admin --ttl 2h)
  export KEYHOLD_TOKEN
  $k key create --hsm-name dev --name ec --kty EC --curve P-256 > /dev/null
  $k key create --hsm-name dev --name rsa --kty RSA --size 2048 > /dev/null
}
