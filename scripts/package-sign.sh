#!/usr/bin/env bash
# Authenticode-signs Windows files in place with osslsigncode (SHA-256).
#   scripts/package-sign.sh FILE...
# A real certificate comes from the environment:
#   TILLDESK_SIGN_PFX            PKCS#12 file with the code-signing certificate, its key and chain
#   TILLDESK_SIGN_PASS           its password
#   TILLDESK_SIGN_TIMESTAMP_URL  optional RFC 3161 time-stamp server, so signatures stay
#                                valid after the certificate expires (needs the network)
# Without TILLDESK_SIGN_PFX it signs with a throwaway test certificate issued by a test
# CA made here once (build/sign/): Windows does not trust it, package-check does
# (osslsigncode verify -CAfile build/sign/test-ca.pem).
source "$(dirname "$0")/package-lib.sh"
need osslsigncode osslsigncode
[ $# -gt 0 ] || die "usage: $0 FILE..."

pfx=${TILLDESK_SIGN_PFX:-}
if [ -z "$pfx" ]; then
  need openssl openssl
  dir=$BUILD/sign pfx=$BUILD/sign/test-sign.pfx
  export TILLDESK_SIGN_PASS=tilldesk-test
  # Made once and reused while valid for another 30 days, so warm builds are quick.
  if ! { [ -f "$pfx" ] && openssl x509 -in "$dir/test-sign.pem" -noout -checkend 2592000 >/dev/null 2>&1; }; then
    echo "signing: making a throwaway test CA and code-signing certificate in $dir"
    rm -rf "$dir" && mkdir -p "$dir"
    openssl req -x509 -newkey rsa:2048 -nodes -keyout "$dir/ca.key" -out "$TEST_CA" -days 3650 \
      -subj "/O=Tilldesk/CN=Tilldesk TEST CA - not trusted" \
      -addext basicConstraints=critical,CA:TRUE -addext keyUsage=critical,keyCertSign,cRLSign 2>/dev/null
    openssl req -newkey rsa:2048 -nodes -keyout "$dir/test-sign.key" -out "$dir/test-sign.csr" \
      -subj "/O=Tilldesk/CN=Tilldesk TEST code signing" 2>/dev/null
    printf 'basicConstraints=CA:FALSE\nkeyUsage=critical,digitalSignature\nextendedKeyUsage=codeSigning\n' >"$dir/ext.cnf"
    openssl x509 -req -in "$dir/test-sign.csr" -CA "$TEST_CA" -CAkey "$dir/ca.key" -set_serial "0x$(openssl rand -hex 8)" \
      -days 1095 -extfile "$dir/ext.cnf" -out "$dir/test-sign.pem" 2>/dev/null
    openssl pkcs12 -export -inkey "$dir/test-sign.key" -in "$dir/test-sign.pem" -certfile "$TEST_CA" \
      -out "$pfx" -passout env:TILLDESK_SIGN_PASS
    rm -f "$dir/ca.key" "$dir/test-sign.csr" "$dir/ext.cnf" # the CA signs nothing else
  fi
fi
[ -f "$pfx" ] || die "TILLDESK_SIGN_PFX=$pfx: no such file"

# The password goes through a private file, not the command line (visible in ps).
passfile=$(mktemp) && trap 'rm -f "$passfile"' EXIT
printf '%s' "${TILLDESK_SIGN_PASS:-}" >"$passfile"
ts=()
[ -n "${TILLDESK_SIGN_TIMESTAMP_URL:-}" ] && ts=(-ts "$TILLDESK_SIGN_TIMESTAMP_URL")
for f in "$@"; do
  osslsigncode sign -pkcs12 "$pfx" -readpass "$passfile" -h sha256 "${ts[@]}" \
    -n "Tilldesk" -i "https://github.com/tilldesk/tilldesk" -in "$f" -out "$f.signed" >/dev/null \
    || { rm -f "$f.signed"; die "osslsigncode could not sign $f (wrong TILLDESK_SIGN_PASS, or not a code-signing certificate?)"; }
  mv -f "$f.signed" "$f"
  echo "signed $f"
done
