#!/usr/bin/env bash
# make package-linux: the stamped Linux binary, packaged two ways:
#   dist/tilldesk-VERSION-linux-amd64.tar.xz  `fyne package` archive (usr/local/bin,
#                                             share/applications, share/pixmaps, Makefile)
#   dist/tilldesk_DEBVERSION-1_amd64.deb      nfpm (packaging/linux/nfpm.yaml): desktop
#                                             entry, icon, dependencies, udev rules
source "$(dirname "$0")/package-lib.sh"
need xz xz-utils
out=$BUILD/linux
rm -rf "$out" && mkdir -p "$out" "$DIST"
rm -f "$DIST"/tilldesk-*-linux-amd64.tar.xz "$DIST"/tilldesk_*_amd64.deb

step "tilldesk $VERSION for linux/amd64"
"${GOBUILD[@]}" -ldflags "$LDFLAGS" -o "$out/tilldesk" . || die "the Linux build failed (see the compiler output above)"

step "fyne package (tar.xz)"
# --executable: package the binary just built (stamped with the version) instead of
# letting fyne build its own. fyne reads FyneApp.toml (name, icon, desktop metadata)
# from --src and writes it back with a new build number, so it gets a copy in a folder
# of its own (with a stub .go file: it insists on finding Go code there; the leading _
# keeps `go vet ./...` out of that folder). The archive has no version, the binary does.
src=$out/_fyne-src
mkdir -p "$src/assets/icons" && cp FyneApp.toml "$src/" && cp assets/icons/tilldesk.png "$src/assets/icons/"
echo "package main" >"$src/main.go"
(cd "$out" && gotool fyne package --target linux --src "$ROOT/$src" --executable "$ROOT/$out/tilldesk") \
  || die "fyne package failed"
mv "$out/Tilldesk.tar.xz" "$TARXZ"

step "nfpm (deb $DEB_VERSION-1)"
# SOURCE_DATE_EPOCH: the folders and control files nfpm makes get the commit time.
SOURCE_DATE_EPOCH=$(git log -1 --format=%ct 2>/dev/null || date +%s) \
  TILLDESK_DEB_VERSION=$DEB_VERSION gotool nfpm package --config packaging/linux/nfpm.yaml \
  --packager deb --target "$DEB" || die "nfpm failed to build the .deb"
ls -l "$TARXZ" "$DEB"
