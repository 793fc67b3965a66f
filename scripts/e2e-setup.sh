#!/usr/bin/env bash
# Installs what the end-to-end tests (test/e2e/run.mjs) need: Debian packages (chromium,
# ripgrep, headers for code-server's native modules) and code-server into a cache directory
# outside the repository. Idempotent: installed pieces are skipped. Meant to run as root
# (CI); elsewhere it uses `sudo -n` for apt-get when it can.
#
#   PVLAB_E2E_CACHE   cache root (default: $HOME/.cache/pvlab-e2e); code-server goes to
#                     $PVLAB_E2E_CACHE/code-server, its install log next to it.
#
# Recipe and pitfalls: ../shared/notes/REAL-VSCODE.md (code-server 4.100.3 is the newest
# release that runs on Node 20).
set -euo pipefail

cd "$(dirname "$0")/.."

CODE_SERVER_VERSION=4.100.3
# @vscode/ripgrep as pulled in by code-server 4.100.3, and the rg release it would download.
RIPGREP_NPM_VERSION=1.15.11
RIPGREP_RELEASE=v13.0.0-10
APT_PACKAGES=(chromium ripgrep libkrb5-dev libx11-dev libxkbfile-dev libsecret-1-dev pkg-config build-essential)

# Same default as test/e2e/run.mjs (os.homedir(): $HOME, else the passwd entry).
home="${HOME:-$(getent passwd "$(id -u)" | cut -d: -f6)}"
CACHE="${PVLAB_E2E_CACHE:-$home/.cache/pvlab-e2e}"
CS_DIR="$CACHE/code-server"
CS_ENTRY="$CS_DIR/node_modules/code-server/out/node/entry.js"
CS_LOG="$CACHE/code-server-install.log"

say() { printf 'e2e-setup: %s\n' "$*"; }
die() { printf 'e2e-setup: error: %s\n' "$*" >&2; exit 1; }

mkdir -p "$CACHE"
# One setup at a time per cache (two CI jobs sharing a cache must not install concurrently).
if command -v flock >/dev/null 2>&1; then
  exec 9>"$CACHE/.setup.lock"
  flock 9
fi

# --- Debian packages ----------------------------------------------------------------------
is_installed() {
  dpkg -s "$1" 2>/dev/null | grep -q '^Status: install ok installed$'
}

as_root() {
  if [ "$(id -u)" -eq 0 ]; then
    "$@"
  elif command -v sudo >/dev/null 2>&1; then
    sudo -n "$@"
  else
    die "need root to run: $*"
  fi
}

missing=()
for pkg in "${APT_PACKAGES[@]}"; do
  is_installed "$pkg" || missing+=("$pkg")
done

if [ "${#missing[@]}" -eq 0 ]; then
  say "apt packages already installed"
else
  say "apt: installing ${missing[*]}"
  export DEBIAN_FRONTEND=noninteractive
  apt_log="$CACHE/apt.log"
  : >"$apt_log"
  apt_update() {
    say "apt: updating package lists"
    as_root apt-get update -q >>"$apt_log" 2>&1 || { tail -n 20 "$apt_log" >&2; die "apt-get update failed (log: $apt_log)"; }
  }
  # Only refresh the lists when there are none, or when installing from the current ones fails
  # (stale lists point at .deb versions the mirror no longer has).
  if ! compgen -G '/var/lib/apt/lists/*_Packages*' >/dev/null; then
    apt_update
  fi
  if ! as_root apt-get install -y -q "${missing[@]}" >>"$apt_log" 2>&1; then
    apt_update
    as_root apt-get install -y -q "${missing[@]}" >>"$apt_log" 2>&1 \
      || { tail -n 20 "$apt_log" >&2; die "apt-get install failed (log: $apt_log)"; }
  fi
  for pkg in "${missing[@]}"; do
    is_installed "$pkg" || die "package $pkg is still not installed (log: $apt_log)"
  done
  say "apt: done"
fi

[ -x /usr/bin/chromium ] || die "/usr/bin/chromium missing after installing chromium"
command -v rg >/dev/null 2>&1 || die "rg missing after installing ripgrep"

# --- code-server --------------------------------------------------------------------------
if [ -f "$CS_ENTRY" ]; then
  say "code-server $CODE_SERVER_VERSION already installed in $CS_DIR"
else
  say "code-server $CODE_SERVER_VERSION: installing into $CS_DIR (log: $CS_LOG)"
  started=$(date +%s)

  case "$(uname -m)" in
    x86_64) rg_target=x86_64-unknown-linux-musl ;;
    aarch64 | arm64) rg_target=aarch64-unknown-linux-musl ;;
    *) die "unsupported architecture $(uname -m) (no ripgrep cache seeding for it)" ;;
  esac

  # @vscode/ripgrep's post-install downloads rg from GitHub, which is unreachable here. It first
  # looks in $TMPDIR/vscode-ripgrep-cache-<version>/ for the release tarball: seed that with
  # Debian's rg. A private TMPDIR keeps the seed from being cleaned away mid-install.
  install_tmp="$CACHE/tmp"
  rg_cache="$install_tmp/vscode-ripgrep-cache-$RIPGREP_NPM_VERSION"
  rg_tarball="$rg_cache/ripgrep-$RIPGREP_RELEASE-$rg_target.tar.gz"
  mkdir -p "$rg_cache"
  if [ ! -s "$rg_tarball" ]; then
    staging="$(mktemp -d "$install_tmp/rg.XXXXXX")"
    cp "$(command -v rg)" "$staging/rg"
    tar -czf "$rg_tarball" -C "$staging" rg
    rm -rf "$staging"
  fi

  mkdir -p "$CS_DIR"
  # A package.json of its own so npm installs here and never walks up into another project.
  [ -f "$CS_DIR/package.json" ] || printf '{\n  "name": "pvlab-e2e-code-server",\n  "private": true\n}\n' >"$CS_DIR/package.json"

  # npm_config_yes: node-pty's post-install runs `npx node-gyp`; unsafe_perm: we may be root.
  if ! (
    cd "$CS_DIR" &&
      TMPDIR="$install_tmp" npm_config_yes=true npm_config_unsafe_perm=true \
        npm install "code-server@$CODE_SERVER_VERSION" --foreground-scripts \
        --no-audit --no-fund --loglevel=warn </dev/null >"$CS_LOG" 2>&1
  ); then
    tail -n 30 "$CS_LOG" >&2
    # Leave no half-installed tree behind: the next run must start from scratch.
    rm -rf "$CS_DIR/node_modules" "$CS_DIR/package-lock.json"
    die "code-server install failed (log: $CS_LOG)"
  fi
  if [ ! -f "$CS_ENTRY" ]; then
    rm -rf "$CS_DIR/node_modules" "$CS_DIR/package-lock.json"
    die "code-server installed but $CS_ENTRY is missing (log: $CS_LOG)"
  fi
  say "code-server: installed in $(($(date +%s) - started)) s"
fi

# --- playwright-core ----------------------------------------------------------------------
# A devDependency of the project (package.json / package-lock.json): `npm ci` installs it.
if [ ! -f node_modules/playwright-core/package.json ]; then
  say "warning: node_modules/playwright-core is missing; run npm ci"
fi

say "ready (chromium: /usr/bin/chromium, code-server: $CS_ENTRY)"
