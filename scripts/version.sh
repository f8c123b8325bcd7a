#!/usr/bin/env bash
# Prints the version of the work tree for one use:
#   scripts/version.sh        git describe as is (stamped into the binary: tilldesk --version)
#   scripts/version.sh deb    a valid Debian version
#   scripts/version.sh win    four numbers a.b.c.d (Windows VERSIONINFO, NSIS VIProductVersion)
# Mapping of `git describe --tags --always --dirty`:
#   v1.2.0                 -> 1.2.0                    1.2.0.0
#   v1.2.0-rc1             -> 1.2.0~rc1                1.2.0.0   (~ sorts before 1.2.0)
#   v1.2.0-3-gabc1234      -> 1.2.0+git3.abc1234       1.2.0.3   (sorts after 1.2.0)
#   abc1234 (no tag yet)   -> 0.0.0~git57.abc1234      0.0.0.57  (57 = commits in HEAD, so
#                                                                 later builds upgrade earlier ones)
#   ...-dirty              -> ...+dirty
set -euo pipefail
cd "$(dirname "$0")/.."

# TILLDESK_DESCRIBE stands in for git describe (a source tree without .git, tests).
raw=${TILLDESK_DESCRIBE:-$(git describe --tags --always --dirty 2>/dev/null || echo dev)}
[ "${1:-}" = "" ] && { echo "$raw"; exit 0; }

v=$raw dirty="" n=0 hash=""
[[ $v == *-dirty ]] && { dirty=1; v=${v%-dirty}; }
if [[ $v =~ ^(.+)-([0-9]+)-g([0-9a-f]+)$ ]]; then
  tag=${BASH_REMATCH[1]} n=${BASH_REMATCH[2]} hash=${BASH_REMATCH[3]}
elif [[ $v =~ ^[0-9a-f]{4,40}$ || $v == dev ]]; then
  tag="" hash=$v n=$(git rev-list --count HEAD 2>/dev/null || echo 0)
else
  tag=$v
fi

# Upstream version from the tag: no leading v, '-' (pre-release) as '~', only the
# characters Debian allows, and starting with a digit.
up=${tag#[vV]}
up=${up//-/\~}
up=$(printf '%s' "$up" | tr -c 'A-Za-z0-9.+~' '.')
[[ $up =~ ^[0-9] ]] || up="0.0.0${up:+~$up}"

case "$1" in
deb)
  if [ -z "$tag" ]; then out="$up~git$n.$hash"
  elif [ "$n" -gt 0 ]; then out="$up+git$n.$hash"
  else out=$up; fi
  echo "$out${dirty:++dirty}" ;;
win)
  [[ $up =~ ^([0-9]+)(\.([0-9]+))?(\.([0-9]+))? ]]
  nums=("${BASH_REMATCH[1]}" "${BASH_REMATCH[3]:-0}" "${BASH_REMATCH[5]:-0}" "$n")
  for i in 0 1 2 3; do # each part is a 16-bit number
    x=$((10#${nums[$i]})); [ "$x" -gt 65535 ] && x=65535; nums[$i]=$x
  done
  echo "${nums[0]}.${nums[1]}.${nums[2]}.${nums[3]}" ;;
*) echo "usage: $0 [deb|win]" >&2; exit 2 ;;
esac
