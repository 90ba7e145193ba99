"""Trains yano's stem separator and exports it to ONNX.

The model maps log-magnitude STFT frames of a mono mix to one soft mask per stem (a softmax over
stems, so the masks of a bin sum to one); yano applies them in Rust (separate/src/chunks.rs). It
is a temporal convolution network over frames: a 1x1 convolution first shrinks the 1025 bins to a
small hidden size (frequency compressed first, as Open-Unmix does, so it trains on two cores),
then dilated convolutions see 125 frames (1.3 s) around each frame, then a 1x1 convolution gives every stem's
mask for every bin. Convolutions only: every op exports to ONNX and runs on tract.

Training data: folders written by `separation_dataset` (one mono float WAV per stem). Each example
is a random 2.73 s excerpt (256 frames at 48 kHz); half are a track's own stems at one place, half a remix
(each stem from any track and any place, random gains, some stems silent). The loss is the
negative SDR of each stem's masked spectrum, with a floor 30 dB under the mix so silent stems
count.

    python models/train/separator.py --data data/sep/train --valid data/sep/valid \
        --out models/separator --minutes 45 --seed 1
    python models/train/separator.py --smoke --out /tmp/sep-smoke    # a few steps on synthetic audio
"""

import argparse
import json
import math
import os
import struct
import sys
import time

import numpy as np
import torch
import torch.nn as nn

STEMS = ["vocals", "piano", "log_drum", "bass", "drums", "percussion", "other"]
FRAME, HOP, BINS, CHUNK = 2048, 512, 1025, 256
SAMPLES = (CHUNK - 1) * HOP  # 256 frames with yano's centred STFT
RATE = 48000  # yano renders, and separates, at 48 kHz


def read_float_wav(path):
    """A float32 WAV as written by hound: channels x samples."""
    with open(path, "rb") as f:
        data = f.read()
    if data[:4] != b"RIFF" or data[8:12] != b"WAVE":
        raise ValueError(f"{path}: not a WAV file")
    pos, channels, fmt = 12, 1, None
    while pos + 8 <= len(data):
        tag, size = data[pos:pos + 4], struct.unpack("<I", data[pos + 4:pos + 8])[0]
        body = data[pos + 8:pos + 8 + size]
        if tag == b"fmt ":
            fmt, channels = struct.unpack("<HH", body[:4])
        elif tag == b"data":
            if fmt not in (3, 0xFFFE):
                raise ValueError(f"{path}: not float samples (format {fmt})")
            samples = np.frombuffer(body, dtype="<f4")
            return samples.reshape(-1, channels).T.copy()
        pos += 8 + size + (size & 1)
    raise ValueError(f"{path}: no data chunk")


def load_tracks(folder):
    tracks = []
    for name in sorted(os.listdir(folder)):
        d = os.path.join(folder, name)
        if not os.path.isfile(os.path.join(d, "track.json")):
            continue
        stems = np.stack([read_float_wav(os.path.join(d, f"{s}.wav"))[0] for s in STEMS])
        tracks.append(stems)
    if not tracks:
        raise SystemExit(f"no tracks in {folder}")
    return tracks


def synthetic_tracks(count, seconds, rng):
    """Stand-in stems for the smoke run: tones and noise bursts, nothing learned from them."""
    n = int(seconds * RATE)
    t = np.arange(n) / RATE
    tracks = []
    for _ in range(count):
        stems = []
        for k in range(len(STEMS)):
            f0 = 55.0 * 2 ** (k + rng.random())
            tone = 0.1 * np.sin(2 * np.pi * f0 * t)
            gate = (np.sin(2 * np.pi * (1 + k) * t) > 0).astype(np.float32)
            stems.append((tone * gate + 0.01 * rng.standard_normal(n)).astype(np.float32))
        tracks.append(np.stack(stems))
    return tracks


class Block(nn.Module):
    def __init__(self, hidden, dilation):
        super().__init__()
        self.conv = nn.Conv1d(hidden, hidden, 3, dilation=dilation, padding=dilation)
        self.norm = nn.BatchNorm1d(hidden)

    def forward(self, x):
        return x + torch.relu(self.norm(self.conv(x)))


class Separator(nn.Module):
    def __init__(self, hidden=160, layers=10):
        super().__init__()
        self.norm_in = nn.BatchNorm1d(BINS)
        self.inp = nn.Sequential(nn.Conv1d(BINS, hidden, 1), nn.BatchNorm1d(hidden), nn.ReLU())
        self.blocks = nn.Sequential(*[Block(hidden, 2 ** (i % 5)) for i in range(layers)])
        self.out = nn.Conv1d(hidden, len(STEMS) * BINS, 1)

    def forward(self, features):  # [batch, BINS, frames] -> [batch, stems, BINS, frames]
        x = self.blocks(self.inp(self.norm_in(features)))
        logits = self.out(x).reshape(features.shape[0], len(STEMS), BINS, features.shape[2])
        return torch.softmax(logits, dim=1)


WINDOW = torch.hann_window(FRAME, periodic=True)


def stft(x):  # [..., samples] -> complex [..., BINS, frames]
    shape = x.shape
    spec = torch.stft(x.reshape(-1, shape[-1]), FRAME, HOP, window=WINDOW, center=True,
                      pad_mode="constant", return_complex=True)
    return spec.reshape(*shape[:-1], BINS, spec.shape[-1])


def excerpt(tracks, rng):
    """One training example: stems [STEMS, SAMPLES]."""
    own = rng.random() < 0.5
    out = np.zeros((len(STEMS), SAMPLES), dtype=np.float32)
    t0 = rng.integers(len(tracks))
    start0 = rng.integers(tracks[t0].shape[1] - SAMPLES)
    for k in range(len(STEMS)):
        if own:
            t, start, gain = t0, start0, 1.0
        else:
            t = rng.integers(len(tracks))
            start = rng.integers(tracks[t].shape[1] - SAMPLES)
            gain = 10 ** (rng.uniform(-9, 3) / 20)
            if rng.random() < 0.12:
                gain = 0.0
        out[k] = gain * tracks[t][k, start:start + SAMPLES]
    return out


def sdr_loss(masks, power, cross, signal):
    """Negative SDR of each stem's masked spectrum, in dB, with a floor 30 dB under the mix.

    |m X - S|^2 = m^2 |X|^2 - 2 m Re(conj(X) S) + |S|^2, so the error needs only the mix's power,
    the cross term and the stems' energy, all real and computed once a batch ([`batch`]): the
    same figure as masking the complex spectrum, at a third of the cost a step.
    """
    error = (masks * (masks * power.unsqueeze(1) - 2 * cross)).sum(dim=(2, 3)) + signal
    floor = 1e-3 * power.sum(dim=(1, 2)).unsqueeze(1) + 1e-8
    return torch.log10((error.clamp_min(0) + floor) / (signal + floor)).mean() * 10  # dB, lower is better


def batch(tracks, rng, size):
    """Features of the mix and what the loss needs: |X|^2, Re(conj(X) S) per stem, sum |S|^2."""
    stems = torch.from_numpy(np.stack([excerpt(tracks, rng) for _ in range(size)]))
    mix = stems.sum(dim=1)
    mix_spec, stem_specs = stft(mix), stft(stems)
    power = mix_spec.abs().pow(2)
    cross = (mix_spec.conj().unsqueeze(1) * stem_specs).real
    signal = stem_specs.abs().pow(2).sum(dim=(2, 3))
    return torch.log1p(mix_spec.abs()), power, cross, signal


def export(model, path):
    model.eval()
    example = torch.zeros(1, BINS, CHUNK)
    torch.onnx.export(model, (example,), path, input_names=["features"], output_names=["masks"],
                      opset_version=17, dynamo=False)


def main():
    p = argparse.ArgumentParser()
    p.add_argument("--data")
    p.add_argument("--valid")
    p.add_argument("--out", required=True)
    p.add_argument("--minutes", type=float, default=45)
    p.add_argument("--steps", type=int, default=0, help="stop after this many steps (0: by time)")
    p.add_argument("--batch", type=int, default=8)
    p.add_argument("--lr", type=float, default=2e-3)
    p.add_argument("--hidden", type=int, default=160)
    p.add_argument("--layers", type=int, default=10)
    p.add_argument("--seed", type=int, default=1)
    p.add_argument("--threads", type=int, default=2)
    p.add_argument("--smoke", action="store_true", help="a few steps on synthetic stems")
    a = p.parse_args()
    torch.manual_seed(a.seed)
    torch.set_num_threads(a.threads)
    rng = np.random.default_rng(a.seed)
    os.makedirs(a.out, exist_ok=True)
    if a.smoke:
        train, valid = synthetic_tracks(2, 4.0, rng), synthetic_tracks(1, 4.0, rng)
        a.steps, a.batch = a.steps or 3, 2
    else:
        train, valid = load_tracks(a.data), load_tracks(a.valid)
    valid_rng = np.random.default_rng(12345)
    valid_batches = [batch(valid, valid_rng, a.batch) for _ in range(2 if a.smoke else 12)]
    model = Separator(a.hidden, a.layers)
    params = sum(p.numel() for p in model.parameters())
    opt = torch.optim.Adam(model.parameters(), lr=a.lr)
    total = a.steps or None
    log_path = os.path.join(a.out, "training-log.txt")
    log = open(log_path, "w")

    def say(text):
        print(text, flush=True)
        log.write(text + "\n")
        log.flush()

    say(f"separator: {params} parameters, hidden {a.hidden}, {a.layers} layers, batch {a.batch}, "
        f"{len(train)} training tracks ({sum(t.shape[1] for t in train) / RATE / 60:.1f} min), "
        f"{len(valid)} validation tracks, seed {a.seed}, torch {torch.__version__}, {a.threads} threads")
    started, step, best = time.time(), 0, math.inf
    best_path = os.path.join(a.out, "best.pt")
    while True:
        elapsed = time.time() - started
        if (total and step >= total) or (not total and elapsed > a.minutes * 60):
            break
        # Cosine decay over the time (or steps) allowed.
        share = step / total if total else elapsed / (a.minutes * 60)
        for g in opt.param_groups:
            g["lr"] = a.lr * 0.5 * (1 + math.cos(math.pi * min(share, 1.0)))
        model.train()
        features, power, cross, signal = batch(train, rng, a.batch)
        loss = sdr_loss(model(features), power, cross, signal)
        opt.zero_grad()
        loss.backward()
        nn.utils.clip_grad_norm_(model.parameters(), 5.0)
        opt.step()
        step += 1
        if step % 100 == 0 or (total and step == total):
            model.eval()
            with torch.no_grad():
                v = float(np.mean([sdr_loss(model(f), *rest).item() for f, *rest in valid_batches]))
            if v < best:
                best = v
                torch.save(model.state_dict(), best_path)
            say(f"step {step} at {elapsed / 60:.1f} min: training loss {loss.item():.2f} dB, "
                f"validation {v:.2f} dB (best {best:.2f})")
    if os.path.exists(best_path):
        model.load_state_dict(torch.load(best_path))
    onnx_path = os.path.join(a.out, "yano-separator.onnx")
    export(model, onnx_path)
    config = {k: v for k, v in vars(a).items()}
    config.update(stems=STEMS, frame=FRAME, hop=HOP, bins=BINS, chunk_frames=CHUNK,
                  sample_rate=RATE, parameters=params, steps=step,
                  minutes=round((time.time() - started) / 60, 1), best_validation_db=best)
    with open(os.path.join(a.out, "config.json"), "w") as f:
        json.dump(config, f, indent=2)
    say(f"done: {step} steps in {(time.time() - started) / 60:.1f} min, best validation {best:.2f} dB; "
        f"wrote {onnx_path}")


if __name__ == "__main__":
    sys.exit(main())
