#!/usr/bin/env bash
# Render a regen HTML report in headless Chromium and save a PNG screenshot.
# Needs Debian's chromium (apt-get install chromium). Usage:
#   scripts/screenshot_report.sh report.html report.png [width_px]
# width_px defaults to 1100 (a desktop window); below 500 (phones, e.g. 375) the
# page is shown in an iframe of that width, as headless Chromium's window
# cannot be narrower than 500 px. The network is closed to the browser
# (--host-resolver-rules), so the picture shows the page as it is offline.
set -euo pipefail
html=$(realpath "$1"); png=$(realpath -m "${2:-report.png}"); width=${3:-1100}
profile=$(mktemp -d)
trap 'rm -rf "$profile"' EXIT
url="file://$html"; window=$width; extra=()
if [ "$width" -lt 500 ]; then
  frame="$profile/frame.html"
  printf '<!DOCTYPE html><html><body style="margin:0"><iframe src="%s" style="border:0;width:%spx;height:4000px"></iframe></body></html>' \
    "$url" "$width" > "$frame"
  url="file://$frame"; window=500; extra=(--allow-file-access-from-files)
fi
chromium --headless --no-sandbox --disable-gpu --disable-quic --no-first-run \
  --disable-background-networking --disable-component-update --disable-sync \
  --host-resolver-rules="MAP * ~NOTFOUND" "${extra[@]}" \
  --user-data-dir="$profile" --hide-scrollbars --window-size="$window,4000" \
  --screenshot="$png" "$url" 2>/dev/null
echo "screenshot written to $png"
