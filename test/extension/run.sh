#!/usr/bin/env bash
# The extension test phase (run by `npm test`): installs code-server 4.100.3 into .code-server/ on first
# use (never into package.json; offline except for the npm registry), then runs test/extension/run-tests.mjs:
# UI tests in a real VS Code web workbench driven through Debian's Chromium, the in-host mocha suite, and
# the packaged .vsix installed with --install-extension. See ../shared/notes/vscode-testing.md.
# Ends with "RESULT: N passed, N failed" and exits non-zero on any failure.
set -euo pipefail
cd "$(dirname "$0")/../.."

CODE_SERVER_VERSION=4.100.3      # = VS Code 1.100.3; the last code-server line that runs on Node 20
RIPGREP_PKG_VERSION=1.15.11      # @vscode/ripgrep version pinned in that code-server's lib/vscode shrinkwrap
RIPGREP_ASSET=ripgrep-v13.0.0-10-x86_64-unknown-linux-musl.tar.gz

fail() { echo "[extension] $*"; echo "RESULT: 0 passed, 1 failed"; exit 1; }

for p in chromium ripgrep build-essential python3 pkg-config libkrb5-dev; do
  dpkg -s "$p" >/dev/null 2>&1 || fail "missing apt package $p: run .ci/run or apt-get install -y chromium ripgrep build-essential python3 pkg-config libkrb5-dev"
done
[ -x /usr/bin/chromium ] || fail "no /usr/bin/chromium"
[ -f dist/extension.js ] && [ -f dist/agent.js ] || fail "dist/ is not built: run npm run build"

if [ ! -x .code-server/node_modules/.bin/code-server ]; then
  echo "[extension] installing code-server $CODE_SERVER_VERSION into .code-server/ (one time, ~1 min)"
  [ "$(node -p 'process.versions.node.split(".")[0]')" = 20 ] || fail "code-server $CODE_SERVER_VERSION needs Node 20 (found $(node -v))"
  mkdir -p .code-server ".tmp/rg-cache/vscode-ripgrep-cache-$RIPGREP_PKG_VERSION"
  # @vscode/ripgrep's postinstall downloads rg from GitHub; a tarball of Debian's rg in its cache skips that.
  tar czf ".tmp/rg-cache/vscode-ripgrep-cache-$RIPGREP_PKG_VERSION/$RIPGREP_ASSET" -C /usr/bin rg
  [ -f .code-server/package.json ] || echo '{"private":true}' > .code-server/package.json
  # node-gyp builds native modules against this Node's headers (the nodejs .deb ships include/node).
  NODE_PREFIX="$(dirname "$(dirname "$(readlink -f "$(command -v node)")")")"
  [ -f "$NODE_PREFIX/include/node/node_version.h" ] || fail "no Node headers in $NODE_PREFIX/include/node"
  # unsafe_perm: code-server's postinstall refuses root without it; yes: node-pty's postinstall runs npx node-gyp.
  ( cd .code-server && TMPDIR="$PWD/../.tmp/rg-cache" npm_config_nodedir="$NODE_PREFIX" npm_config_unsafe_perm=true npm_config_yes=true \
      npm install --no-audit --no-fund --loglevel=error "code-server@$CODE_SERVER_VERSION" ) || fail "code-server install failed"
fi

exec node test/extension/run-tests.mjs
