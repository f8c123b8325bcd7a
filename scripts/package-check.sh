#!/usr/bin/env bash
# make package-check: checks what make package built (dist/) and says what is wrong.
#   .deb       metadata, dependencies (and that apt can resolve them), file list,
#              desktop entry, maintainer scripts, the packaged binary's version
#   .tar.xz    fyne package layout and the binary's version
#   Windows    the exe is a GUI PE with resources; osslsigncode verify passes on the
#              exe and the installer (trusting the test CA, or TILLDESK_SIGN_CAFILE /
#              the system CAs for a real certificate); the installer run under wine64
#              (scripts/package-check-wine.sh)
#   screen     the binary from the .deb starts under Xvfb and shows its window; the
#              screenshot is kept as dist/tilldesk-VERSION-linux-screenshot.png
source "$(dirname "$0")/package-lib.sh"
passed=0 failed=0
ok() { passed=$((passed + 1)); echo "ok    $*"; }
fail() { failed=$((failed + 1)); echo "FAIL  $*" >&2; }
# check DESCRIPTION COMMAND...: runs the command quietly; on failure shows its output.
check() {
  local what=$1 log; shift
  if log=$("$@" 2>&1); then ok "$what"; else fail "$what"; printf '%s\n' "$log" | sed 's/^/      /' >&2; fi
}
has_line() { grep -qxF -- "$2" <<<"$1" || { echo "missing: $2"; return 1; }; }
for f in "$DEB" "$TARXZ" "$WINEXE" "$SETUP"; do
  [ -f "$f" ] || die "$f is missing: run make package (version $VERSION) first"
done
tmp=$(mktemp -d) && trap 'rm -rf "$tmp"' EXIT

echo "== $DEB"
field() { dpkg-deb -f "$DEB" "$1"; }
check "Package: tilldesk" test "$(field Package)" = tilldesk
check "Version: $DEB_VERSION-1" test "$(field Version)" = "$DEB_VERSION-1"
check "Architecture: amd64" test "$(field Architecture)" = amd64
depends=$(field Depends | tr ',' '\n' | sed 's/^ *//; s/ .*//')
for p in libc6 libgl1 libx11-6 libxcursor1 libxrandr2 libxi6 pcscd; do
  check "Depends: $p" has_line "$depends" "$p"
done
check "apt can resolve the dependencies (apt-get -s install)" \
  apt-get -s -o Debug::NoLocking=1 install "./$DEB"
files=$(dpkg-deb -c "$DEB" | awk '{print $1, $6}')
for f in usr/bin/tilldesk usr/share/applications/com.tilldesk.pos.desktop \
  usr/share/icons/hicolor/256x256/apps/tilldesk.png lib/udev/rules.d/60-tilldesk.rules; do
  check "contains /$f" grep -q " \./$f\$" <<<"$files"
done
check "/usr/bin/tilldesk is executable" grep -q '^-rwxr-xr-x \./usr/bin/tilldesk$' <<<"$files"
dpkg-deb -x "$DEB" "$tmp/deb" && dpkg-deb -e "$DEB" "$tmp/deb/DEBIAN"
check "desktop entry is valid" desktop-file-validate "$tmp/deb/usr/share/applications/com.tilldesk.pos.desktop"
check "udev rules give dialout the serial ports" grep -q 'ttyUSB.*GROUP="dialout"' "$tmp/deb/lib/udev/rules.d/60-tilldesk.rules"
check "postinst and postrm are valid sh" sh -n "$tmp/deb/DEBIAN/postinst" "$tmp/deb/DEBIAN/postrm"
check "postinst reloads udev and names dialout" grep -q 'udevadm control --reload' "$tmp/deb/DEBIAN/postinst"
check "tilldesk --version says $VERSION" test "$("$tmp/deb/usr/bin/tilldesk" --version)" = "tilldesk $VERSION"

echo "== $TARXZ"
tarfiles=$(tar -tJf "$TARXZ")
for f in 'bin/tilldesk' 'share/applications/com.tilldesk.pos.desktop' 'share/pixmaps/com.tilldesk.pos.png' 'Makefile'; do
  check "contains */$f" grep -q "/$f\$" <<<"$tarfiles"
done
mkdir "$tmp/tar" && tar -xJf "$TARXZ" -C "$tmp/tar"
check "its tilldesk --version says $VERSION" \
  test "$("$(find "$tmp/tar" -path '*/bin/tilldesk' | head -1)" --version)" = "tilldesk $VERSION"

echo "== Windows"
check "$WINEXE is a 64-bit Windows GUI program" grep -q 'PE32+ executable (GUI) x86-64' <<<"$(file -b "$WINEXE")"
check "it has its resources (icon, manifest, version)" grep -q '\.rsrc' <<<"$(x86_64-w64-mingw32-objdump -h "$WINEXE")"
check "it is stamped $VERSION" grep -qaF "$VERSION" "$WINEXE"
check "$SETUP is a 64-bit NSIS installer" grep -qa NullsoftInst "$SETUP"
cafile=${TILLDESK_SIGN_CAFILE:-$TEST_CA}
[ -n "${TILLDESK_SIGN_PFX:-}" ] && cafile=${TILLDESK_SIGN_CAFILE:-/etc/ssl/certs/ca-certificates.crt}
for f in "$WINEXE" "$SETUP"; do
  check "osslsigncode verify $(basename "$f") (CA: $cafile)" osslsigncode verify -CAfile "$cafile" -in "$f"
done
check "under wine64: install, shortcut, Add/Remove entry, signed uninstaller, data kept on upgrade and uninstall" \
  xvfb-run -a scripts/package-check-wine.sh "$SETUP" "$VERSION" "$cafile"

echo "== screen"
shot=$DIST/tilldesk-$VERSION-linux-screenshot.png
rm -f "$DIST"/tilldesk-*-linux-screenshot.png
check "the .deb's tilldesk starts under Xvfb and shows its window ($shot)" \
  xvfb-run -a -s "-screen 0 1280x800x24" scripts/package-check-screen.sh "$tmp/deb/usr/bin/tilldesk" "$tmp" "$shot"

echo "package-check: $passed passed, $failed failed"
[ "$failed" -eq 0 ]
