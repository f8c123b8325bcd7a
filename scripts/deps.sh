#!/usr/bin/env bash
# Installs the Debian packages Tilldesk needs to build (Fyne's cgo build), to take
# screenshots under Xvfb (--screen), to build and check the installers (--package), and
# the CJK font the theme bundles. Idempotent: it only calls apt-get for packages that
# are missing, so it is quick when nothing is.
set -euo pipefail

# libpcsclite-dev links the PC/SC card-reader layer; pcscd and vsmartcard-vpcd (its
# virtual reader driver) run the tests' virtual cards through the real PC/SC stack.
build_pkgs="gcc libc6-dev pkg-config libgl1-mesa-dev libx11-dev libxcursor-dev libxrandr-dev libxinerama-dev libxi-dev libxxf86vm-dev
  libpcsclite-dev pcscd vsmartcard-vpcd"
screen_pkgs="xvfb xauth imagemagick libgl1-mesa-dri fonts-droid-fallback"
# Installers: the mingw-w64 cross compiler and windres (Windows cgo build, icon and
# manifest), NSIS, osslsigncode and openssl (Authenticode), xz for the Linux archive.
# desktop-file-utils, x11-utils (xwininfo) and wine64 (runs the installer) for
# package-check, which also runs the app under Xvfb, so the screen packages come too.
package_pkgs="gcc-mingw-w64-x86-64 binutils-mingw-w64-x86-64 nsis osslsigncode openssl xz-utils
  desktop-file-utils x11-utils wine64"

want="$build_pkgs"
case "${1:-}" in
  --screen) want="$build_pkgs $screen_pkgs" ;;
  --package) want="$build_pkgs $screen_pkgs $package_pkgs" ;;
esac

missing=""
for p in $want; do
  if ! dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed"; then
    missing="$missing $p"
  fi
done
[ -z "$missing" ] && exit 0

if [ "$(id -u)" -ne 0 ]; then
  echo "Missing Debian packages:$missing" >&2
  echo "Install them with:  sudo apt-get install -y$missing" >&2
  exit 1
fi
echo "Installing Debian packages:$missing"
export DEBIAN_FRONTEND=noninteractive
apt-get update -qq || apt-get update -qq
apt-get install -y -qq --no-install-recommends $missing >/dev/null
