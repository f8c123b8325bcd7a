#!/usr/bin/env bash
# make package-windows: cross-compiles tilldesk.exe with cgo (Fyne's GLFW driver and
# karalabe/usb's hidapi are C) through mingw-w64, with its icon, manifest and version
# resource, signs it, wraps it in an NSIS installer and signs that too:
#   dist/tilldesk-VERSION-windows-amd64.exe, dist/tilldesk-VERSION-windows-amd64-setup.exe
# See scripts/package-sign.sh for the certificate.
source "$(dirname "$0")/package-lib.sh"
need x86_64-w64-mingw32-gcc gcc-mingw-w64-x86-64
need x86_64-w64-mingw32-windres binutils-mingw-w64-x86-64
need makensis nsis
need convert imagemagick
out=$BUILD/windows
rm -rf "$out" && mkdir -p "$out" "$DIST"
rm -f "$DIST"/tilldesk-*-windows-amd64*.exe

step "resources: icon, manifest, version $WIN_VERSION"
# 8 bits a channel: the source PNG has 16, which older Windows icon code cannot read.
convert assets/icons/tilldesk.png -depth 8 -define icon:auto-resize=256,64,48,32,16 "$out/tilldesk.ico"
for f in tilldesk.rc tilldesk.exe.manifest; do
  sed -e "s/@WINVERSION_COMMA@/${WIN_VERSION//./,}/g" -e "s/@WINVERSION@/$WIN_VERSION/g" \
    -e "s/@VERSION@/$VERSION/g" "packaging/windows/$f" >"$out/$f"
done
# The .syso must sit in the main package's folder for go build to link it; the
# _windows_amd64 suffix keeps every other build from seeing it, and it is removed after.
syso=tilldesk_windows_amd64.syso
(cd "$out" && x86_64-w64-mingw32-windres -O coff -i tilldesk.rc -o tilldesk.syso)
cp "$out/tilldesk.syso" "$syso"
trap 'rm -f "$syso"' EXIT

step "tilldesk.exe (cgo through mingw-w64; the first build takes several minutes)"
CC=x86_64-w64-mingw32-gcc GOOS=windows GOARCH=amd64 CGO_ENABLED=1 \
  "${GOBUILD[@]}" -ldflags "-H windowsgui $LDFLAGS" -o "$out/tilldesk.exe" . \
  || die "the Windows build failed (see the compiler output above)"
rm -f "$syso"
scripts/package-sign.sh "$out/tilldesk.exe"
cp "$out/tilldesk.exe" "$WINEXE"

step "NSIS installer"
sign=$(pwd)/scripts/package-sign.sh
makensis -V2 -INPUTCHARSET UTF8 -DVERSION="$VERSION" -DWINVERSION="$WIN_VERSION" \
  -DEXE="$(pwd)/$out/tilldesk.exe" -DICON="$(pwd)/$out/tilldesk.ico" -DOUTFILE="$(pwd)/$SETUP" \
  -DSIGN="$sign" packaging/windows/tilldesk.nsi || die "makensis failed to build the installer"
scripts/package-sign.sh "$SETUP"
ls -l "$WINEXE" "$SETUP"
