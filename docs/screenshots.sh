#!/usr/bin/env bash
# Screenshots of the main pages for the README: the demo on a scratch data directory, rendered by
# headless Chromium (Debian package `chromium`). Usage: docs/screenshots.sh
set -euo pipefail
cd "$(dirname "$0")/.."
PORT=5077
DATA=$(mktemp -d)
OUT=docs/screenshots
ISSUER_DATA_DIR=$DATA ISSUER_DEMO=true ISSUER_BASE_URL=http://127.0.0.1:$PORT \
  .venv/bin/flask --app issuer run --port $PORT >"$DATA/server.log" 2>&1 &
SERVER=$!
trap 'kill $SERVER' EXIT
for _ in $(seq 50); do curl -sf "http://127.0.0.1:$PORT/" >/dev/null && break; sleep 0.2; done
shot() {  # name path [height]
  chromium --headless --no-sandbox --disable-gpu --disable-quic --no-first-run \
    --disable-background-networking --disable-component-update --disable-sync \
    --hide-scrollbars --user-data-dir="$(mktemp -d)" --window-size=1100,"${3:-900}" \
    --screenshot="$OUT/$1.png" "http://127.0.0.1:$PORT$2" 2>/dev/null
}
query() { .venv/bin/python -c "import sqlite3,sys; print(sqlite3.connect(sys.argv[1]).execute(sys.argv[2]).fetchone()[0])" "$DATA/issuer.sqlite3" "$1"; }
BADGE=$(query "select id from issued_credential where kind='OpenBadgeCredential' order by created_at limit 1")
ACHIEVEMENT=$(query "select id from achievement order by created_at limit 1")
shot home /
shot community /communities/open-source-mentors 1100
shot achievement "/achievements/$ACHIEVEMENT" 1000
shot profile /people/bram 1000
shot credential "/credentials/$BADGE" 1400
shot verify "/credentials/$BADGE/verify" 900
echo "screenshots in $OUT"
