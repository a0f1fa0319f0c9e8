#!/usr/bin/env bash
# Lambda runs python3.13: its bytecode must come from a Python 3.13 (the .pyc format changes every minor version).
#   local/ensure_python313.sh              prints the path of a working python3.13 (or says what to install, exit 1)
#   local/ensure_python313.sh compile DIR  compiles every .py under DIR with it (hash-based, unchecked);
#                                          without one it warns and leaves DIR without bytecode (exit 0)
# Found in this order: $PYTHON313, python3.13 on PATH, pyenv, Homebrew, .cache/python3.13 (made here before),
# else on any apt-based Linux Debian 13's own python3.13 packages unpacked into .cache/python3.13 and run with
# their own loader and libraries (no root, nothing installed system-wide; ~14 MB once).
set -euo pipefail

ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
CACHE="$ROOT/.cache/python3.13"
SUITE=trixie  # Debian 13, whose python3 is 3.13

works() { [ -n "$1" ] && "$1" -c 'import sys; sys.exit(sys.version_info[:2] != (3, 13))' >/dev/null 2>&1; }

from_debian() {
  command -v apt-get >/dev/null && command -v dpkg-deb >/dev/null && command -v dpkg >/dev/null || return 1
  local keyring=/usr/share/keyrings/debian-archive-keyring.gpg apt="$CACHE/apt" arch
  [ -f "$keyring" ] || return 1
  arch="$(dpkg --print-architecture)"
  echo "==> Python 3.13 not found; unpacking Debian $SUITE's python3.13 ($arch) into .cache/python3.13" >&2
  rm -rf "$CACHE" && mkdir -p "$apt/lists/partial" "$apt/archives/partial" "$CACHE/root" && touch "$apt/status"
  echo "deb [signed-by=$keyring] http://deb.debian.org/debian $SUITE main" >"$apt/sources.list"
  local opts=(-o "Dir::State=$apt" -o "Dir::State::Lists=$apt/lists" -o "Dir::State::status=$apt/status"
    -o "Dir::Cache=$apt" -o "Dir::Cache::archives=$apt/archives" -o "Dir::Etc::SourceList=$apt/sources.list"
    -o "Dir::Etc::SourceParts=/nonexistent" -o "APT::Architecture=$arch" -o "Debug::NoLocking=1")
  apt-get "${opts[@]}" update -qq >&2 || return 1
  apt-get "${opts[@]}" install -qq --download-only --no-install-recommends -y python3.13-minimal libpython3.13-stdlib \
    >/dev/null || return 1
  for deb in "$apt"/archives/*.deb; do dpkg-deb -x "$deb" "$CACHE/root"; done
  rm -rf "$apt"
  local multiarch loader
  multiarch="$(basename "$(dirname "$(find "$CACHE/root/usr/lib" -path '*-linux-gnu*/libc.so.6' | head -1)")")"
  loader="$(cd "$CACHE/root/usr/lib/$multiarch" && ls ld-linux*.so.* | head -1)"
  mkdir -p "$CACHE/bin"
  # The host's C library may be older than Debian 13's: the interpreter runs on the loader it was built for.
  cat >"$CACHE/bin/python3.13" <<EOF
#!/bin/sh
here="\$(cd "\$(dirname "\$0")/.." && pwd)/root/usr"
PYTHONHOME="\$here" exec "\$here/lib/$multiarch/$loader" --library-path "\$here/lib/$multiarch" "\$here/bin/python3.13" "\$@"
EOF
  chmod +x "$CACHE/bin/python3.13"
}

find_python() {
  local candidate
  for candidate in "${PYTHON313:-}" "$(command -v python3.13 || true)" \
    "$(command -v pyenv >/dev/null && pyenv root 2>/dev/null)"/versions/3.13*/bin/python3.13 \
    "${PYENV_ROOT:-$HOME/.pyenv}"/versions/3.13*/bin/python3.13 \
    "$(command -v brew >/dev/null && brew --prefix python@3.13 2>/dev/null)/bin/python3.13" \
    "$CACHE/bin/python3.13"; do
    if works "$candidate"; then echo "$candidate" && return 0; fi
  done
  [ "${WEGIT_NO_PYTHON_DOWNLOAD:-}" != 1 ] || return 1
  mkdir -p "$ROOT/.cache"
  # `sam build --parallel` compiles several artifacts at once: one of them unpacks, the others wait for it.
  exec 9>"$ROOT/.cache/python3.13.lock"
  command -v flock >/dev/null && flock 9
  if works "$CACHE/bin/python3.13" || { from_debian && works "$CACHE/bin/python3.13"; }; then
    echo "$CACHE/bin/python3.13" && return 0
  fi
  return 1
}

MISSING='Python 3.13 (the Lambda runtime) was not found. Install one, then run make again:
  Debian 13 / Ubuntu 24.10+: sudo apt-get install python3.13
  pyenv:                     pyenv install 3.13
  macOS:                     brew install python@3.13
  Any OS:                    python.org/downloads, or set PYTHON313=/path/to/python3.13'

if [ "${1:-}" = compile ]; then
  shift
  if ! python="$(find_python)"; then
    echo "WARNING: building WITHOUT bytecode: every cold start on Lambda will compile what it imports." >&2
    echo "$MISSING" >&2
    exit 0
  fi
  # unchecked-hash: a deployed artifact never changes, so the source is never read or hashed at import
  # (checked-hash would hash every imported .py on every cold start); zip timestamps play no part either.
  "$python" -m compileall -q --invalidation-mode unchecked-hash "$@" >/dev/null
  exit 0
fi
find_python || { echo "$MISSING" >&2; exit 1; }
