# Shared by the scripts: install what is missing, never what is there.
# shellcheck shell=bash

ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
export PATH="$HOME/.cargo/bin:$PATH"

say() { if [ -t 1 ]; then printf '\033[1;34m==>\033[0m %s\n' "$*"; else printf '==> %s\n' "$*"; fi; }
die() { printf '\033[1;31merror:\033[0m %s\n' "$*" >&2; exit 1; }

as_root() {
  if [ "$(id -u)" -eq 0 ]; then "$@"; elif command -v sudo >/dev/null; then sudo "$@"; else die "need root (or sudo) to run: $*"; fi
}

# Debian/Ubuntu packages the desktop app needs to build and run (Tauri 2 on WebKitGTK 4.1).
# fonts-noto-cjk: a fresh Debian has no font with Chinese in it, and the UI (zh-CN by default)
# would show boxes, in the app and in every E2E screenshot.
APP_PACKAGES="build-essential pkg-config curl wget file libssl-dev libwebkit2gtk-4.1-dev libxdo-dev libayatana-appindicator3-dev librsvg2-dev fonts-noto-cjk"
# And what the end-to-end test needs: a virtual display and WebKit's WebDriver.
TEST_PACKAGES="xvfb xauth webkit2gtk-driver"
# The keyring test's throwaway Secret Service (scripts/test-keyring.sh). Building needs nothing:
# the keyring crate reaches the Secret Service over zbus, in Rust, without libdbus.
KEYRING_TEST_PACKAGES="gnome-keyring dbus"

install_packages() {
  local missing=()
  for p in "$@"; do
    dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed" || missing+=("$p")
  done
  [ ${#missing[@]} -eq 0 ] && return 0
  command -v apt-get >/dev/null || die "missing system packages (${missing[*]}) and no apt-get: install them with your package manager"
  say "installing system packages: ${missing[*]}"
  as_root apt-get update -qq
  DEBIAN_FRONTEND=noninteractive as_root apt-get install -y -qq --no-install-recommends "${missing[@]}" >/dev/null
}

check_toolchains() {
  command -v cargo >/dev/null || die "Rust is not installed: see https://rustup.rs"
  command -v node >/dev/null || install_packages nodejs npm
  local major
  major=$(node -p 'process.versions.node.split(".")[0]')
  [ "$major" -ge 20 ] || die "Node.js $major is too old for the UI build: install Node.js 20 or newer"
}

# npm packages of a folder, from its lockfile, when node_modules is missing or older than it.
npm_install() {
  local dir="$1"
  if [ ! -d "$dir/node_modules" ] || [ "$dir/package-lock.json" -nt "$dir/node_modules/.package-lock.json" ]; then
    say "installing npm packages in ${dir#"$ROOT"/}"
    # npm 11 can write a lockfile without other platforms' optional packages (rollup's), which
    # `npm ci` then refuses; `npm install` still installs the locked versions.
    (cd "$dir" && npm ci --no-audit --no-fund --loglevel=error 2>/dev/null) ||
      (cd "$dir" && npm install --no-audit --no-fund --loglevel=error)
  fi
}

build_ui() {
  npm_install "$ROOT/ui"
  say "building the UI"
  (cd "$ROOT/ui" && npm run --silent build)
}

# Python with aiosmtpd for the SMTP tests' loopback server (tests/smtp/server.py), in a venv under
# the ignored target/ so nothing is installed system-wide; the Rust harness (tests/common/smtp.rs)
# runs HERALD_TEST_PYTHON. Debian's python3 needs python3-venv for `python3 -m venv`.
AIOSMTPD_VERSION=1.4.6
python_test_env() {
  local venv="$ROOT/target/test-python"
  install_packages python3 python3-venv
  if ! "$venv/bin/python3" -c "import sys, aiosmtpd; sys.exit(aiosmtpd.__version__ != '$AIOSMTPD_VERSION')" 2>/dev/null; then
    say "installing aiosmtpd $AIOSMTPD_VERSION into target/test-python"
    rm -rf "$venv"
    python3 -m venv "$venv"
    "$venv/bin/pip" install --quiet --disable-pip-version-check "aiosmtpd==$AIOSMTPD_VERSION"
  fi
  export HERALD_TEST_PYTHON="$venv/bin/python3"
}
