#!/usr/bin/env bash
# The nevermiss test bench: Asterisk 22 (Debian sid) in a debootstrap chroot on this host.
#
#   scripts/sandbox.sh build     make the chroot once and cache it (also installs debootstrap, sip-tester)
#   scripts/sandbox.sh start     build if needed, install configs + dialplan snippet + prompts, run Asterisk,
#                                wait for ARI (http://127.0.0.1:8088, nevermiss / nevermiss-sandbox)
#   scripts/sandbox.sh stop      stop Asterisk (the cache stays)
#   scripts/sandbox.sh restart   stop + start
#   scripts/sandbox.sh status    exit 0 if Asterisk runs and ARI answers
#   scripts/sandbox.sh cli "pjsip show endpoints"
#
# Quiet unless something fails. Must run as root (chroot, mount). Environment:
#   NEVERMISS_SANDBOX_DIR     cache dir of the chroot (default /var/cache/nevermiss/asterisk-22)
#   NEVERMISS_SANDBOX_SUITE   Debian suite with Asterisk 22 (default sid)
#   NEVERMISS_SANDBOX_MIRROR  Debian mirror (default http://deb.debian.org/debian)
set -euo pipefail

ROOT=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
# shellcheck source=scripts/lib/common.sh
. "$ROOT/scripts/lib/common.sh"

DIR=${NEVERMISS_SANDBOX_DIR:-/var/cache/nevermiss/asterisk-22}
SUITE=${NEVERMISS_SANDBOX_SUITE:-sid}
MIRROR=${NEVERMISS_SANDBOX_MIRROR:-http://deb.debian.org/debian}
ARI_HOST=127.0.0.1
ARI_PORT=8088
ARI_USER=nevermiss
ARI_PASSWORD=nevermiss-sandbox
START_TIMEOUT=60
LOCK_FILE=/run/lock/nevermiss-sandbox.lock
SNIPPET_DIR=/opt/nevermiss/dialplan # where the snippet goes inside the chroot

log_file() { echo "$DIR/var/log/asterisk/messages.log"; }
console_file() { echo "$DIR/var/log/asterisk/console.log"; }

require_root() {
  [ "$(id -u)" = 0 ] || die "scripts/sandbox.sh needs root (chroot, mount)." "Run it as root or with sudo."
}

LOCKED=
lock() {
  [ -z "$LOCKED" ] || return 0
  mkdir -p "$(dirname "$LOCK_FILE")"
  exec 9>"$LOCK_FILE"
  flock -w 900 9 || die "another scripts/sandbox.sh held $LOCK_FILE for 15 minutes" "Check for a hung build: ps aux | grep debootstrap"
  LOCKED=1
}

is_built() { [ -x "$DIR/usr/sbin/asterisk" ]; }

# Unmount everything below $1 (deepest first). Used before deleting a half-built chroot.
umount_below() {
  local d m
  d=$(realpath -m "$1")
  findmnt -rno TARGET 2>/dev/null | awk -v d="$d/" 'index($0, d) == 1' | sort -r | while read -r m; do
    umount -l "$m" 2>/dev/null || true
  done
}

cmd_build() {
  require_root
  lock
  ensure_debs debootstrap sip-tester
  is_built && return 0
  if [ -e "$DIR" ]; then
    # Not ours to delete blindly (the path may be mistyped): only an empty dir goes.
    rmdir "$DIR" 2>/dev/null || die "$DIR exists but holds no Asterisk chroot." \
      "Remove it (umount $DIR/proc first if mounted) or set NEVERMISS_SANDBOX_DIR, then run scripts/sandbox.sh build."
  fi
  local parent tmp started
  parent=$(dirname "$DIR")
  mkdir -p "$parent"
  # Leftovers of an interrupted build.
  for tmp in "$DIR".tmp.*; do
    [ -e "$tmp" ] || continue
    umount_below "$tmp"
    rm -rf --one-file-system "$tmp"
  done
  tmp="$DIR.tmp.$$"
  started=$(date +%s)
  trap 'umount_below "$tmp"; rm -rf --one-file-system "$tmp"' EXIT
  local attempt out
  for attempt in 1 2; do
    out=$(debootstrap --variant=minbase --include=asterisk,asterisk-modules,asterisk-core-sounds-en \
      "$SUITE" "$tmp" "$MIRROR" 2>&1) && break
    if [ "$attempt" = 2 ]; then
      echo "$out" | tail -n 30 >&2
      die "debootstrap of Debian $SUITE with Asterisk failed (see above)." \
        "Check that $MIRROR is reachable; if $SUITE is uninstallable today, retry later or set NEVERMISS_SANDBOX_SUITE."
    fi
    umount_below "$tmp"
    rm -rf --one-file-system "$tmp"
  done
  umount_below "$tmp"
  [ -x "$tmp/usr/sbin/asterisk" ] || die "debootstrap finished but $tmp has no /usr/sbin/asterisk" "Remove $tmp and run scripts/sandbox.sh build again."
  # Make the cache smaller: apt lists and downloaded .debs are not needed.
  rm -rf "$tmp/var/cache/apt/archives/"*.deb "$tmp/var/lib/apt/lists/"* 2>/dev/null || true
  echo "$SUITE $(date -u +%FT%TZ) $(($(date +%s) - started))s" >"$tmp/.nevermiss-build"
  mv -T "$tmp" "$DIR"
  trap - EXIT
}

# PIDs of Asterisk processes running in our chroot.
asterisk_pids() {
  local real p comm
  real=$(realpath -m "$DIR")
  for p in /proc/[0-9]*; do
    comm=
    read -r comm 2>/dev/null <"$p/comm" || continue # builtin: no fork per process
    [ "$comm" = asterisk ] || continue
    [ "$(readlink "$p/root" 2>/dev/null)" = "$real" ] && echo "${p#/proc/}"
  done
  return 0
}

ari_ok() { http_status "$ARI_HOST" "$ARI_PORT" /ari/asterisk/info "$ARI_USER:$ARI_PASSWORD" | grep -qx 200; }

mount_proc() {
  mkdir -p "$DIR/proc"
  mountpoint -q "$DIR/proc" || mount -t proc proc "$DIR/proc"
}

write_etc() {
  local host
  host=$(hostname 2>/dev/null || cat /proc/sys/kernel/hostname)
  # Without these, Asterisk looks up its own host name per call and stalls for seconds
  # on a DNS that can't answer. Look-ups of other names fail at once (no resolver on 127.0.0.1).
  printf '127.0.0.1\tlocalhost %s nevermiss-sandbox\n::1\tlocalhost ip6-localhost ip6-loopback\n' "$host" >"$DIR/etc/hosts"
  printf 'nameserver 127.0.0.1\noptions timeout:1 attempts:1\n' >"$DIR/etc/resolv.conf"
  # ARI recordings (messages left by callers) go here; the package doesn't create it.
  mkdir -p "$DIR/var/spool/asterisk/recording"
}

# Copies configs, snippet and prompts into the chroot. Prints "changed" when the configs changed.
installed_hash() {
  cat "$DIR"/etc/asterisk/*.conf "$DIR$SNIPPET_DIR/nevermiss.conf" 2>/dev/null | sha256sum | cut -d' ' -f1
}
install_files() {
  local etc="$DIR/etc/asterisk" before
  [ -f "$ROOT/dialplan/nevermiss.conf" ] || die "$ROOT/dialplan/nevermiss.conf is missing" "Run this script from a nevermiss checkout."
  before=$(installed_hash)
  mkdir -p "$etc" "$DIR$SNIPPET_DIR"
  find "$etc" -mindepth 1 -delete # only our configs apply
  cp "$ROOT"/sandbox/asterisk/*.conf "$etc/"
  # The snippet, installed the way a user would; extensions.conf #includes it from there.
  cp "$ROOT/dialplan/nevermiss.conf" "$DIR$SNIPPET_DIR/nevermiss.conf"
  [ "$before" = "$(installed_hash)" ] || echo changed
  # Prompts: prompts/build/<lang>/nevermiss/*.wav -> /usr/share/asterisk/sounds/<lang>/nevermiss/
  if [ -d "$ROOT/prompts/build" ]; then
    local langdir lang target
    for langdir in "$ROOT"/prompts/build/*/; do
      [ -d "$langdir/nevermiss" ] || continue
      lang=$(basename "$langdir")
      # sounds/en is a symlink to /etc/alternatives/... inside the chroot: resolve it there.
      target=$(chroot "$DIR" readlink -m "/usr/share/asterisk/sounds/$lang")
      mkdir -p "$DIR$target"
      rm -rf "${DIR:?}$target/nevermiss"
      cp -r "$langdir/nevermiss" "$DIR$target/nevermiss"
    done
  fi
}

tail_logs() {
  echo "--- last lines of $(log_file):" >&2
  tail -n 40 "$(log_file)" 2>/dev/null >&2 || echo "(no log)" >&2
  if [ -s "$(console_file)" ]; then
    echo "--- last lines of $(console_file):" >&2
    tail -n 20 "$(console_file)" >&2
  fi
}

# Closes every file descriptor above stderr in this (sub)shell, e.g. a flock(1) lock inherited
# from the caller, so that a long-lived child started from here doesn't hold it.
close_inherited_fds() {
  local fd
  for fd in /proc/$BASHPID/fd/*; do
    fd=${fd##*/}
    [ "$fd" -gt 2 ] 2>/dev/null && eval "exec $fd>&-"
  done
  return 0
}

cmd_start() {
  require_root
  lock
  is_built || cmd_build
  mount_proc
  write_etc
  local changed
  changed=$(install_files)
  if [ -n "$(asterisk_pids)" ]; then
    if [ -n "$changed" ]; then
      # Cheap and keeps running calls. modules.conf changes need a restart.
      cli_quiet "core reload" || true
    fi
    wait_ari 15 && return 0
    die "Asterisk runs (pid $(asterisk_pids | tr '\n' ' ')) but ARI doesn't answer on $ARI_HOST:$ARI_PORT." \
      "Try scripts/sandbox.sh restart; see $(log_file)."
  fi
  # Something else on our ports? (another Asterisk, a leftover SIPp)
  if http_status "$ARI_HOST" "$ARI_PORT" / >/dev/null 2>&1; then
    die "something else listens on $ARI_HOST:$ARI_PORT, not this sandbox's Asterisk." \
      "Find it with: ss -ltnp 'sport = :$ARI_PORT'; stop it, then run scripts/sandbox.sh start."
  fi
  mkdir -p "$DIR/var/log/asterisk" "$DIR/run/asterisk" "$DIR/var/spool/asterisk" "$DIR/var/lib/asterisk"
  : >"$(log_file)"
  # setsid: not in our process group; no inherited pipes or lock fds, so callers
  # (execFile, CI) don't wait for Asterisk to exit, and a lock taken by whoever ran us
  # (`flock /run/lock/nevermiss-bench.lock scripts/sandbox.sh restart`) ends with them, not with Asterisk.
  (
    close_inherited_fds
    exec setsid chroot "$DIR" /usr/sbin/asterisk -f -n -q </dev/null >"$(console_file)" 2>&1
  ) &
  if ! wait_ari "$START_TIMEOUT"; then
    tail_logs
    if [ -z "$(asterisk_pids)" ]; then
      die "Asterisk exited during start-up (see above)." "Fix the config in sandbox/asterisk/, then scripts/sandbox.sh start."
    fi
    die "ARI did not answer 200 on http://$ARI_HOST:$ARI_PORT/ari/asterisk/info within ${START_TIMEOUT}s (see above)." \
      "Check sandbox/asterisk/http.conf and ari.conf; scripts/sandbox.sh restart."
  fi
}

# wait_ari SECONDS: 0 when ARI answers 200; gives up early if no Asterisk runs.
wait_ari() {
  local deadline=$((SECONDS + $1)) grace=$((SECONDS + 3))
  while [ "$SECONDS" -lt "$deadline" ]; do
    ari_ok && return 0
    if [ "$SECONDS" -ge "$grace" ] && [ -z "$(asterisk_pids)" ]; then return 1; fi
    sleep 0.1
  done
  return 1
}

cli_quiet() { timeout 15 chroot "$DIR" /usr/sbin/asterisk -rx "$1" >/dev/null 2>&1; }

cmd_stop() {
  require_root
  lock
  local pids
  pids=$(asterisk_pids)
  if [ -n "$pids" ]; then
    cli_quiet "core stop now" || true
    for _ in $(seq 1 100); do
      [ -z "$(asterisk_pids)" ] && break
      sleep 0.1
    done
    pids=$(asterisk_pids)
    if [ -n "$pids" ]; then
      # shellcheck disable=SC2086
      kill -TERM $pids 2>/dev/null || true
      for _ in $(seq 1 30); do
        [ -z "$(asterisk_pids)" ] && break
        sleep 0.1
      done
      pids=$(asterisk_pids)
      # shellcheck disable=SC2086
      [ -z "$pids" ] || kill -KILL $pids 2>/dev/null || true
      sleep 0.2
    fi
  fi
  [ -z "$(asterisk_pids)" ] || die "could not stop Asterisk (pids $(asterisk_pids | tr '\n' ' '))" "Kill them by hand."
  # Nothing runs in the chroot any more: release /proc so the cache can be removed safely.
  if mountpoint -q "$DIR/proc" 2>/dev/null; then umount "$DIR/proc" 2>/dev/null || umount -l "$DIR/proc" || true; fi
}

cmd_status() {
  if ! is_built; then
    echo "not built ($DIR); run scripts/sandbox.sh build"
    return 3
  fi
  local pids
  pids=$(asterisk_pids)
  if [ -z "$pids" ]; then
    echo "stopped ($DIR)"
    return 3
  fi
  if ari_ok; then
    echo "running: pid $(echo "$pids" | tr '\n' ' ')ARI http://$ARI_HOST:$ARI_PORT ok ($DIR)"
  else
    echo "running: pid $(echo "$pids" | tr '\n' ' ')but ARI http://$ARI_HOST:$ARI_PORT does not answer 200"
    return 1
  fi
}

cmd_cli() {
  require_root
  [ $# -ge 1 ] || die "usage: scripts/sandbox.sh cli \"<asterisk CLI command>\""
  [ -n "$(asterisk_pids)" ] || die "Asterisk is not running." "Run scripts/sandbox.sh start."
  timeout 30 chroot "$DIR" /usr/sbin/asterisk -rx "$*"
}

case "${1:-}" in
  build) cmd_build ;;
  start) cmd_start ;;
  stop) cmd_stop ;;
  restart)
    cmd_stop
    cmd_start
    ;;
  status) cmd_status ;;
  cli) shift; cmd_cli "$@" ;;
  *)
    echo "usage: scripts/sandbox.sh {build|start|stop|restart|status|cli \"<command>\"}" >&2
    exit 2
    ;;
esac
