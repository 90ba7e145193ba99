#!/usr/bin/env python3
"""Compare librosa with `yano analyze` on the labelled groove set: tempo, beats, key and speed.

Usage (from the repository root, with librosa installed in a virtual environment):
    python3 -m venv /tmp/librosa-venv && /tmp/librosa-venv/bin/pip install librosa mir_eval
    /tmp/librosa-venv/bin/python scripts/librosa_compare.py [target/labelled-set] [target/release/yano]

See scripts/README-librosa.md for the results of the last run.
"""
import glob, hashlib, json, os, statistics, subprocess, sys, time

import numpy as np
import soundfile as sf
import librosa

try:  # mir_eval is the reference implementation; the fallback keeps the script usable without it
    import mir_eval
except ImportError:
    mir_eval = None

SR = 22050          # librosa's default rate; load() resamples the 48 kHz files to it
SKIP_S = 5.0        # beats before 5 s are ignored in both lists (trackers need time to lock on)
WINDOW_S = 0.070    # ±70 ms, the usual MIREX beat tolerance
THREE_MIN_WAV = "/tmp/three-minutes.wav"

NAMES = ["C", "C#", "D", "Eb", "E", "F", "F#", "G", "Ab", "A", "Bb", "B"]
PITCH = {"C": 0, "B#": 0, "C#": 1, "Db": 1, "D": 2, "D#": 3, "Eb": 3, "E": 4, "Fb": 4, "F": 5,
         "E#": 5, "F#": 6, "Gb": 6, "G": 7, "G#": 8, "Ab": 8, "A": 9, "A#": 10, "Bb": 10, "B": 11, "Cb": 11}

# Krumhansl–Kessler probe-tone profiles (C major / C minor); rotated to test all 24 keys.
KK_MAJOR = np.array([6.35, 2.23, 3.48, 2.33, 4.38, 4.09, 2.52, 5.19, 2.39, 3.66, 2.29, 2.88])
KK_MINOR = np.array([6.33, 2.68, 3.52, 5.38, 2.60, 3.53, 2.54, 4.75, 3.98, 2.69, 3.34, 3.17])


def parse_key(text):
    """'F minor' / 'Eb major' / 'C# minor' -> (tonic pitch class, is_minor); None if unreadable."""
    try:
        root, mode = text.split()
        return PITCH[root], mode.lower().startswith("min")
    except (AttributeError, KeyError, ValueError):
        return None


def key_name(key):
    return f"{NAMES[key[0]]} {'minor' if key[1] else 'major'}" if key else "?"


def mirex_key_score(est, ref):
    """MIREX weighting. Fifths count in both directions (mir_eval only credits the fifth above)."""
    if est is None:
        return 0.0
    (et, em), (rt, rm) = est, ref
    d = (et - rt) % 12
    if em == rm:
        return 1.0 if d == 0 else 0.5 if d in (5, 7) else 0.0
    if d == 0:
        return 0.2                                  # parallel
    if (not rm and em and d == 9) or (rm and not em and d == 3):
        return 0.3                                  # relative
    return 0.0


def beat_f_measure(ref, est):
    ref = np.sort(np.asarray(ref, float)); est = np.sort(np.asarray(est, float))
    ref, est = ref[ref >= SKIP_S], est[est >= SKIP_S]
    if mir_eval is not None:
        return float(mir_eval.beat.f_measure(ref, est, f_measure_threshold=WINDOW_S))
    if len(ref) == 0 or len(est) == 0:
        return 0.0
    # Greedy closest-pair one-to-one matching; for beat lists far sparser than the window this
    # equals the bipartite matching mir_eval computes.
    pairs = sorted((abs(r - e), i, j) for i, r in enumerate(ref) for j, e in enumerate(est)
                   if abs(r - e) <= WINDOW_S)
    used_r, used_e, hits = set(), set(), 0
    for _, i, j in pairs:
        if i not in used_r and j not in used_e:
            used_r.add(i); used_e.add(j); hits += 1
    p, r = hits / len(est), hits / len(ref)
    return 0.0 if hits == 0 else 2 * p * r / (p + r)


def librosa_analyse(y):
    """The work we time: beat tracking plus chroma plus a template key estimate."""
    tempo, beats = librosa.beat.beat_track(y=y, sr=SR, units="time")
    chroma = librosa.feature.chroma_stft(y=y, sr=SR)
    profile = chroma.mean(axis=1)
    scores = [(np.corrcoef(profile, np.roll(tpl, t))[0, 1], (t, minor))
              for minor, tpl in ((False, KK_MAJOR), (True, KK_MINOR)) for t in range(12)]
    key = max(scores)[1]
    return float(np.atleast_1d(tempo)[0]), beats, key


def run_librosa(path):
    t0 = time.perf_counter()
    y, _ = librosa.load(path, sr=SR, mono=True)
    t1 = time.perf_counter()
    bpm, beats, key = librosa_analyse(y)
    t2 = time.perf_counter()
    return dict(bpm=bpm, beats=list(beats), key=key, load_s=t1 - t0, ana_s=t2 - t1)


def run_yano(yano, path):
    t0 = time.perf_counter()
    # stderr is captured (and dropped) so any diagnostics the binary prints cannot skew timing output
    proc = subprocess.run([yano, "analyze", path, "--json"], capture_output=True, text=True, check=True)
    wall = time.perf_counter() - t0
    out = json.loads(proc.stdout)
    return dict(bpm=float(out["bpm"]), beats=out.get("beats", []), key=parse_key(out.get("key")),
                wall_s=wall, stderr=proc.stderr.strip())


def score(res, truth):
    true_bpm = truth["bpm"]
    err = abs(res["bpm"] - true_bpm)
    # Acc2 (octave-tolerant) is reported too, because tempo-doubling/halving is the classic failure.
    acc2 = any(abs(res["bpm"] * f - true_bpm) / true_bpm <= 0.04 for f in (1, 2, 0.5, 3, 1 / 3))
    # F against the off-beats ("and"s) tells a tracker that locked in anti-phase from one that is lost.
    half = 30.0 / true_bpm
    return dict(acc1=err / true_bpm <= 0.04, acc2=acc2, err=err,
                f=beat_f_measure(truth["beats"], res["beats"]),
                f_off=beat_f_measure([b + half for b in truth["beats"]], res["beats"]),
                mirex=mirex_key_score(res["key"], (truth["tonic"], truth["minor"])))


def summarise(name, scores, seconds):
    n = len(scores)
    print(f"  {name:<28} Acc1 {sum(s['acc1'] for s in scores) / n:6.1%}  "
          f"Acc2 {sum(s['acc2'] for s in scores) / n:6.1%}  "
          f"MAE {statistics.mean(s['err'] for s in scores):6.2f} BPM  "
          f"beat F {statistics.mean(s['f'] for s in scores):.3f} (off-beat F "
          f"{statistics.mean(s['f_off'] for s in scores):.3f})  "
          f"MIREX {statistics.mean(s['mirex'] for s in scores):.3f}  total {seconds:7.2f} s")


def make_three_minutes(wavs):
    """Concatenate whole grooves (stereo 48 kHz as rendered) until there are 180 s, then cut."""
    parts, total, rate = [], 0, None
    for w in wavs:
        data, rate = sf.read(w, always_2d=True)
        parts.append(data); total += len(data)
        if total >= 180 * rate:
            break
    audio = np.concatenate(parts)[: 180 * rate]
    sf.write(THREE_MIN_WAV, audio, rate, subtype="PCM_16")
    return len(audio) / rate


def fingerprint(path):
    """Short hash + mtime, so a report says which build was measured (and a rebuild mid-run shows)."""
    with open(path, "rb") as fh:
        digest = hashlib.sha256(fh.read()).hexdigest()[:12]
    return f"sha256 {digest}, built {time.strftime('%Y-%m-%d %H:%M:%S', time.localtime(os.path.getmtime(path)))}"


def main():
    folder = sys.argv[1] if len(sys.argv) > 1 else "target/labelled-set"
    yano = sys.argv[2] if len(sys.argv) > 2 else "target/release/yano"
    wavs = sorted(glob.glob(os.path.join(folder, "groove-*.wav")))
    if not wavs:
        sys.exit(f"no groove-*.wav in {folder}")
    print(f"librosa {librosa.__version__}, numpy {np.__version__}, "
          f"mir_eval {mir_eval.__version__ if mir_eval else 'absent (built-in F-measure)'}, "
          f"{os.cpu_count()} CPUs, {len(wavs)} grooves")
    build = fingerprint(yano)
    print(f"yano = {yano} ({build}); load average before start {os.getloadavg()[0]:.2f}"
          " (timings are only meaningful on an otherwise idle machine)")

    # librosa's numba kernels compile on first use (~25 s the very first time, then ~3 s per process
    # from numba's disk cache); keep that out of the per-file timings but report it, because a
    # one-shot command-line use of librosa pays it on every run, as yano's process timing would.
    t0 = time.perf_counter()
    run_librosa(wavs[0])
    print(f"librosa warm-up (first call, incl. numba JIT): {time.perf_counter() - t0:.2f} s")
    warm = run_yano(yano, wavs[0])  # fills the page cache for the binary
    if warm["stderr"]:
        print(f"note: yano writes to stderr, e.g. {warm['stderr'].splitlines()[0][:90]!r}")

    print(f"\n{'groove':<10}{'true':>7}{'lib':>8}{'yano':>8} {'F lib':>6}{'F yano':>7}  "
          f"{'true key':<10}{'lib key':<10}{'yano key':<10}{'Kl':>4}{'Ky':>4}"
          f"{'load':>7}{'ana':>7}{'yano s':>7}")
    lib_scores, yano_scores = [], []
    lib_load = lib_ana = yano_wall = 0.0
    for wav in wavs:
        with open(wav[:-4] + ".json") as fh:
            truth = json.load(fh)
        lr, yr = run_librosa(wav), run_yano(yano, wav)
        ls, ys = score(lr, truth), score(yr, truth)
        lib_scores.append(ls); yano_scores.append(ys)
        lib_load += lr["load_s"]; lib_ana += lr["ana_s"]; yano_wall += yr["wall_s"]
        print(f"{os.path.basename(wav)[:-4]:<10}{truth['bpm']:7.2f}{lr['bpm']:8.2f}{yr['bpm']:8.2f} "
              f"{ls['f']:6.3f}{ys['f']:7.3f}  {truth['key']:<10}{key_name(lr['key']):<10}"
              f"{key_name(yr['key']):<10}{ls['mirex']:4.1f}{ys['mirex']:4.1f}"
              f"{lr['load_s']:7.3f}{lr['ana_s']:7.3f}{yr['wall_s']:7.3f}")

    print(f"\nSummary over {len(wavs)} grooves (tempo Acc1 = within 4 %, Acc2 also allows x2 x1/2 x3 x1/3;"
          f" beat F at ±70 ms after {SKIP_S:.0f} s):")
    summarise("librosa (analysis only)", lib_scores, lib_ana)
    print(f"  {'librosa load (resample)':<28} {'':>113}total {lib_load:7.2f} s")
    summarise("yano (whole process)", yano_scores, yano_wall)
    print(f"  speed ratio librosa/yano: analysis only {lib_ana / yano_wall:.2f}x, "
          f"load + analysis {(lib_load + lib_ana) / yano_wall:.2f}x")

    seconds = make_three_minutes(wavs)
    lib_t, yano_t = [], []
    for _ in range(3):
        t0 = time.perf_counter()
        y, _ = librosa.load(THREE_MIN_WAV, sr=SR, mono=True)
        librosa.beat.beat_track(y=y, sr=SR, units="time")
        librosa.feature.chroma_stft(y=y, sr=SR)
        lib_t.append(time.perf_counter() - t0)
        yano_t.append(run_yano(yano, THREE_MIN_WAV)["wall_s"])
    lm, ym = statistics.median(lib_t), statistics.median(yano_t)
    print(f"\n3-minute track ({THREE_MIN_WAV}, {seconds:.0f} s stereo 48 kHz), median of 3:")
    print(f"  librosa load + beat_track + chroma_stft {lm:6.3f} s   (runs: {', '.join(f'{t:.3f}' for t in lib_t)})")
    print(f"  yano analyze --json (process)           {ym:6.3f} s   (runs: {', '.join(f'{t:.3f}' for t in yano_t)})")
    print(f"  speed ratio librosa/yano: {lm / ym:.2f}x")
    if fingerprint(yano) != build:
        print(f"WARNING: {yano} was rebuilt during the run; yano numbers mix two builds")


if __name__ == "__main__":
    main()
