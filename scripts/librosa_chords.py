"""librosa's chord recognition beside yano's on the labelled sets: librosa's CQT chroma
(`chroma_cqt`), matched frame by frame to the same vocabulary yano reads (12 roots x maj, min, 7,
maj7, min7, and N), smoothed by librosa's own Viterbi (`librosa.sequence.viterbi_discriminative`
with a self-loop transition), as librosa's documentation builds a chord recogniser. Scores are
mir_eval's major/minor and sevenths weighted recall against the truth JSON beside each groove
(the same folding as analysis/src/eval.rs: min9 -> min7, 13 -> 7, sixths -> their triad).

    python scripts/librosa_chords.py [FOLDER=target/labelled-set] [N=40]

The General MIDI renders are FOLDER/gm/groove-NN.wav; their truth is FOLDER/groove-NN.json.
"""

import json
import os
import sys

import numpy as np
import librosa

SR = 22050
HOP = 2048
# Quality name (the truth JSON's, snake case) -> (triad, seventh class); None outside.
QUALITIES = {
    "major": ("maj", "maj"), "minor": ("min", "min"), "major6": ("maj", "maj"),
    "minor6": ("min", "min"), "dominant7": ("maj", "7"), "major7": ("maj", "maj7"),
    "minor7": ("min", "min7"), "minor_major7": ("min", None), "add_nine": ("maj", "maj"),
    "minor_add_nine": ("min", "min"), "dominant9": ("maj", "7"), "major9": ("maj", "maj7"),
    "minor9": ("min", "min7"), "dominant11": ("maj", "7"), "minor11": ("min", "min7"),
    "dominant13": ("maj", "7"), "major13": ("maj", "maj7"), "minor13": ("min", "min7"),
}
VOCAB = [("maj", [0, 4, 7]), ("min", [0, 3, 7]), ("7", [0, 4, 7, 10]), ("maj7", [0, 4, 7, 11]),
         ("min7", [0, 3, 7, 10])]
TRIAD = {"maj": "maj", "min": "min", "7": "maj", "maj7": "maj", "min7": "min"}


def templates():
    t = []
    for _, tones in VOCAB:
        for root in range(12):
            v = np.zeros(12)
            v[[(root + x) % 12 for x in tones]] = 1
            t.append(v / np.linalg.norm(v))
    return np.array(t)


def recognise(path):
    y, _ = librosa.load(path, sr=SR, mono=True)
    chroma = librosa.feature.chroma_cqt(y=y, sr=SR, hop_length=HOP)
    energy = librosa.feature.rms(y=y, hop_length=HOP)[0][: chroma.shape[1]]
    norm = chroma / np.maximum(np.linalg.norm(chroma, axis=0, keepdims=True), 1e-9)
    scores = templates() @ norm  # 60 x frames
    loud = energy / max(np.percentile(energy, 90), 1e-9)
    n_score = np.where(loud < 1e-3, 1.0, 0.35)[None, :]
    scores = np.vstack([scores, n_score])
    prob = np.exp(12 * scores)
    prob /= prob.sum(axis=0, keepdims=True)
    path_ = librosa.sequence.viterbi_discriminative(prob, librosa.sequence.transition_loop(61, 0.9))
    times = librosa.frames_to_time(np.arange(len(path_) + 1), sr=SR, hop_length=HOP)
    spans = []
    for i, s in enumerate(path_):
        chord = None if s == 60 else (s % 12, VOCAB[s // 12][0])
        if spans and spans[-1][2] == chord:
            spans[-1][1] = times[i + 1]
        else:
            spans.append([times[i], times[i + 1], chord])
    return spans


def truth_spans(json_path):
    t = json.load(open(json_path))
    out = []
    for c in t["chords"]:
        ch = c.get("chord")
        if ch is None:
            out.append((c["start"], c["end"], ("N",), ("N",)))
        else:
            q = QUALITIES.get(ch["quality"])
            if q is None:
                continue
            triad, seventh = q
            out.append((c["start"], c["end"], (ch["root"], triad),
                        (ch["root"], seventh) if seventh else None))
    return out


def recall(found, truth, which):
    right = total = 0.0
    for start, end, majmin, seventh in truth:
        cls = majmin if which == "majmin" else seventh
        if cls is None:
            continue
        total += end - start
        for fs, fe, chord in found:
            overlap = min(end, fe) - max(start, fs)
            if overlap <= 0:
                continue
            if chord is None:
                f = ("N",)
            elif which == "majmin":
                f = (chord[0], TRIAD[chord[1]])
            else:
                f = chord
            if f == cls:
                right += overlap
    return right / total if total else 1.0


def main():
    folder = sys.argv[1] if len(sys.argv) > 1 else "target/labelled-set"
    n = int(sys.argv[2]) if len(sys.argv) > 2 else 40
    for name, sub in [("yano's renders", ""), ("General MIDI renders", "gm")]:
        mm, sv = [], []
        for i in range(n):
            wav = os.path.join(folder, sub, f"groove-{i:02d}.wav")
            truth = truth_spans(os.path.join(folder, f"groove-{i:02d}.json"))
            found = recognise(wav)
            mm.append(recall(found, truth, "majmin"))
            sv.append(recall(found, truth, "sevenths"))
        print(f"librosa {librosa.__version__} chroma_cqt + templates + viterbi, {name} ({n}): "
              f"majmin {np.mean(mm):.3f}, sevenths {np.mean(sv):.3f}")


if __name__ == "__main__":
    main()
