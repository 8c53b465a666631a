#!/usr/bin/env bash
# Runs `node ARGS…` on Node 24, the Lambdas' runtime (nodejs24.x), whatever Node this machine
# has. The binary comes from the npm registry (the `node-<os>-<arch>` package the `node`
# package itself installs from), cached in node_modules/.cache/node24/ so a second run needs
# no download (`npm ci` clears it).
#
#   npm run test:node24                     # unit + integration tests on Node 24
#   bash test/package/with-node24.sh -v     # anything else
#
# NODE24_VERSION pins another 24.x.
set -euo pipefail
cd "$(dirname "$0")/../.."

version="${NODE24_VERSION:-24.21.0}"
case "$(uname -s)" in
  Linux) os=linux ;;
  Darwin) os=darwin ;;
  *) echo "with-node24: no Node binary package for $(uname -s)" >&2; exit 1 ;;
esac
case "$(uname -m)" in
  x86_64 | amd64) arch=x64 ;;
  aarch64 | arm64) arch=arm64 ;;
  *) echo "with-node24: no Node binary package for $(uname -m)" >&2; exit 1 ;;
esac
package="node-$os-$arch"
dir="node_modules/.cache/node24/$package-$version"
bin="$dir/node_modules/$package/bin/node"

if [ ! -x "$bin" ]; then
  rm -rf "$dir"
  mkdir -p "$dir"
  npm install --prefix "$dir" --no-save --no-package-lock --no-audit --no-fund --loglevel=error \
    "$package@$version" >&2
fi

actual="$("$bin" --version)"
case "$actual" in
  v24.*) ;;
  *) echo "with-node24: $bin is $actual, not Node 24" >&2; exit 1 ;;
esac
echo "with-node24: running on Node $actual ($bin)" >&2

# Child processes that call `node` get Node 24 too.
PATH="$(cd "$(dirname "$bin")" && pwd):$PATH" exec "$bin" "$@"
