#!/usr/bin/env bash
# Opens the editor on every shipped preset under Xvfb, as a person would see it, and takes a
# screenshot of each. Fails when a window does not open on its preset (the title names the file;
# a preset that did not load shows "untitled") or when a screenshot is nearly blank.
#
#   scripts/editor-screenshots.sh [yano binary built with --features editor] [output folder]
#
# Needs apt packages xvfb, xdotool and imagemagick.
set -euo pipefail
cd "$(dirname "$0")/.."
bin=${1:-target/debug/yano}
out=${2:-target/screenshots}
mkdir -p "$out"

display=":$((70 + RANDOM % 20))"
# -noreset: by default Xvfb resets when its last client leaves, and refuses the next editor
# that connects during the reset.
Xvfb "$display" -screen 0 1920x1080x24 -nolisten tcp -noreset >/dev/null 2>&1 &
xvfb=$!
trap 'kill $xvfb 2>/dev/null || true' EXIT
export DISPLAY=$display
sleep 1

# Running, and not a zombie waiting to be reaped.
alive() { [ -r "/proc/$1/status" ] && ! grep -q '^State:[[:space:]]*Z' "/proc/$1/status"; }

status=0
for preset in graphs/*.ron; do
    name=$(basename "$preset" .ron)
    window=""
    for attempt in 1 2 3; do
        "$bin" edit "$preset" --no-sound >"$out/$name.log" 2>&1 &
        app=$!
        for _ in $(seq 120); do
            window=$(xdotool search --name "yano$" 2>/dev/null | head -n1 || true)
            [ -n "$window" ] && break
            # An editor that could not reach the display has exited: start it again.
            alive "$app" || break
            sleep 0.5
        done
        [ -n "$window" ] && break
        echo "     $name: no window on attempt $attempt (log: $out/$name.log)"
        kill "$app" 2>/dev/null || true
        wait "$app" 2>/dev/null || true
    done
    if [ -z "$window" ]; then
        echo "FAIL $name: no editor window opened (log: $out/$name.log)"
        status=1
        continue
    fi
    title=$(xdotool getwindowname "$window" 2>/dev/null || echo "no window")
    # Let the first frames draw (a debug build draws slowly): shoot until the picture has
    # content, for up to a minute.
    colours=0
    for _ in $(seq 30); do
        sleep 2
        import -window "${window:-root}" "$out/$name.png"
        colours=$(convert "$out/$name.png" -format %k info:)
        [ "$colours" -ge 200 ] && break
    done
    kill "$app" 2>/dev/null || true
    wait "$app" 2>/dev/null || true
    if [[ "$title" != *"$name.ron"* ]]; then
        echo "FAIL $name: the window is \"$title\", not the preset (log: $out/$name.log)"
        status=1
    elif [ "$colours" -lt 200 ]; then
        echo "FAIL $name: the screenshot is nearly blank ($colours colours)"
        status=1
    else
        echo "ok   $name: \"$title\", $colours colours, $out/$name.png"
    fi
done
exit $status
