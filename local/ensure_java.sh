#!/usr/bin/env bash
# DynamoDB Local needs Java 17+: use the one on PATH, install it where this machine allows, or say what to install.
set -euo pipefail

major() { java -version 2>&1 | awk -F'"' '/version/ { split($2, v, "."); print (v[1] == "1" ? v[2] : v[1]); exit }'; }

if command -v java >/dev/null 2>&1 && [ "$(major)" -ge 17 ]; then
  exit 0
fi
echo "==> Java 17+ not found; installing it for DynamoDB Local"
sudo_cmd=""
if [ "$(id -u)" != 0 ] && command -v sudo >/dev/null 2>&1 && sudo -n true 2>/dev/null; then sudo_cmd="sudo"; fi
if command -v apt-get >/dev/null 2>&1 && { [ "$(id -u)" = 0 ] || [ -n "$sudo_cmd" ]; }; then
  $sudo_cmd apt-get update -qq && $sudo_cmd apt-get install -y -qq openjdk-17-jre-headless
elif command -v dnf >/dev/null 2>&1 && { [ "$(id -u)" = 0 ] || [ -n "$sudo_cmd" ]; }; then
  $sudo_cmd dnf install -y -q java-17-amazon-corretto-headless || $sudo_cmd dnf install -y -q java-17-openjdk-headless
elif command -v brew >/dev/null 2>&1; then
  brew install openjdk@17 && echo "Add it to PATH: export PATH=\"$(brew --prefix openjdk@17)/bin:\$PATH\""
else
  cat >&2 <<'MSG'
Java 17 or newer is required by DynamoDB Local and could not be installed automatically.
Install one of these, make sure `java -version` shows 17+, then run make again:
  Debian/Ubuntu:  sudo apt-get install openjdk-17-jre-headless
  Fedora/AL2023:  sudo dnf install java-17-amazon-corretto-headless
  macOS:          brew install openjdk@17
  Any OS:         Amazon Corretto 17 from the Corretto downloads page
MSG
  exit 1
fi
if ! command -v java >/dev/null 2>&1 || [ "$(major)" -lt 17 ]; then
  echo "Java was installed but \`java -version\` does not show 17+; put a Java 17+ first on PATH." >&2
  exit 1
fi
