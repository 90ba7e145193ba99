#!/bin/sh
# Seeds each fuzzer's corpus (fuzz/corpus/<target>, ignored by git) from the shipped files and the
# malformed corpus. Run from the repository root: sh fuzz/seed.sh
set -e
mkdir -p fuzz/corpus/preset fuzz/corpus/script fuzz/corpus/decode
cp graphs/*.ron tests/malformed/presets/*.ron fuzz/corpus/preset/
cp scripting/workflows/*.rhai graphs/*.rhai tests/malformed/scripts/*.rhai tests/malformed/controls/*.rhai fuzz/corpus/script/
# Audio: the head of each shipped file (whole files make every run slow) and the malformed ones.
for f in graphs/audio/*.wav graphs/audio/*.flac graphs/audio/*.mp3; do
    head -c 6000 "$f" > "fuzz/corpus/decode/head-$(basename "$f")"
done
cp tests/malformed/audio/* tests/malformed/midi/* fuzz/corpus/decode/
