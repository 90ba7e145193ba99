#!/usr/bin/env python3
"""Writes the malformed-input corpus under tests/malformed/ (presets, scripts, audio, models,
midi), deterministically (fixed seed), from the shipped files and hand-made headers.

    python3 scripts/make-malformed-corpus.py        # from the repository root

Every file is an input the real entry point must refuse with an error that names the problem.
expected.tsv lists, for each file, a fragment that error must contain (case-insensitive).
Files under */fuzz-found/ are crashing inputs the fuzzers found (kept, never regenerated).
"""

import os
import random
import shutil
import struct

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
OUT = os.path.join(ROOT, "tests", "malformed")
rng = random.Random(15)
expected = []


def put(category, name, data, fragment):
    """Writes one case; `fragment` must appear in its error message."""
    path = os.path.join(OUT, category, name)
    os.makedirs(os.path.dirname(path), exist_ok=True)
    if isinstance(data, str):
        data = data.encode("utf-8")
    with open(path, "wb") as f:
        f.write(data)
    assert "\t" not in fragment
    expected.append(f"{category}/{name}\t{fragment}")


def read(rel):
    with open(os.path.join(ROOT, rel), "rb") as f:
        return f.read()


def flip_bits(data, count, positions):
    b = bytearray(data)
    for _ in range(count):
        i = rng.choice(positions)
        b[i] ^= 1 << rng.randrange(8)
    return bytes(b)


# ---------------------------------------------------------------- presets
def presets():
    base = read("graphs/sine-chord.ron").decode()
    player = read("graphs/file-player.ron").decode()
    P = lambda name, text, frag: put("presets", name + ".ron", text, frag)

    # Truncations: the preset ends early.
    n = len(base)
    for k, cut in enumerate([1, 40, n // 8, n // 4, n // 3, n // 2, 2 * n // 3, n - 40, n - 3]):
        P(f"truncated-{k}", base[:cut], "line")
    # Bit flips on structural characters (brackets, commas, colons, quotes).
    structural = [i for i, c in enumerate(base.encode()) if chr(c) in "()[]{},:\""]
    for k in range(12):
        P(f"bitflip-{k}", flip_bits(base.encode(), 1 + k % 3, structural), "line")
    P("not-utf8", base.encode()[:200] + b"\xff\xfe\xc0\x80" + base.encode()[200:], "utf-8")
    P("zero-length", "", "line")
    P("whitespace-only", "   \n\t\n", "line")
    P("comment-only", "// just a comment\n", "line")
    P("bom", "\ufeff" + base, "line")
    P("binary-garbage", bytes(rng.randrange(256) for _ in range(512)), "utf-8")
    P("json-not-ron", '{"version": 1, "transport": {"bpm": 113}}', "line")

    def swap(old, new):
        assert old in base, old
        return base.replace(old, new, 1)

    tr = "transport: (bpm: 113.0, sample_rate: 48000, swing: 0.5)"
    # Wrong types.
    P("bpm-string", swap("bpm: 113.0", 'bpm: "fast"'), "line")
    P("sample-rate-negative", swap("sample_rate: 48000", "sample_rate: -48000"), "line")
    P("sample-rate-fraction", swap("sample_rate: 48000", "sample_rate: 48000.5"), "line")
    P("version-string", swap("version: 1", 'version: "1"'), "line")
    P("nodes-number", base[: base.index("nodes: [")] + "nodes: 5,\n)", "line")
    P("nodes-of-numbers", base[: base.index("nodes: [")] + "nodes: [5, 6],\n)", "line")
    P("edge-one-end", swap('("root.out", "root_pan.in")', '("root.out")'), "line")
    P("edge-three-ends", swap('("root.out", "root_pan.in")', '("root.out", "root_pan.in", "x.in")'), "line")
    P("param-string-for-number", swap('"freq_hz": 220.0', '"freq_hz": "loud"'), "freq_hz")
    P("param-number-for-choice", swap('"wave": "sine"', '"wave": 3.0'), "wave")
    P("param-choice-unknown", swap('"wave": "sine"', '"wave": "theremin"'), "wave")
    P("param-list-for-number", swap('"pan": -0.5', '"pan": [1.0, 2.0]'), "pan")
    P("id-number", swap('id: "root"', "id: 7"), "line")
    P("ui-string", swap("ui: (x: 40.0, y: 40.0)", 'ui: (x: "left", y: 40.0)'), "line")
    P("transport-list", swap(tr, "transport: [113.0, 48000]"), "line")
    # Huge numbers, NaN and infinities.
    P("bpm-huge", swap("bpm: 113.0", "bpm: 1e308"), "bpm")
    P("bpm-overflow", swap("bpm: 113.0", "bpm: 1e999"), "bpm")
    P("bpm-nan", swap("bpm: 113.0", "bpm: NaN"), "bpm")
    P("bpm-inf", swap("bpm: 113.0", "bpm: inf"), "bpm")
    P("bpm-zero", swap("bpm: 113.0", "bpm: 0.0"), "bpm")
    P("bpm-negative", swap("bpm: 113.0", "bpm: -113.0"), "bpm")
    P("swing-nan", swap("swing: 0.5", "swing: NaN"), "swing")
    P("swing-two", swap("swing: 0.5", "swing: 2.0"), "swing")
    P("sample-rate-zero", swap("sample_rate: 48000", "sample_rate: 0"), "sample_rate")
    P("sample-rate-one", swap("sample_rate: 48000", "sample_rate: 1"), "sample_rate")
    P("sample-rate-u32-max", swap("sample_rate: 48000", "sample_rate: 4294967295"), "sample_rate")
    P("sample-rate-overflow", swap("sample_rate: 48000", "sample_rate: 99999999999999999999"), "line")
    P("version-overflow", swap("version: 1", "version: 18446744073709551616"), "line")
    P("version-two", swap("version: 1", "version: 2"), "version 2")
    P("version-zero", swap("version: 1", "version: 0"), "version 0")
    P("freq-nan", swap('"freq_hz": 220.0', '"freq_hz": NaN'), "freq_hz")
    P("freq-inf", swap('"freq_hz": 220.0', '"freq_hz": inf'), "freq_hz")
    P("freq-huge", swap('"freq_hz": 220.0', '"freq_hz": 1e300'), "freq_hz")
    P("gain-neg-inf", swap('"gain_db": -1.0', '"gain_db": -inf'), "gain_db")
    P("pan-nan", swap('"pan": -0.5', '"pan": NaN'), "pan")
    P("mix-inputs-billion", swap('"inputs": 3.0', '"inputs": 1e9'), "inputs")
    P("mix-inputs-negative", swap('"inputs": 3.0', '"inputs": -1.0'), "inputs")
    P("mix-inputs-fraction", swap('"inputs": 3.0', '"inputs": 2.5'), "inputs")
    P("mix-inputs-nan", swap('"inputs": 3.0', '"inputs": NaN'), "inputs")
    # Deep nesting.
    P("nested-lists-deep", swap('"pan": -0.5', '"pan": ' + "[" * 5000 + "]" * 5000), "line")
    P("nested-tuples-deep", swap("ui: (x: 40.0, y: 40.0)", "ui: " + "(" * 20000 + ")" * 20000), "line")
    P("nested-maps-deep", swap('"pan": -0.5', '"pan": ' + '{"a": ' * 3000 + "1" + "}" * 3000), "line")
    # Unknown things, missing things.
    P("kind-unknown", swap('kind: "util.gain"', 'kind: "util.theremin"'), "util.theremin")
    P("kind-empty", swap('kind: "util.gain"', 'kind: ""'), "master")
    P("param-unknown", swap('"freq_hz": 220.0', '"freq_hzz": 220.0'), "freq_hzz")
    P("field-unknown", swap("version: 1,", "version: 1,\n    colour: \"red\","), "colour")
    P("transport-field-unknown", swap("swing: 0.5", "swing: 0.5, metre: 7"), "metre")
    P("missing-transport", swap(tr + ",", ""), "transport")
    P("missing-version", swap("version: 1,", ""), "version")
    P("missing-kind", swap('kind: "util.gain", ', ""), "kind")
    P("missing-nodes", base[: base.index("nodes: [")] + ")", "nodes")
    # Graph structure.
    P("duplicate-id", swap('id: "third"', 'id: "root"'), "root")
    P("edge-missing-node", swap('("root.out", "root_pan.in")', '("ghost.out", "root_pan.in")'), "ghost")
    P("edge-missing-port", swap('("root.out", "root_pan.in")', '("root.wobble", "root_pan.in")'), "wobble")
    P("edge-no-dot", swap('("root.out", "root_pan.in")', '("rootout", "root_pan.in")'), "rootout")
    P("edge-backwards", swap('("root.out", "root_pan.in")', '("root_pan.in", "root.out")'), "root")
    P("edge-empty", swap('("root.out", "root_pan.in")', '("", "")'), "line")
    P("edge-self-loop", swap('("master.out", "out.in")', '("master.out", "master.in")'), "master")
    P("cycle-without-delay", swap('("master.out", "out.in")', '("master.out", "out.in"),\n        ("master.out", "root_pan.in")'), "cycle")
    P("id-with-dot", swap('id: "root"', 'id: "ro.ot"'), "ro.ot")
    P("id-empty", swap('id: "root"', 'id: ""'), "line")
    P("id-huge", swap('id: "root"', 'id: "' + "r" * 20000 + '"'), "line")
    P("output-twice", swap('(id: "master"', '(id: "out2", kind: "io.output"),\n        (id: "master"'), "output")
    # Automation.
    A = lambda lanes: base.rstrip().rstrip(")") + "    automation: [" + lanes + "],\n)"
    P("automation-node-missing", A('(param: "ghost.gain_db", points: [(bar: 1.0, value: 0.0)])'), "ghost")
    P("automation-param-missing", A('(param: "master.wobble", points: [(bar: 1.0, value: 0.0)])'), "wobble")
    P("automation-curve-unknown", A('(param: "master.gain_db", points: [(bar: 1.0, value: 0.0, curve: "cubic")])'), "cubic")
    P("automation-bar-nan", A('(param: "master.gain_db", points: [(bar: NaN, value: 0.0)])'), "master")
    P("automation-bar-negative", A('(param: "master.gain_db", points: [(bar: -4.0, value: 0.0)])'), "master")
    P("automation-bar-inf", A('(param: "master.gain_db", points: [(bar: inf, value: 0.0)])'), "master")
    P("automation-value-nan", A('(param: "master.gain_db", points: [(bar: 1.0, value: NaN)])'), "master")
    P("automation-value-huge", A('(param: "master.gain_db", points: [(bar: 1.0, value: 1e300)])'), "master")
    P("automation-no-dot", A('(param: "gain_db", points: [(bar: 1.0, value: 0.0)])'), "gain_db")
    P("automation-choice-param", A('(param: "root.wave", points: [(bar: 1.0, value: 0.0)])'), "wave")
    # Files a preset points to.
    def file(v):
        return player.replace('"file": "audio/kalimba-loop.wav"', '"file": ' + v, 1)
    P("file-missing", file('"no-such-file.wav"'), "no-such-file.wav")
    P("file-dev-zero", file('"/dev/zero"'), "/dev/zero")
    P("file-directory", file('"."'), "loop")
    P("file-empty-name", file('""'), "loop")
    P("file-not-audio", file('"../presets/bpm-nan.ron"'), "bpm-nan.ron")
    P("file-zero-length-wav", file('"../audio/wav-zero-length.wav"'), "wav-zero-length.wav")
    P("file-number", file("5.0"), "file")


# ---------------------------------------------------------------- scripts
def scripts():
    S = lambda name, text, frag: put("scripts", name + ".rhai", text, frag)
    g = 'let g = graph(#{ bpm: 113.0 });\n'
    S("syntax-let-nothing", "let x = ;\n", "x")
    S("syntax-unclosed-string", 'let s = "never closed;\n', "string")
    S("syntax-unclosed-block", "if true {\n  let x = 1;\n", "")
    S("syntax-stray-brace", "}\n", "")
    S("syntax-fn-no-name", "fn (x) { x }\n", "")
    S("syntax-garbage", bytes(rng.randrange(32, 127) for _ in range(400)), "")
    S("not-utf8", b"let x = 1;\n\xff\xfe\xc0\x80\n", "utf-8")
    S("truncated-workflow", read("scripting/workflows/variations.rhai")[:700], "")
    # Runaway work: every limit of the sandbox.
    S("loop-forever", "loop { }\n", "operations")
    S("while-true", "let x = 0;\nwhile true { x += 1; }\n", "operations")
    S("for-billion", "let s = 0;\nfor i in 0..1000000000 { s += i; }\n", "operations")
    S("recursion", "fn down(x) { down(x + 1) }\ndown(0);\n", "deep")
    S("mutual-recursion", "fn a(x) { b(x) }\nfn b(x) { a(x) }\na(1);\n", "deep")
    S("string-doubling", 'let s = "x";\nloop { s += s; }\n', "limit")
    S("array-growth", "let a = [];\nloop { a.push(1); }\n", "limit")
    S("map-growth", 'let m = #{};\nlet i = 0;\nloop { m["k" + i] = i; i += 1; }\n', "limit")
    S("string-repeat", 'let s = "ab";\nfor i in 0..40 { s = s + s; }\n', "limit")
    S("nested-parens", "let x = " + "(" * 20000 + "1" + ")" * 20000 + ";\n", "")
    S("nested-arrays", "let x = " + "[" * 20000 + "]" * 20000 + ";\n", "")
    S("nested-blocks", "{" * 20000 + "}" * 20000 + "\n", "")
    S("nested-ifs", "if true { " * 5000 + "1" + " }" * 5000 + "\n", "")
    S("nested-negation", "let x = " + "-" * 10000 + "1;\n", "")
    S("nested-not", "let x = " + "!" * 10000 + "true;\n", "")
    S("nested-closures", "let f = " + "|| " * 5000 + "1;\n", "")
    # What the sandbox forbids.
    S("eval", 'eval("1 + 1");\n', "eval")
    S("import", 'import "os" as os;\n', "os")
    S("load-absolute", 'let g = load("/etc/passwd");\n', "/etc/passwd")
    S("load-escape", 'let g = load("../../../../etc/passwd");\n', "..")
    S("load-missing", 'let g = load("no-such.ron");\n', "no-such.ron")
    S("load-malformed-preset", 'let g = load("../presets/bpm-nan.ron");\n', "..")
    S("analyze-absolute", 'analyze("/dev/zero");\n', "/dev/zero")
    S("transcribe-absolute", 'transcribe("/dev/zero");\n', "/dev/zero")
    S("presets-root", 'presets("/");\n', "/")
    S("render-absolute", g + 'g.render("/tmp/yano-malformed.wav");\n', "/tmp/yano-malformed.wav")
    S("render-escape", g + 'g.render("../../escape.wav");\n', "..")
    S("save-absolute", g + 'g.save("/tmp/yano-malformed.ron");\n', "/tmp/yano-malformed.ron")
    S("midi-absolute", g + 'g.export_midi("/tmp/yano-malformed.mid");\n', "/tmp/yano-malformed.mid")
    # The API given nonsense.
    S("graph-bpm-string", 'let g = graph(#{ bpm: "fast" });\n', "bpm")
    S("graph-bpm-huge", "let g = graph(#{ bpm: 1e308 });\n", "bpm")
    S("graph-bpm-nan", "let g = graph(#{ bpm: 0.0 / 0.0 });\n", "bpm")
    S("graph-sample-rate-negative", "let g = graph(#{ sample_rate: -1 });\n", "sample_rate")
    S("graph-unknown-setting", "let g = graph(#{ tempo: 113.0 });\n", "tempo")
    S("graph-number", "let g = graph(5);\n", "graph")
    S("kind-unknown", g + 'g.add("source.theremin");\n', "source.theremin")
    S("param-unknown", g + 'g.add("util.gain", #{ loudness: 3.0 });\n', "loudness")
    S("param-nan", g + 'g.add("util.gain", #{ gain_db: 0.0 / 0.0 });\n', "gain_db")
    S("mix-inputs-billion", g + 'g.add("util.mix", #{ inputs: 1000000000.0 });\n', "inputs")
    S("connect-missing-port", g + 'let a = g.add("util.gain");\nlet b = g.add("util.gain");\ng.connect(a, "wobble", b, "in");\n', "wobble")
    S("connect-missing-node", g + 'let a = g.add("util.gain");\ng.connect(a, "out", "ghost", "in");\n', "ghost")
    S("cycle-render", g + 'let a = g.add("util.gain");\nlet b = g.add("util.gain");\ng.connect(a, "out", b, "in");\ng.connect(b, "out", a, "in");\ng.render("cycle.wav");\n', "cycle")
    S("bpm-setter-huge", g + "g.bpm = 1e300;\n", "bpm")
    S("swing-setter-nan", g + "g.swing = 0.0 / 0.0;\n", "swing")
    S("note-unknown", 'let n = note("H9");\n', "H9")
    S("note-name-huge", "let n = note_name(9223372036854775807);\n", "9223372036854775807")
    S("chord-unknown", 'let c = chord("X#m99");\n', "X#m99")
    S("automate-nonsense", g + 'let a = g.add("util.gain");\ng.automate(a + ".gain_db", [1, 2, 3]);\n', "")
    S("unknown-function", "frobnicate(1, 2);\n", "frobnicate")
    S("throw", 'throw "the script gave up";\n', "the script gave up")
    S("divide-by-zero", "let x = 1 / 0;\n", "zero")
    S("integer-overflow", "let x = 9223372036854775807 + 1;\n", "overflow")
    S("index-out-of-range", "let a = [1];\nlet x = a[5];\n", "5")
    S("property-of-number", "let x = 1;\nlet y = x.wobble;\n", "wobble")
    S("render-many-bars", g + 'let o = g.add("io.output");\ng.render("long.wav", #{ bars: 100000000 });\n', "bars")
    S("render-bars-negative", g + 'let o = g.add("io.output");\ng.render("neg.wav", #{ bars: -4 });\n', "bars")


# ---------------------------------------------------------------- audio
def wav(fmt_tag=1, channels=2, rate=44100, bits=16, data=b"\x00" * 64, riff_size=None,
        fmt_size=16, data_size=None, block_align=None, byte_rate=None, extra=b"", fmt_extra=b""):
    block_align = channels * bits // 8 if block_align is None else block_align
    byte_rate = rate * block_align if byte_rate is None else byte_rate
    fmt = struct.pack("<HHIIHH", fmt_tag, channels & 0xFFFF, rate & 0xFFFFFFFF,
                      byte_rate & 0xFFFFFFFF, block_align & 0xFFFF, bits) + fmt_extra
    body = b"WAVE" + b"fmt " + struct.pack("<I", fmt_size) + fmt + extra
    body += b"data" + struct.pack("<I", len(data) if data_size is None else data_size) + data
    size = len(body) if riff_size is None else riff_size
    return b"RIFF" + struct.pack("<I", size) + body


def audio():
    W = lambda name, data, frag: put("audio", name, data, frag)
    kalimba = read("graphs/audio/kalimba-loop.wav")
    flac = read("graphs/audio/bassline-fm-113.flac")
    mp3 = read("graphs/audio/groove-fm-113.mp3")
    for ext in ["wav", "flac", "mp3", "ogg"]:
        W(f"{ext}-zero-length.{ext}", b"", f"zero-length.{ext}")
    for k, cut in enumerate([4, 12, 20, 36, 40]):
        W(f"wav-truncated-header-{k}.wav", kalimba[:cut], f"truncated-header-{k}.wav")
    W("wav-wrong-magic-rifx.wav", b"RIFX" + kalimba[4:2000], "rifx.wav")
    W("wav-wrong-form.wav", kalimba[:8] + b"WAVX" + kalimba[12:2000], "form.wav")
    W("wav-text.wav", "this is not audio, just words\n" * 20, "text.wav")
    W("wav-png.wav", b"\x89PNG\r\n\x1a\n" + bytes(200), "png.wav")
    W("wav-rate-zero.wav", wav(rate=0), "rate-zero.wav")
    W("wav-rate-max.wav", wav(rate=0xFFFFFFFF), "rate-max.wav")
    W("wav-rate-one.wav", wav(rate=1, data=b"\x00" * 8), "rate-one.wav")
    W("wav-channels-zero.wav", wav(channels=0, block_align=4), "channels-zero.wav")
    W("wav-channels-65535.wav", wav(channels=65535, data=b"\x00" * 64), "channels-65535.wav")
    W("wav-channels-65535-huge-data.wav", wav(channels=65535, rate=384000, data=b"\x00" * 64, data_size=0xFFFFFFF0), "huge-data.wav")
    W("wav-bits-zero.wav", wav(bits=0, block_align=4), "bits-zero.wav")
    W("wav-bits-7.wav", wav(bits=7, block_align=2), "bits-7.wav")
    W("wav-bits-64-int.wav", wav(bits=64), "bits-64-int.wav")
    W("wav-bits-33.wav", wav(bits=33, block_align=10), "bits-33.wav")
    W("wav-float-16.wav", wav(fmt_tag=3, bits=16), "float-16.wav")
    W("wav-format-mp3-garbage.wav", wav(fmt_tag=0x55, data=bytes(rng.randrange(256) for _ in range(64))), "format-mp3-garbage.wav")
    W("wav-format-unknown.wav", wav(fmt_tag=0x1234), "format-unknown.wav")
    W("wav-extensible-short.wav", wav(fmt_tag=0xFFFE, fmt_size=18, fmt_extra=b"\x00\x00"), "extensible-short.wav")
    W("wav-block-align-zero.wav", wav(block_align=0), "block-align-zero.wav")
    W("wav-fmt-size-zero.wav", wav(fmt_size=0), "fmt-size-zero.wav")
    W("wav-fmt-size-huge.wav", wav(fmt_size=0xFFFFFFF0), "fmt-size-huge.wav")
    W("wav-data-size-zero.wav", wav(data=b"", data_size=0), "data-size-zero.wav")
    W("wav-no-data-chunk.wav", wav()[: 12 + 8 + 16], "no-data-chunk.wav")
    W("wav-no-fmt-chunk.wav", b"RIFF" + struct.pack("<I", 76) + b"WAVE" + b"data" + struct.pack("<I", 64) + bytes(64), "no-fmt-chunk.wav")
    W("wav-list-chunk-huge.wav", wav(extra=b"LIST" + struct.pack("<I", 0xFFFFFFF0) + b"INFO"), "list-chunk-huge.wav")
    W("wav-three-hours-claimed.wav", wav(channels=2, rate=48000, data=b"\x00" * 64, data_size=3 * 3600 * 48000 * 4 - 8), "three-hours-claimed.wav")
    W("wav-header-bitflips.wav", flip_bits(kalimba[:44], 6, list(range(20, 36))) + bytes(64), "header-bitflips.wav")
    W("flac-magic-only.flac", b"fLaC", "magic-only.flac")
    W("flac-wrong-magic.flac", b"fLaX" + flac[4:3000], "wrong-magic.flac")
    W("flac-streaminfo-truncated.flac", flac[:20], "streaminfo-truncated.flac")
    W("flac-streaminfo-only.flac", flac[:42], "streaminfo-only.flac")
    si = bytearray(flac[:42])
    si[18:21] = b"\x00\x00\x02"  # sample rate 0 (20 bits), channels/bits in the low nibble
    W("flac-rate-zero.flac", bytes(si) + flac[42:3000], "rate-zero.flac")
    si = bytearray(flac[:42])
    si[8:10] = b"\x00\x00"  # minimum block size 0
    si[10:12] = b"\x00\x00"  # maximum block size 0
    W("flac-block-size-zero.flac", bytes(si), "block-size-zero.flac")
    W("flac-metadata-length-huge.flac", b"fLaC" + b"\x00\xff\xff\xff" + flac[8:60], "metadata-length-huge.flac")
    W("mp3-id3-huge.mp3", b"ID3\x04\x00\x00\x7f\x7f\x7f\x7f" + bytes(32), "id3-huge.mp3")
    W("mp3-one-header.mp3", b"\xff\xfb\x90\x00", "one-header.mp3")
    W("mp3-bad-headers.mp3", (b"\xff\xfb\xff\xff" + bytes(60)) * 8, "bad-headers.mp3")
    W("mp3-truncated-start.mp3", mp3[:64], "truncated-start.mp3")
    W("ogg-garbage.ogg", b"OggS" + bytes(rng.randrange(256) for _ in range(300)), "ogg-garbage.ogg")
    W("garbage.wav", bytes(rng.randrange(256) for _ in range(1024)), "garbage.wav")
    W("zeros.mp3", bytes(16384), "zeros.mp3")
    W("ones.flac", b"\xff" * 4096, "ones.flac")
    W("no-extension", bytes(rng.randrange(256) for _ in range(256)), "no-extension")


# ---------------------------------------------------------------- midi (handed where audio goes)
def midi():
    def chunk(tag, body, length=None):
        return tag + struct.pack(">I", len(body) if length is None else length) + body
    track = b"\x00\x90\x3c\x64\x60\x80\x3c\x00\x00\xff\x2f\x00"
    good_head = chunk(b"MThd", struct.pack(">HHH", 0, 1, 96))
    M = lambda name, data: put("midi", name + ".mid", data, name + ".mid")
    M("zero-length", b"")
    M("header-only-magic", b"MThd")
    M("header-length-zero", chunk(b"MThd", b"", 0) + chunk(b"MTrk", track))
    M("header-length-huge", chunk(b"MThd", struct.pack(">HHH", 0, 1, 96), 0xFFFFFFFF) + chunk(b"MTrk", track))
    M("header-truncated", good_head[:10])
    M("track-length-huge", good_head + chunk(b"MTrk", track, 0xFFFFFFF0))
    M("track-length-short", good_head + chunk(b"MTrk", track, 3))
    M("format-three", chunk(b"MThd", struct.pack(">HHH", 3, 1, 96)) + chunk(b"MTrk", track))
    M("tracks-zero", chunk(b"MThd", struct.pack(">HHH", 1, 0, 96)))
    M("tracks-65535", chunk(b"MThd", struct.pack(">HHH", 1, 65535, 96)) + chunk(b"MTrk", track))
    M("division-zero", chunk(b"MThd", struct.pack(">HHH", 0, 1, 0)) + chunk(b"MTrk", track))
    M("running-status-first", good_head + chunk(b"MTrk", b"\x00\x3c\x64\x00\xff\x2f\x00"))
    M("varint-too-long", good_head + chunk(b"MTrk", b"\xff\xff\xff\xff\xff\x90\x3c\x64"))
    M("sysex-length-huge", good_head + chunk(b"MTrk", b"\x00\xf0\xff\xff\xff\x7f\x00"))
    M("meta-length-huge", good_head + chunk(b"MTrk", b"\x00\xff\x51\xff\xff\xff\x7f"))
    M("no-end-of-track", good_head + chunk(b"MTrk", track[:-4]))
    M("wrong-magic", b"MThx" + good_head[4:] + chunk(b"MTrk", track))
    M("rmid-wrapped", b"RIFF" + struct.pack("<I", 4 + 8 + len(good_head) + 20) + b"RMID" + b"data" + struct.pack("<I", len(good_head) + 20) + good_head + chunk(b"MTrk", track))
    M("garbage", bytes(rng.randrange(256) for _ in range(500)))
    for k in range(6):
        whole = good_head + chunk(b"MTrk", track)
        M(f"bitflip-{k}", flip_bits(whole, 2 + k, list(range(len(whole)))))


# ---------------------------------------------------------------- models
def models():
    tiny = read("models/tests/models/tiny-frames.onnx")
    manifest = read("models/tests/models/tiny.ron").decode()
    O = lambda name, data, frag: put("models", name + ".onnx", data, frag)
    O("zero-length", b"", "zero-length.onnx")
    O("garbage", bytes(rng.randrange(256) for _ in range(700)), "garbage.onnx")
    O("json", '{"graph": {"node": []}}', "json.onnx")
    O("text", "this is not a model\n" * 10, "text.onnx")
    for k, cut in enumerate([1, 8, 32, len(tiny) // 4, len(tiny) // 2, 3 * len(tiny) // 4, len(tiny) - 10, len(tiny) - 1]):
        O(f"truncated-{k}", tiny[:cut], f"truncated-{k}.onnx")
    O("input-renamed", tiny.replace(b"audio", b"audix"), "audio")
    O("output-renamed", tiny.replace(b"frames", b"framez"), "frames")
    O("outputs-renamed", tiny.replace(b"frames", b"framez").replace(b"energy", b"energx"), "frames")
    shutil.copyfile(os.path.join(ROOT, "models/tests/models/tiny-frames-wrong.onnx"), os.path.join(OUT, "models", "wrong-shapes.onnx"))
    expected.append("models/wrong-shapes.onnx\ttiny-frames")
    shutil.copyfile(os.path.join(ROOT, "models/tests/models/tiny-frames-corrupt.onnx"), os.path.join(OUT, "models", "corrupt.onnx"))
    expected.append("models/corrupt.onnx\tcorrupt.onnx")
    O("length-varint-huge", b"\x3a\xff\xff\xff\xff\x0f" + bytes(20), "length-varint-huge.onnx")
    O("nested-deep", b"\x3a\x7f" * 3000, "nested-deep.onnx")
    O("wire-type-bad", b"\x0f\x01\x02\x03" * 40, "wire-type-bad.onnx")
    O("header-bitflips", flip_bits(tiny, 4, list(range(0, 24))), "header-bitflips.onnx")
    # Manifests (models/models.ron's format).
    R = lambda name, text, frag: put("models", name + ".manifest.ron", text, frag)
    n = len(manifest)
    for k, cut in enumerate([0, n // 3, n // 2, n - 5]):
        R(f"truncated-{k}", manifest[:cut], f"truncated-{k}.manifest.ron")
    def mswap(old, new):
        assert old in manifest, old
        return manifest.replace(old, new, 1)
    R("shape-negative", mswap("shape: [1, 64, 1]", "shape: [1, -64, 1]"), "shape-negative")
    R("shape-huge", mswap("shape: [1, 64, 1]", "shape: [1, 99999999999999999999, 1]"), "shape-huge")
    R("shape-string", mswap("shape: [1, 64, 1]", 'shape: "wide"'), "shape-string")
    R("field-unknown", mswap('task: "test",', 'task: "test", colour: "red",'), "colour")
    R("field-missing", mswap('task: "test",', ""), "task")
    R("source-unknown", mswap("source: Local", "source: Carrier(pigeon)"), "source-unknown")
    R("models-not-list", "(models: 5)", "models-not-list")
    R("nested-deep", "(models: " + "[" * 5000 + "]" * 5000 + ")", "nested-deep")


def controls():
    """Well-formed files the test must load (not listed in expected.tsv)."""
    os.makedirs(os.path.join(OUT, "controls"), exist_ok=True)
    with open(os.path.join(OUT, "controls", "empty.rhai"), "w") as f:
        f.write("")  # an empty script is a valid script that does nothing
    with open(os.path.join(OUT, "controls", "builds-a-graph.rhai"), "w") as f:
        f.write('let g = graph(#{ bpm: 113.0 });\n'
                'let osc = g.add("source.oscillator", #{ freq_hz: 220.0 });\n'
                'let out = g.add("io.output");\n'
                'g.connect(osc, "out", out, "in");\n'
                'g.bpm = 112.0;\n'
                'let n = note("C4");\n'
                'if n != 60 { throw "C4 is not 60"; }\n')


def main():
    if os.path.isdir(OUT):
        for entry in os.listdir(OUT):
            path = os.path.join(OUT, entry)
            if os.path.isdir(path):
                for sub in os.listdir(path):
                    if sub != "fuzz-found":
                        p = os.path.join(path, sub)
                        if os.path.isfile(p):
                            os.remove(p)
    presets()
    scripts()
    audio()
    midi()
    models()
    controls()
    with open(os.path.join(OUT, "expected.tsv"), "w") as f:
        f.write("# file\tfragment its error must contain (case-insensitive); made by "
                "scripts/make-malformed-corpus.py\n")
        f.write("\n".join(expected) + "\n")
    print(f"{len(expected)} malformed files under {os.path.relpath(OUT, ROOT)}")


if __name__ == "__main__":
    main()
