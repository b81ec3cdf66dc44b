#!/usr/bin/env bash
# Render a regen HTML report in headless Chromium and save a PNG screenshot.
# Needs Debian's chromium (apt-get install chromium). Usage:
#   scripts/screenshot_report.sh report.html report.png
set -euo pipefail
html=$(realpath "$1"); png=${2:-report.png}
profile=$(mktemp -d)
chromium --headless --no-sandbox --disable-gpu --disable-quic --no-first-run \
  --disable-background-networking --disable-component-update --disable-sync \
  --user-data-dir="$profile" --hide-scrollbars --window-size=1100,2600 \
  --screenshot="$png" "file://$html" 2>/dev/null
rm -rf "$profile"
echo "screenshot written to $png"
