#!/usr/bin/env bash
# Run by package-check.sh under xvfb-run: installs the NSIS installer silently under
# wine64 in a throwaway prefix, then checks what a technician relies on: the files, the
# Start-menu shortcut, the Add/Remove Programs entry, the signed uninstaller, that an
# upgrade and an uninstall keep the till's data, and that /REMOVEDATA removes it.
#   scripts/package-check-wine.sh SETUP.exe VERSION CAFILE
# Tilldesk itself cannot start here: Go 1.26 programs need bcryptprimitives.dll
# (ProcessPrng), which Wine has only from 9.0, and Debian 12 has Wine 8.
set -euo pipefail
setup=$(realpath "$1") version=$2 cafile=$3
die() { echo "package-check (wine): $*" >&2; exit 1; }
WINEPREFIX=$(mktemp -d) && export WINEPREFIX WINEDEBUG=-all WINEDLLOVERRIDES="mscoree,mshtml=" # no Mono/Gecko prompts
trap 'wineserver -k 2>/dev/null || true; rm -rf "$WINEPREFIX"' EXIT
export PATH=$PATH:/usr/lib/wine # wine64 and wineserver (Debian's wine64 package)
# Each step waits for the prefix's processes to end (the uninstaller re-runs itself
# from %TEMP%, and the registry is written out when wineserver stops).
win() { wine64 "$@" >/dev/null 2>&1 || true; wineserver -w; }

c=$WINEPREFIX/drive_c
prog="$c/Program Files/Tilldesk"
lnk="$c/ProgramData/Microsoft/Windows/Start Menu/Programs/Tilldesk.lnk"
data="$c/users/$(whoami)/AppData/Local/Tilldesk" config="$c/users/$(whoami)/AppData/Roaming/Tilldesk"
key='[Software\\Microsoft\\Windows\\CurrentVersion\\Uninstall\\Tilldesk]'
registered() { grep -qF "$key" "$WINEPREFIX/system.reg"; }

win wineboot --init
win "$setup" /S
[ -f "$prog/tilldesk.exe" ] || die "install: no $prog/tilldesk.exe"
[ -f "$lnk" ] || die "install: no Start-menu shortcut $lnk"
registered || die "install: no Add/Remove Programs entry $key"
grep -A20 -F "$key" "$WINEPREFIX/system.reg" | grep -qF "\"DisplayVersion\"=\"$version\"" \
  || die "install: the Add/Remove Programs entry does not say version $version"
osslsigncode verify -CAfile "$cafile" -in "$prog/uninstall.exe" >/dev/null || die "the uninstaller's signature does not verify"
echo "installed: program, shortcut, Add/Remove Programs entry ($version), signed uninstaller"

mkdir -p "$data" "$config" && echo journal >"$data/journal.db" && echo cfg >"$config/config.toml"
win "$setup" /S
[ -f "$data/journal.db" ] && [ -f "$config/config.toml" ] || die "upgrade: the data or config folder was touched"
win "C:\\Program Files\\Tilldesk\\uninstall.exe" /S
[ ! -e "$prog/tilldesk.exe" ] || die "uninstall: tilldesk.exe is still there"
[ ! -e "$lnk" ] || die "uninstall: the shortcut is still there"
! registered || die "uninstall: the Add/Remove Programs entry is still there"
[ -f "$data/journal.db" ] && [ -f "$config/config.toml" ] || die "uninstall: the data was removed without being asked"
echo "upgrade and uninstall kept the data"

win "$setup" /S
win "C:\\Program Files\\Tilldesk\\uninstall.exe" /S /REMOVEDATA
[ ! -e "$data" ] && [ ! -e "$config" ] || die "uninstall /REMOVEDATA: the data is still there"
echo "uninstall /REMOVEDATA removed the data"
