#!/usr/bin/env bash
# System (Debian) packages nianbao needs beyond Python, in two sets:
#   scripts/setup-system.sh runtime   what the pipeline needs (make demo, nianbao run)
#   scripts/setup-system.sh test      that, plus what only the test suite needs (make test)
# Idempotent: installs only what is missing, and only as root with apt-get; elsewhere it
# warns (the pipeline still runs; the tests that need a package skip and say why).
set -euo pipefail
# Demo PDFs use reportlab's built-in CID font STSong-Light: nothing needed for them.
# LibreOffice converts legacy .doc/.wps reports to DOCX for the parser (parsers/convert.py);
# without it such documents get status error "LibreOffice (soffice) is not installed".
runtime=(libreoffice-writer-nogui)
# Headless browser tests of the Datasette pages, and a CJK font so screenshots show Chinese.
test=(chromium fonts-wqy-zenhei)

case "${1:-runtime}" in
  runtime) packages=("${runtime[@]}") ;;
  test) packages=("${runtime[@]}" "${test[@]}") ;;
  *) echo "usage: $0 [runtime|test]" >&2; exit 2 ;;
esac
need=()
for pkg in "${packages[@]}"; do
  dpkg -s "$pkg" >/dev/null 2>&1 || need+=("$pkg")
done
[ ${#need[@]} -eq 0 ] && exit 0
if [ "$(id -u)" = 0 ] && command -v apt-get >/dev/null; then
  echo "installing Debian packages: ${need[*]}" >&2
  # Two setups at once (a demo and a test run in two checkouts) would race for dpkg's lock
  # and one would fail: wait for the other instead, up to 10 minutes.
  wait_lock=(-o DPkg::Lock::Timeout=600)
  apt-get "${wait_lock[@]}" update -qq
  DEBIAN_FRONTEND=noninteractive apt-get "${wait_lock[@]}" install -y -qq "${need[@]}" >/dev/null
else
  echo "warning: missing Debian packages: ${need[*]} (sudo apt-get install ${need[*]})" >&2
fi
