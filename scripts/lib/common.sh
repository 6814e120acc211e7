# shellcheck shell=bash
# Shared helpers for the nevermiss shell scripts. Source it; don't run it.

# die MESSAGE [WHAT TO DO]
die() {
  echo "error: $1" >&2
  [ -z "${2:-}" ] || echo "  -> $2" >&2
  exit 1
}

# ensure_debs PKG...: apt-get install the Debian packages that are missing
# (apt-get update first, only when something is missing).
ensure_debs() {
  local missing=() p out
  for p in "$@"; do
    dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q 'install ok installed' || missing+=("$p")
  done
  [ ${#missing[@]} -eq 0 ] && return 0
  [ "$(id -u)" = 0 ] || die "missing Debian packages: ${missing[*]}" "Install them as root: apt-get install ${missing[*]}"
  if ! out=$( (export DEBIAN_FRONTEND=noninteractive
    apt-get update -qq && apt-get install -y -qq --no-install-recommends "${missing[@]}") 2>&1); then
    echo "$out" | tail -n 20 >&2
    die "apt-get install ${missing[*]} failed (see above)." "Check the Debian mirror in /etc/apt/sources.list*, then retry."
  fi
}

# http_status HOST PORT PATH [USER:PASSWORD]: prints the HTTP status code of a GET
# (plain bash, no curl needed); fails when nothing answers within 3 s.
http_status() {
  local hdr=""
  [ -z "${4:-}" ] || hdr="Authorization: Basic $(printf %s "$4" | base64 -w0)"$'\r\n'
  # shellcheck disable=SC2016 # expanded by the inner bash
  timeout 3 bash -c '
    exec 3<>"/dev/tcp/$0/$1" || exit 1
    printf "GET %s HTTP/1.0\r\nHost: %s\r\n%s\r\n" "$2" "$0" "$3" >&3
    IFS=" " read -r _ code _ <&3 || exit 1
    [ -n "$code" ] || exit 1
    echo "$code"' "$1" "$2" "$3" "$hdr" 2>/dev/null
}
