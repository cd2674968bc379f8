#!/usr/bin/env bash
# The whole test suite, as CI runs it: formatting and lints, Rust unit and integration tests,
# UI type check, lint and component tests, and the end-to-end test of the real desktop app
# under Xvfb through tauri-driver and WebKitWebDriver. Installs what is missing first.
set -euo pipefail
source "$(dirname "$0")/lib.sh"
cd "$ROOT"
export CARGO_TERM_COLOR=${CARGO_TERM_COLOR:-never}

install_packages $APP_PACKAGES $TEST_PACKAGES $KEYRING_TEST_PACKAGES
check_toolchains
if ! command -v tauri-driver >/dev/null; then
  say "installing tauri-driver"
  cargo install tauri-driver --locked --quiet
fi

say "UI: install, type check, lint, component tests, build"
npm_install "$ROOT/ui"
(cd ui && npm run --silent typecheck && npm run --silent lint && npm test --silent && npm run --silent build)

say "Rust: format and lints"
cargo fmt --all -- --check
cargo clippy --workspace --all-targets --quiet -- -D warnings
if cargo tree -p herald -e normal --prefix none | grep -q '^tauri '; then
  die "the core library depends on tauri"
fi

python_test_env
say "Rust: unit and integration tests (these also regenerate the TypeScript bindings)"
cargo test --workspace --quiet
if [ -d .git ] && ! git diff --quiet -- ui/src/api/bindings; then
  git --no-pager diff --stat -- ui/src/api/bindings
  die "the TypeScript bindings changed: commit ui/src/api/bindings after cargo test"
fi

bash scripts/test-keyring.sh

say "end to end: the desktop app under Xvfb, driven through WebDriver"
cargo build -p herald-desktop --quiet
npm_install "$ROOT/tests/e2e"
xvfb-run -a -s "-screen 0 1280x800x24" node --test tests/e2e/
