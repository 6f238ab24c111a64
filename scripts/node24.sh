#!/usr/bin/env bash
# Prints the path of a Node 24 binary, installing the npm package node@24
# (which ships the official binary) into a cache outside the repo on first use.
set -euo pipefail
cache="${XDG_CACHE_HOME:-$HOME/.cache}/nsctl/node24"
bin="$cache/node_modules/node/bin/node"
if [ ! -x "$bin" ]; then
  mkdir -p "$cache"
  npm install --prefix "$cache" --no-audit --no-fund --loglevel=error node@24 >&2
fi
"$bin" --version >&2
echo "$bin"
