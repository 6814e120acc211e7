#!/usr/bin/env bash
# Makes nevermiss's voice prompts from prompts/src/<lang>.txt with espeak-ng and sox:
#   OUT_DIR/<lang>/nevermiss/<name>.wav   8 kHz, mono, 16-bit signed PCM (Asterisk's format_wav)
# Usage: scripts/make-prompts.sh [OUT_DIR]        (default: prompts/build)
#        NEVERMISS_PROMPTS_LANGS="en da" makes only those languages and leaves the
#        others' files in OUT_DIR alone (`nevermiss prompts build --lang` sets it).
#
# - num-1 … num-120 are spoken from the digits in each language's voice, unless the
#   text file has its own num-N line; "beep" is a tone made by sox.
# - A recording in prompts/custom/<lang>/<name>.<wav|flac|…> (or in
#   $NEVERMISS_PROMPTS_CUSTOM/<lang>/, which wins) replaces the spoken prompt; it is only
#   converted, so any format sox reads will do.
# - Incremental: OUT_DIR/.stamps/<lang>/<name>.spec remembers what each file was made from,
#   and a file is only remade when that changes; a run with nothing to do takes ~0.1 s.
#   Files whose prompt is gone are removed.
# - Fast: starting a process is the slow part, so each language's texts are spoken by one
#   espeak-ng run (with long breaks between them) and cut apart by one sox run.
# - Installs espeak-ng and sox with apt-get, only when there is work and they are missing.
set -euo pipefail
shopt -s nullglob

root=$(cd -- "$(dirname -- "${BASH_SOURCE[0]}")/.." && pwd)
out=${1:-$root/prompts/build}
src=$root/prompts/src
custom_dirs=("$root/prompts/custom")
[[ -n ${NEVERMISS_PROMPTS_CUSTOM:-} ]] && custom_dirs+=("$NEVERMISS_PROMPTS_CUSTOM")
max_number=120
# Bump when the sound settings below change, so that every file is remade.
recipe=r1
pcm=(-r 8000 -c 1 -b 16 -e signed-integer)
# espeak-ng at 155 words/min (default 175) reads better on a phone line. sox then trims
# espeak's silence, levels to -3 dBFS and pads 0.2 s before and 0.05 s after, so that
# "within | 15 | minutes" join with natural pauses.
speed=155
shape=(rate 8000 norm -3 pad 0.2 0.05)

die() { echo "make-prompts: $*" >&2; exit 1; }

[[ -d $src ]] || die "no prompt texts in $src"
langs=()
for f in "$src"/*.txt; do n=${f##*/}; langs+=("${n%.txt}"); done
((${#langs[@]})) || die "no <lang>.txt in $src"
if [[ -n ${NEVERMISS_PROMPTS_LANGS:-} ]]; then
  chosen=()
  for lang in $NEVERMISS_PROMPTS_LANGS; do
    [[ -f $src/$lang.txt ]] || die "no prompt texts for '$lang' in $src (there are: ${langs[*]})"
    chosen+=("$lang")
  done
  langs=("${chosen[@]}")
fi

declare -A wanted=() voice_of=()
single=()           # files made one by one: "kind<US>lang<US>name<US>arg<US>spec"
declare -A batch=() # per language, the texts to speak: "name<US>text<US>spec<RS>…"
US=$'\x1f' RS=$'\x1e'
todo=0

plan_lang() {
  local lang=$1 voice=$1 line name text n f dir size_mtime
  local -A texts=() custom=()
  local -a order=()

  while IFS= read -r line || [[ -n $line ]]; do
    line=${line%$'\r'}
    if [[ $line =~ ^#[[:space:]]*voice:[[:space:]]*([^[:space:]]+) ]]; then voice=${BASH_REMATCH[1]}; continue; fi
    [[ -z ${line//[[:space:]]/} || $line == \#* ]] && continue
    [[ $line == *'|'* ]] || die "$lang.txt: expected name|text, got: $line"
    name=${line%%|*} text=${line#*|}
    [[ $name =~ ^[a-z0-9][a-z0-9_-]*$ ]] || die "$lang.txt: bad prompt name '$name' (use a-z, 0-9, - and _)"
    [[ -n ${text//[[:space:]]/} ]] || die "$lang.txt: $name has no text"
    [[ -n ${texts[$name]+x} ]] || order+=("$name")
    texts[$name]=$text
  done < "$src/$lang.txt"
  for ((n = 1; n <= max_number; n++)); do
    [[ -n ${texts[num-$n]+x} ]] || { texts[num-$n]=$n; order+=("num-$n"); }
  done
  voice_of[$lang]=$voice

  # Recordings: one find per folder gives name, size and mtime without a process per file.
  for dir in "${custom_dirs[@]}"; do
    [[ -d $dir/$lang ]] || continue
    while IFS=$'\t' read -r f size_mtime; do
      name=${f%.*}
      [[ $name =~ ^[a-z0-9][a-z0-9_-]*$ ]] || { echo "make-prompts: ignoring $dir/$lang/$f (name)" >&2; continue; }
      custom[$name]="$dir/$lang/$f"$'\t'"$size_mtime"
    done < <(find "$dir/$lang" -maxdepth 1 -type f ! -name '.*' -printf '%f\t%s.%T@\n')
  done

  local -a names=("${order[@]}" beep)
  for name in "${!custom[@]}"; do [[ -n ${texts[$name]+x} || $name == beep ]] || names+=("$name"); done

  local kind spec old stamp
  mkdir -p "$out/$lang/nevermiss" "$out/.stamps/$lang"
  for name in "${names[@]}"; do
    if [[ -n ${custom[$name]+x} ]]; then
      kind=custom spec="custom $recipe ${custom[$name]/$'\t'/ }"
    elif [[ $name == beep ]]; then
      kind=tone spec="tone $recipe"
    else
      kind=tts spec="tts $recipe $voice $speed ${texts[$name]}"
    fi
    wanted[$lang/$name]=1
    stamp=$out/.stamps/$lang/$name.spec old=
    [[ -f $stamp ]] && IFS= read -r old < "$stamp"
    [[ $old == "$spec" && -f $out/$lang/nevermiss/$name.wav ]] && continue
    todo=$((todo + 1))
    case $kind in
      tts) batch[$lang]+="$name$US${texts[$name]}$US$spec$RS" ;;
      tone) single+=("tone$US$lang$US$name$US$US$spec") ;;
      custom) single+=("custom$US$lang$US$name$US${custom[$name]%%$'\t'*}$US$spec") ;;
    esac
  done
}

# Makes one file. The stamp is emptied first, so a file left half-made is remade next run.
make_one() {
  local kind lang name arg spec
  IFS=$US read -r kind lang name arg spec <<< "$1"
  local wav=$out/$lang/nevermiss/$name.wav stamp=$out/.stamps/$lang/$name.spec
  : > "$stamp"
  case $kind in
    tts) # arg is the text; a leading space keeps a text like "-5" from reading as an option
      espeak-ng -v "${voice_of[$lang]}" -s "$speed" --stdout " $arg" |
        sox -t wav - "${pcm[@]}" "$wav" silence 1 0.01 0.1% reverse silence 1 0.01 0.1% reverse "${shape[@]}" ;;
    tone) # the "beep" before a message: 1 kHz for a quarter second, well below full scale
      sox -n "${pcm[@]}" "$wav" synth 0.25 sine 1000 gain -9 pad 0.1 0.1 ;;
    custom) # a real recording: only converted; its level is the recorder's choice
      sox "$arg" "${pcm[@]}" "$wav" ;;
  esac
  printf '%s\n' "$spec" > "$stamp"
}

# Speaks all of a language's texts in one espeak-ng run, each followed by 1.5 s of
# silence, and lets sox cut at every silence of 0.9 s or more (speech pauses are far shorter). If the pieces don't
# come out one per text, it makes the files one by one instead.
make_batch() {
  local lang=$1 item name text spec ssml='<speak>'
  local segs=$out/.stamps/$lang/.segments
  local -a items targets=()
  IFS=$RS read -r -d '' -a items <<< "${batch[$lang]}" || true
  for item in "${items[@]}"; do
    [[ $item == *"$US"* ]] || continue
    IFS=$US read -r name text spec <<< "$item"
    text=${text//&/&amp;} text=${text//</&lt;} text=${text//>/&gt;}
    ssml+="$text<break time=\"1500ms\"/>"
    targets+=("$out/$lang/nevermiss/$name.wav")
    : > "$out/.stamps/$lang/$name.spec"
  done
  ssml+='</speak>'
  rm -rf "$segs" && mkdir -p "$segs"
  printf '%s' "$ssml" | espeak-ng -m -v "${voice_of[$lang]}" -s "$speed" --stdin --stdout |
    sox -t wav - "${pcm[@]}" "$segs/seg.wav" silence 1 0.01 0.1% 1 0.9 0.1% "${shape[@]}" : newfile : restart
  # One perl process checks and renames them all (perl-base is in every Debian). A piece
  # that is only the 0.25 s of padding (4,044 bytes) holds no speech: at the end it is
  # dropped, anywhere else a text made no sound and the count can't be trusted.
  if perl -e '
      my ($dir, @to) = @ARGV;
      opendir(my $d, $dir) or die "$dir: $!";
      my @s = sort { ($a =~ /(\d+)/)[0] <=> ($b =~ /(\d+)/)[0] } grep { /^seg\d+\.wav$/ } readdir $d;
      pop @s while @s > @to && -s "$dir/$s[-1]" <= 4100;
      exit 3 if @s != @to || grep { -s "$dir/$_" <= 4100 } @s;
      for my $i (0 .. $#to) { rename("$dir/$s[$i]", $to[$i]) or die "$to[$i]: $!" }
    ' "$segs" "${targets[@]}"; then
    for item in "${items[@]}"; do
      [[ $item == *"$US"* ]] || continue
      IFS=$US read -r name text spec <<< "$item"
      printf '%s\n' "$spec" > "$out/.stamps/$lang/$name.spec"
    done
  else
    echo "make-prompts: $lang: the spoken texts did not cut apart cleanly; making them one by one" >&2
    for item in "${items[@]}"; do
      [[ $item == *"$US"* ]] || continue
      IFS=$US read -r name text spec <<< "$item"
      make_one "tts$US$lang$US$name$US$text$US$spec"
    done
  fi
  rm -rf "$segs"
}

for lang in "${langs[@]}"; do plan_lang "$lang"; done

# Remove what no prompt makes any more (only files we made, those with a stamp).
for dir in "$out/.stamps"/*/; do
  lang=${dir%/} lang=${lang##*/}
  [[ -n ${NEVERMISS_PROMPTS_LANGS:-} && " ${langs[*]} " != *" $lang "* ]] && continue
  for stamp in "$dir"*.spec; do
    name=${stamp##*/} name=${name%.spec}
    [[ -n ${wanted[$lang/$name]+x} ]] || rm -f "$stamp" "$out/$lang/nevermiss/$name.wav"
  done
done

if ((todo == 0)); then
  echo "make-prompts: ${#wanted[@]} prompts in $out are up to date"
  exit 0
fi

missing=()
((${#batch[@]})) && ! command -v espeak-ng > /dev/null && missing+=(espeak-ng)
command -v sox > /dev/null || missing+=(sox)
if ((${#missing[@]})); then
  command -v apt-get > /dev/null || die "needs ${missing[*]}: install them with your package manager"
  sudo=()
  ((EUID == 0)) || sudo=(sudo)
  echo "make-prompts: installing ${missing[*]} with apt-get" >&2
  "${sudo[@]}" apt-get update -qq
  "${sudo[@]}" env DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends "${missing[@]}" > /dev/null
  for t in "${missing[@]}"; do command -v "$t" > /dev/null || die "$t is still missing after apt-get install"; done
fi

# Every language's batch and every single file is a job; a few run at once.
jobs_max=$(($(nproc) * 2)) running=0 failed=0
start() {
  "$@" &
  if ((++running >= jobs_max)); then wait -n || failed=1; running=$((running - 1)); fi
}
for lang in "${!batch[@]}"; do start make_batch "$lang"; done
for item in "${single[@]}"; do start make_one "$item"; done
while ((running > 0)); do wait -n || failed=1; running=$((running - 1)); done
((failed == 0)) || die "some prompts failed (see above); run again to retry them"
echo "make-prompts: made $todo of ${#wanted[@]} prompts in $out"
