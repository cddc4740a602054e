#!/usr/bin/env bash
# System (Debian) packages nianbao needs beyond Python. Idempotent: installs only what is
# missing, and only as root with apt-get (elsewhere it prints what to install and fails).
set -euo pipefail
# The core pipeline needs none: demo PDFs use reportlab's built-in CID font STSong-Light.
packages=()
need=()
for pkg in "${packages[@]}"; do
  dpkg -s "$pkg" >/dev/null 2>&1 || need+=("$pkg")
done
[ ${#need[@]} -eq 0 ] && exit 0
if [ "$(id -u)" = 0 ] && command -v apt-get >/dev/null; then
  apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq "${need[@]}"
else
  echo "nianbao needs these Debian packages: ${need[*]} (sudo apt-get install ${need[*]})" >&2
  exit 1
fi
