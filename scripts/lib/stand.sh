# The stand shared by scripts/load and scripts/soak, sourced by both: installs what they
# need, builds the server, and starts nginx (Debian's nginx-light) as an STS stand-in that
# answers a fixed AssumeRoleWithSAMLResponse (or the reply in STAND_REPLY) on / and serves "$work/jwks.json" on
# /jwks.json. It sets: profile, tool, bin, dev_token, oha, work, sts_port, port, and
# stand_config (which writes "$work/delegation.toml" from its arguments).
#
# The caller sets `set -euo pipefail` and its own EXIT trap calling stand_cleanup.
profile=${LOAD_PROFILE:-release}
# LOAD_BACKEND=web_identity: STS answers AssumeRoleWithWebIdentity (see stand_load_setup).
if [ "${LOAD_BACKEND:-saml}" = web_identity ]; then
  export STAND_REPLY=benches/load/sts-reply-web-identity.xml
  export STAND_AWS='backend = "web_identity"
role = "arn:aws:iam::123456789012:role/auth0-role"'
fi
need=()
command -v wrk >/dev/null || need+=(wrk)
command -v nginx >/dev/null || need+=(nginx-light)
command -v curl >/dev/null || need+=(curl)
command -v openssl >/dev/null || need+=(openssl)
if [ ${#need[@]} -gt 0 ]; then
  sudo=""; [ "$(id -u)" = 0 ] || sudo="sudo"
  $sudo apt-get update -qq
  DEBIAN_FRONTEND=noninteractive $sudo apt-get install -y -qq --no-install-recommends "${need[@]}" >/dev/null
fi
oha=target/tools/bin/oha
[ -x "$oha" ] || cargo install --quiet --locked oha --root target/tools

echo "== building ($profile)" >&2
cargo build --quiet --profile "$profile" --bin delegation-server --example dev_token
dir_name=$profile; [ "$profile" = dev ] && dir_name=debug
# This tree's build makes the keys; LOAD_BIN serves instead of it, to measure another build
# of the server (an older commit's, say) on the same stand (scripts/load and scripts/soak).
tool=target/$dir_name/delegation-server
bin=${LOAD_BIN:-$tool}
[ -x "$bin" ] || { echo "LOAD_BIN: $bin is not an executable (relative to $(pwd))" >&2; exit 2; }
dev_token=target/$dir_name/examples/dev_token

work=$(mktemp -d)
chmod 755 "$work"  # nginx workers read jwks.json from here
server_pid=""
stand_cleanup() {
  [ -n "${server_pid:-}" ] && kill "$server_pid" 2>/dev/null || true
  [ -f "$work/nginx.pid" ] && kill "$(cat "$work/nginx.pid")" 2>/dev/null || true
  [ -n "${STAND_KEEP:-}" ] && echo "kept $work" >&2 || rm -rf "$work"
}
free_port() { python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])'; }

sts_port=$(free_port)
# The management listener (/metrics). Written with the key's old name, metrics_listen,
# which builds from before the rename read too (scripts/load-ab compares such builds).
mgmt_port=$(free_port)
mkdir -p "$work/nginx-body"
echo '{"keys":[]}' > "$work/jwks.json"
reply=$(tr -d '\n' < "${STAND_REPLY:-benches/load/sts-reply.xml}")
sed -e "s|@DIR@|$work|g" -e "s|@PORT@|$sts_port|g" benches/load/nginx.conf.in \
  | REPLY="$reply" python3 -c 'import os,sys; print(sys.stdin.read().replace("@REPLY@", os.environ["REPLY"]))' \
  > "$work/nginx.conf"
nginx -c "$work/nginx.conf" &
for _ in $(seq 1 100); do curl -s -o /dev/null -X POST "http://127.0.0.1:$sts_port/" && break; sleep 0.05; done

"$tool" keygen --out "$work/keys" --common-name "load" >/dev/null
"$dev_token" init "$work" >/dev/null
port=$(free_port)

# stand_config KEYS_LINE [EXTRA]: the server's config, with KEYS_LINE choosing the
# issuer's keys (a keys_file or jwks_uri line) and EXTRA appended as more sections.
# STAND_AWS, when set, replaces the client's [clients.aws] lines.
stand_config() {
  local aws=${STAND_AWS:-'role = "arn:aws:iam::123456789012:role/auth0-role"
principal = "arn:aws:iam::123456789012:saml-provider/auth0-provider"'}
  cat > "$work/delegation.toml" <<CONF
[server]
listen = "127.0.0.1:$port"
metrics = true
metrics_listen = "127.0.0.1:$mgmt_port"
max_in_flight = 4096
[saml]
issuer = "urn:delegation.load"
signing_key = "keys/saml.key"
signing_cert = "keys/saml.crt"
[sts]
endpoint = "http://127.0.0.1:$sts_port/"
retries = 0
[[issuers]]
issuer = "https://dev-issuer.local/"
$1
[[clients]]
client_id = "load-app"
[clients.aws]
$aws
[limits]
per_user_per_minute = 0
${2:-}
CONF
}

# stand_body DIR SUB FILE [CLIENT]: a /delegation body for CLIENT (default load-app,
# also the target) with a fresh token signed by DIR's key.
stand_body() {
  local token client=${4:-load-app}
  token=$("$dev_token" mint "$1" https://dev-issuer.local/ "$client" "$2" 'Jane Doe')
  printf '{"client_id":"%s","grant_type":"urn:ietf:params:oauth:grant-type:jwt-bearer","id_token":"%s","target":"%s","api_type":"aws"}' "$client" "$token" "$client" > "$3"
}

# stand_start: starts the server on "$work/delegation.toml", sets server_pid and
# ready_ms (exec to the first /healthz 200).
stand_start() {
  local start_ns
  start_ns=$(date +%s%N)
  DELEGATION_CONFIG="$work/delegation.toml" DELEGATION_LOG=warn "$bin" serve 2>"$work/server.log" &
  server_pid=$!
  until curl -sf -o /dev/null "http://127.0.0.1:$port/healthz"; do
    kill -0 "$server_pid" 2>/dev/null || { cat "$work/server.log" >&2; exit 1; }
    sleep 0.002
  done
  ready_ms=$(( ($(date +%s%N) - start_ns) / 1000000 ))
}

# stand_check BODY_FILE: one delegation that must succeed.
stand_check() {
  local status
  status=$(curl -s -o "$work/first.json" -w '%{http_code}' -X POST -H 'Content-Type: application/json' \
    --data @"$1" "http://127.0.0.1:$port/delegation")
  [ "$status" = 200 ] || { echo "a delegation failed ($status):" >&2; cat "$work/first.json" >&2; exit 1; }
}

cpu_ticks() { awk '{ print $14 + $15 }' "/proc/$1/stat"; }
rss_kb() { awk '/^VmRSS:/ { print $2 }' "/proc/$1/status"; }
fd_count() { find "/proc/$1/fd" -mindepth 1 -maxdepth 1 2>/dev/null | wc -l; }

# stand_load_setup: the config and body scripts/load and scripts/load-ab measure, from
# LOAD_AUDIT=1 (an audit log file), LOAD_CACHE=1 (the credential cache on: after the first
# request every delegation is a hit), LOAD_BACKEND=web_identity (a JWT from [oidc_provider]
# signed with LOAD_OIDC_KEY=ec, ES256, the default, or rsa, RS256).
stand_load_setup() {
  local extra="" algorithm
  [ "${LOAD_AUDIT:-0}" = 1 ] && extra="[audit]
path = \"$work/audit.jsonl\""
  [ "${LOAD_CACHE:-0}" = 1 ] && extra="$extra
[cache]
enabled = true"
  if [ "${LOAD_BACKEND:-saml}" = web_identity ]; then
    case "${LOAD_OIDC_KEY:-ec}" in
      ec) algorithm=es256 ;;
      rsa) algorithm=rs256 ;;
      *) echo "LOAD_OIDC_KEY is ec or rsa" >&2; exit 2 ;;
    esac
    "$tool" keygen --kind oidc --algorithm "$algorithm" --out "$work/keys" >/dev/null
    extra="$extra
[oidc_provider]
url = \"https://delegation.load\"
signing_key = \"keys/oidc.key\""
  fi
  stand_config 'keys_file = "dev-jwks.json"' "$extra"
  stand_body "$work" 'auth0|load' "$work/body.json"
}
