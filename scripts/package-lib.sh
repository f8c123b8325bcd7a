# Sourced by scripts/package-*.sh: the version, the output names and helpers.
set -euo pipefail
cd "$(dirname "${BASH_SOURCE[0]}")/.."
export PATH=$PATH:/usr/local/go/bin
# As in the Makefile: Fyne logs a locale parse error under LANG=C.
case ${LANG:-C} in C | C.UTF-8 | POSIX) export LANG=en_US.UTF-8 ;; esac

VERSION=$(scripts/version.sh)          # stamped into the binary (tilldesk --version)
DEB_VERSION=$(scripts/version.sh deb)  # the .deb's version (its revision is -1)
WIN_VERSION=$(scripts/version.sh win)  # a.b.c.d for Windows version resources
BUILD=build # intermediate files (staged binaries, resources, test certificate)
DIST=dist   # what is shipped, and the package-check screenshot
DEB=$DIST/tilldesk_${DEB_VERSION}-1_amd64.deb
TARXZ=$DIST/tilldesk-$VERSION-linux-amd64.tar.xz
WINEXE=$DIST/tilldesk-$VERSION-windows-amd64.exe
SETUP=$DIST/tilldesk-$VERSION-windows-amd64-setup.exe
TEST_CA=$BUILD/sign/test-ca.pem # the throwaway CA when no real certificate is given
ROOT=$(pwd)
# gotool NAME ARGS: a Go tool pinned in tools/package/go.mod (nfpm, fyne), kept out of
# the app's go.mod. `go tool -n` builds it once into the Go cache and prints its path.
gotool() {
  local bin
  bin=$(cd "$ROOT/tools/package" && go tool -n "$1") || die "could not build the Go tool $1 (tools/package/go.mod)"
  shift && "$bin" "$@"
}
# -trimpath: the binary does not depend on the folder the repository is checked out in.
GOBUILD=(nice -n 10 go build -trimpath)
LDFLAGS="-X tilldesk/app.Version=$VERSION"

die() { echo "$(basename "$0"): $*" >&2; exit 1; }
need() { # need CMD PACKAGE: fail with the fix when a tool is missing
  command -v "$1" >/dev/null || die "$1 not found: run 'scripts/deps.sh --package' as root (Debian package $2)"
}
step() { echo "== $*"; }
