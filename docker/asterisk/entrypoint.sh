#!/bin/bash
# Renders /etc/nevermiss-asterisk/*.conf into /etc/asterisk/, filling each @@NAME@@ with the
# environment variable NAME (a secret never sits in the image), then runs Asterisk in the
# foreground, so its console output is the container's log.
# Any other command given to the container runs instead (e.g. `bash`).
set -euo pipefail

render() {
  local text name value
  text=$(< "$1")
  while [[ $text =~ @@([A-Za-z_][A-Za-z0-9_]*)@@ ]]; do
    name=${BASH_REMATCH[1]}
    value=${!name-}
    [[ -n $value ]] || { echo "nevermiss-asterisk: $1 needs \$$name: set it in .env" >&2; exit 1; }
    [[ $value != *$'\n'* && $value != *@@* ]] || { echo "nevermiss-asterisk: \$$name has a newline or @@" >&2; exit 1; }
    value=${value//;/\\;} # ';' starts a comment in Asterisk's config files
    text=${text//"@@$name@@"/"$value"}
  done
  printf '%s\n' "$text" > "$2"
}

for template in /etc/nevermiss-asterisk/*.conf; do
  conf=/etc/asterisk/${template##*/}
  render "$template" "$conf"
  # They may hold passwords: readable by Asterisk, not by everyone.
  chown root:asterisk "$conf" && chmod 640 "$conf"
done
install -d -o asterisk -g asterisk /run/asterisk

if [[ $# -gt 0 && $1 != -* ]]; then exec "$@"; fi
# -f: foreground, -n: no colours in the log, -U/-G: drop root once ports are bound.
exec asterisk -f -n -U asterisk -G asterisk -vvv "$@"
