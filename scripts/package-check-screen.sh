#!/usr/bin/env bash
# Run by package-check.sh under xvfb-run: starts BIN (the binary from the .deb) as a
# till would start it, with a throwaway config and data folder, waits for its window,
# screenshots the screen into OUT.png and stops it.
#   scripts/package-check-screen.sh BIN WORKDIR OUT.png
set -euo pipefail
bin=$1 work=$2 out=$3
die() { echo "package-check (screen): $*" >&2; exit 1; }
[ -n "${DISPLAY:-}" ] || die "no DISPLAY: run under xvfb-run"

"$bin" --config "$work/config/config.toml" --data-dir "$work/data" >"$work/app.log" 2>&1 &
pid=$!
trap 'kill "$pid" 2>/dev/null || true; wait "$pid" 2>/dev/null || true' EXIT
# The first start writes the config, opens the journal and the demo devices, then maps
# the window "Tilldesk 收银台 — <terminal>". Allow for a slow software-GL start.
for _ in $(seq 1 60); do
  kill -0 "$pid" 2>/dev/null || { cat "$work/app.log" >&2; die "tilldesk exited before showing its window"; }
  xwininfo -root -tree 2>/dev/null | grep -q '"Tilldesk' && break
  sleep 0.5
done
xwininfo -root -tree | grep '"Tilldesk' || { cat "$work/app.log" >&2; die "no Tilldesk window after 30 s"; }
sleep 3 # let the first frames render (a root grab right at map time can be black)
import -window root "$out"
kill -0 "$pid" 2>/dev/null || { cat "$work/app.log" >&2; die "tilldesk exited while being screenshot"; }
# A rendered screen has many colours (text, icons); a black or blank grab has one or two.
colours=$(identify -format '%k' "$out")
[ "$colours" -ge 16 ] || die "the screenshot $out looks blank ($colours colours)"
echo "window shown, screenshot $out ($colours colours)"
