#!/usr/bin/env bash
# Installs whatever is missing (system packages, npm packages), builds Herald and starts the
# desktop app on the default data directory (the sandbox channel and demo data ready to try).
# Arguments go to the app, e.g. --data-dir DIR.
set -euo pipefail
source "$(dirname "$0")/lib.sh"
cd "$ROOT"
install_packages $APP_PACKAGES
check_toolchains
build_ui
say "building and starting the desktop app"
exec cargo run -p herald-desktop -- "$@"
