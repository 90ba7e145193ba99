"""Trains yano's chord model and exports it to ONNX.

The model reads, beat by beat, what `yano_analysis::chords::span_features` gives (treble and bass
note chroma each over its peak, the presence above the drums' floor, the level) and scores the 61
chord states of yano's vocabulary (12 roots x maj, min, 7, maj7, min7, then N), state =
quality x 12 + root as in analysis/src/chords.rs. Its output is the emissions of the same
Viterbi decoding the rules use: log-probabilities times a scale chosen on the validation
grooves. It is a temporal convolution network over beats (a 1x1 convolution, then dilated 3-tap
convolutions seeing 15 beats around each beat, then a 1x1 convolution to the states):
convolutions only, so it exports to ONNX and runs on tract.

Training data: DIR/spans.jsonl written by `cargo run --release --example chord_set` (grooves
rendered through yano's instruments and through General MIDI programs the held-out General MIDI
set never uses). Every tenth groove is kept apart for validation (choosing the epoch and the
decoding scale); the held-out test sets are the labelled sets (`examples/labelled_set.rs`), whose
seeds and General MIDI programs the training never sees. Each training example is a random
window of WINDOW beats, transposed by a random number of semitones (chroma rolled, roots moved).

    python models/train/chords.py --data target/chord-set/spans.jsonl --out models/chords --seed 1
"""

import argparse
import hashlib
import json
import math
import os
import random
import sys
import time

import numpy as np
import torch
import torch.nn as nn

FEATURES, STATES, NO_CHORD = 26, 61, 60
WINDOW = 64  # beats per model call (the Rust side windows longer tracks)
STAY = 0.85  # analysis/src/chords.rs: the chance a chord carries on


def load(path):
    renders = []
    with open(path) as f:
        for line in f:
            d = json.loads(line)
            renders.append(d)
    return renders


def groove_of(render):
    # "track-012-gm.wav" -> 12
    return int(render["name"].split("-")[1])


class ChordNet(nn.Module):
    def __init__(self, hidden, dilations, scale=1.0):
        super().__init__()
        self.inp = nn.Conv1d(FEATURES, hidden, 1)
        self.blocks = nn.ModuleList(
            nn.Sequential(
                nn.Conv1d(hidden, hidden, 3, padding=d, dilation=d),
                nn.ReLU(),
                nn.Conv1d(hidden, hidden, 1),
            )
            for d in dilations
        )
        self.out = nn.Conv1d(hidden, STATES, 1)
        self.register_buffer("scale", torch.tensor(float(scale)))

    def logits(self, x):
        # x: [batch, beats, FEATURES]
        h = torch.relu(self.inp(x.transpose(1, 2)))
        for block in self.blocks:
            h = torch.relu(h + block(h))
        return self.out(h).transpose(1, 2)  # [batch, beats, STATES]

    def forward(self, x):
        return torch.log_softmax(self.logits(x), dim=-1) * self.scale


def transpose(features, labels, k):
    f = features.copy()
    f[:, 0:12] = np.roll(features[:, 0:12], k, axis=1)
    f[:, 12:24] = np.roll(features[:, 12:24], k, axis=1)
    l = labels.copy()
    chord = (labels >= 0) & (labels < NO_CHORD)
    l[chord] = (labels[chord] // 12) * 12 + (labels[chord] % 12 + k) % 12
    return f, l


def batch(renders, size, rng):
    xs, ys = [], []
    for _ in range(size):
        r = renders[rng.randrange(len(renders))]
        f, l = r["f"], r["l"]
        n = len(l)
        start = rng.randrange(max(1, n - WINDOW + 1))
        fw = np.zeros((WINDOW, FEATURES), np.float32)
        lw = np.full(WINDOW, -1, np.int64)
        take = min(WINDOW, n - start)
        fw[:take], lw[:take] = f[start:start + take], l[start:start + take]
        k = rng.randrange(12)
        fw, lw = transpose(fw, lw, k)
        # A little level noise: other mixes.
        fw[:, 24:] *= np.float32(0.8 + 0.4 * rng.random())
        xs.append(fw)
        ys.append(lw)
    return torch.from_numpy(np.stack(xs)), torch.from_numpy(np.stack(ys))


def viterbi(emissions):
    """The decoding of analysis/src/chords.rs: stay with STAY, else move to any state alike."""
    stay, move = math.log(STAY), math.log((1 - STAY) / (STATES - 1))
    score = emissions[0].copy()
    back = []
    for e in emissions[1:]:
        best = int(score.argmax())
        kept = score + stay
        moved = score[best] + move
        frm = np.where(kept >= moved, np.arange(STATES), best)
        frm[best] = best
        score = np.maximum(kept, moved) + e
        score[best] = kept[best] + e[best]
        back.append(frm)
    state = int(score.argmax())
    path = [state]
    for frm in reversed(back):
        state = int(frm[state])
        path.append(state)
    return path[::-1]


def whole(model, f):
    """The model over a whole render, in windows as the Rust side runs it."""
    n = len(f)
    margin, step = 8, WINDOW - 16
    out = np.zeros((n, STATES), np.float32)
    start = -margin
    with torch.no_grad():
        while True:
            fw = np.zeros((WINDOW, FEATURES), np.float32)
            lo, hi = max(0, start), min(n, start + WINDOW)
            fw[lo - start:hi - start] = f[lo:hi]
            e = model(torch.from_numpy(fw)[None])[0].numpy()
            keep_lo, keep_hi = max(0, start + margin), min(n, start + WINDOW - margin)
            if start + WINDOW >= n:
                keep_hi = n
            out[keep_lo:keep_hi] = e[keep_lo - start:keep_hi - start]
            if start + WINDOW >= n:
                break
            start += step
    return out


def majmin_class(s):
    if s == NO_CHORD:
        return ("N",)
    quality = s // 12
    return (s % 12, "min" if quality in (1, 4) else "maj")


def evaluate(model, renders, scale):
    beats = right = right_mm = 0
    for r in renders:
        e = whole(model, r["f"]) / float(model.scale) * scale
        path = viterbi(e)
        for p, t in zip(path, r["l"]):
            if t < 0:
                continue
            beats += 1
            right += p == t
            right_mm += majmin_class(p) == majmin_class(t)
    return right / max(1, beats), right_mm / max(1, beats)


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--data", required=True)
    ap.add_argument("--out", required=True)
    ap.add_argument("--seed", type=int, default=1)
    ap.add_argument("--hidden", type=int, default=96)
    ap.add_argument("--steps", type=int, default=6000)
    ap.add_argument("--batch", type=int, default=32)
    ap.add_argument("--lr", type=float, default=2e-3)
    args = ap.parse_args()
    random.seed(args.seed)
    np.random.seed(args.seed)
    torch.manual_seed(args.seed)
    torch.set_num_threads(1)
    rng = random.Random(args.seed)
    os.makedirs(args.out, exist_ok=True)
    log_path = os.path.join(args.out, "training-log.txt")
    log_file = open(log_path, "w")

    def log(text):
        print(text)
        log_file.write(text + "\n")
        log_file.flush()

    renders = load(args.data)
    for r in renders:
        r["f"] = np.asarray(r["features"], np.float32).reshape(-1, FEATURES)
        r["l"] = np.asarray(r["labels"], np.int64)
        del r["features"], r["labels"]
    train = [r for r in renders if groove_of(r) % 10 != 0]
    valid = [r for r in renders if groove_of(r) % 10 == 0]
    labels = np.concatenate([r["l"] for r in train])
    log(f"data {args.data}: {len(renders)} renders; training {len(train)} "
        f"({len(labels)} beats, {np.mean(labels == NO_CHORD):.2f} N, {np.mean(labels < 0):.3f} outside), "
        f"validation {len(valid)}")
    dilations = [1, 2, 4]
    model = ChordNet(args.hidden, dilations)
    params = sum(p.numel() for p in model.parameters())
    log(f"model: hidden {args.hidden}, dilations {dilations}, {params} parameters")
    opt = torch.optim.AdamW(model.parameters(), lr=args.lr, weight_decay=1e-4)
    sched = torch.optim.lr_scheduler.OneCycleLR(opt, max_lr=args.lr, total_steps=args.steps)
    loss_fn = nn.CrossEntropyLoss(ignore_index=-1)
    started = time.time()
    best = (-1.0, None, 0)
    for step in range(1, args.steps + 1):
        model.train()
        x, y = batch(train, args.batch, rng)
        logits = model.logits(x)
        loss = loss_fn(logits.reshape(-1, STATES), y.reshape(-1))
        opt.zero_grad()
        loss.backward()
        opt.step()
        sched.step()
        if step % 500 == 0 or step == args.steps:
            model.eval()
            acc, mm = evaluate(model, valid, 1.0)
            log(f"step {step}: loss {loss.item():.3f}, validation sevenths {acc:.3f}, majmin {mm:.3f} "
                f"({time.time() - started:.0f} s)")
            if acc > best[0]:
                best = (acc, {k: v.clone() for k, v in model.state_dict().items()}, step)
    model.load_state_dict(best[1])
    model.eval()
    log(f"best step {best[2]}: validation sevenths {best[0]:.3f}")
    scales = [0.5, 1.0, 1.5, 2.0, 3.0]
    scored = []
    for s in scales:
        acc, mm = evaluate(model, valid, s)
        scored.append((acc, mm, s))
        log(f"decoding scale {s}: validation sevenths {acc:.3f}, majmin {mm:.3f}")
    acc, mm, scale = max(scored)
    log(f"chosen scale {scale}")
    model.scale.fill_(scale)
    onnx_path = os.path.join(args.out, "yano-chords.onnx")
    torch.onnx.export(
        model, torch.zeros(1, WINDOW, FEATURES), onnx_path,
        input_names=["features"], output_names=["emissions"], opset_version=17, dynamo=False,
    )
    digest = hashlib.sha256(open(onnx_path, "rb").read()).hexdigest()
    config = {
        "data": args.data, "seed": args.seed, "hidden": args.hidden, "dilations": dilations,
        "steps": args.steps, "batch": args.batch, "lr": args.lr, "window": WINDOW,
        "features": FEATURES, "states": STATES, "scale": scale, "best_step": best[2],
        "parameters": params, "validation_sevenths": acc, "validation_majmin": mm,
        "training_renders": len(train), "validation_renders": len(valid),
        "torch": torch.__version__, "sha256": digest,
        "command": " ".join(["python"] + sys.argv),
    }
    with open(os.path.join(args.out, "config.json"), "w") as f:
        json.dump(config, f, indent=2)
    log(f"wrote {onnx_path} ({os.path.getsize(onnx_path)} bytes, sha256 {digest})")


if __name__ == "__main__":
    main()
