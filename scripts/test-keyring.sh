#!/usr/bin/env bash
# The one test of secrets in a real OS keyring (tests/keyring_store.rs), against a throwaway
# Secret Service: gnome-keyring in a D-Bus session of its own, under a fresh HOME, so nobody's
# real keyring is touched. scripts/test.sh runs it after the other tests; it needs no session
# bus of the machine's own (CI has none), since dbus-run-session starts one.
set -euo pipefail
source "$(dirname "$0")/lib.sh"
cd "$ROOT"
install_packages $KEYRING_TEST_PACKAGES

# Cargo and rustup find their homes through HOME unless told, and HOME is about to change.
export CARGO_HOME="${CARGO_HOME:-$HOME/.cargo}" RUSTUP_HOME="${RUSTUP_HOME:-$HOME/.rustup}"
cargo test -p herald --test keyring_store --no-run --quiet
home=$(mktemp -d)
trap 'rm -rf "$home"' EXIT
mkdir -p "$home/.local/share/keyrings"

say "keyring test: gnome-keyring in its own D-Bus session"
HOME="$home" XDG_DATA_HOME="$home/.local/share" XDG_RUNTIME_DIR="$home" HERALD_TEST_SECRET_SERVICE=1 \
  dbus-run-session -- bash -c '
    # --unlock reads the new login keyring'"'"'s password from standard input.
    printf "throwaway" | gnome-keyring-daemon --daemonize --unlock --components=secrets >/dev/null
    exec cargo test -p herald --test keyring_store -- --nocapture'
