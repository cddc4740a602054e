#!/usr/bin/env bash
# System (Debian) packages nianbao needs beyond Python. Idempotent: installs only what is
# missing, and only as root with apt-get (elsewhere it warns: the tests that need them skip).
set -euo pipefail
# The core pipeline needs none (demo PDFs use reportlab's built-in CID font STSong-Light);
# chromium renders the Datasette pages in tests/test_datasette.py.
packages=(chromium fonts-wqy-zenhei)  # headless browser tests of the Datasette pages; a CJK font for them
need=()
for pkg in "${packages[@]}"; do
  dpkg -s "$pkg" >/dev/null 2>&1 || need+=("$pkg")
done
[ ${#need[@]} -eq 0 ] && exit 0
if [ "$(id -u)" = 0 ] && command -v apt-get >/dev/null; then
  echo "installing Debian packages: ${need[*]}" >&2
  apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq "${need[@]}" >/dev/null
else
  # Not fatal: the pipeline runs without them; the tests that need them skip and say why.
  echo "warning: install these Debian packages for the full test suite: sudo apt-get install ${need[*]}" >&2
fi
