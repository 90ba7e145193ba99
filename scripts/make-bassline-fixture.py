#!/usr/bin/env python3
"""Writes graphs/audio/bassline-fm-113.flac, the bassline graphs/bass-to-logdrum.ron transcribes:
8 bars of a syncopated amapiano bass riff in F minor at 113 BPM, played by yano's own
instrument.bass (rendered by `yano render`), mixed to mono and resampled to 22,050 Hz, 16-bit FLAC.
Needs a built yano (argument 1, default target/release/yano) and `pip install soundfile numpy`."""
import pathlib
import subprocess
import sys
import tempfile

import numpy as np
import soundfile as sf

root = pathlib.Path(__file__).resolve().parent.parent
yano = sys.argv[1] if len(sys.argv) > 1 else str(root / "target/release/yano")

# Two bars, in beats: (note, start, length). F1 pedal with a climb, then Db2 falling to G1.
riff = [
    ("F1", 0, 0.75), ("F1", 0.75, 0.5), ("Ab1", 1.5, 0.5), ("C2", 2, 0.75), ("Eb2", 2.75, 0.5), ("C2", 3.5, 0.5),
    ("Db2", 4, 0.75), ("Db2", 4.75, 0.5), ("C2", 5.5, 0.5), ("Bb1", 6, 0.75), ("Ab1", 6.75, 0.5), ("G1", 7.5, 0.5),
]
velocities = [110, 90, 95, 105, 90, 85]
notes = "; ".join(f"{n} {s} {l} {velocities[i % 6]}" for i, (n, s, l) in enumerate(riff))
preset = f"""(
    version: 1,
    transport: (bpm: 113.0, sample_rate: 48000),
    nodes: [
        (id: "riff", kind: "sequence.clip", params: {{"notes": "{notes}", "length_beats": 8.0, "loop": "on"}}),
        (id: "bass", kind: "instrument.bass", params: {{"harmonic_db": -20.0, "release_ms": 80.0, "gain_db": -3.0}}),
        (id: "pan", kind: "util.pan"),
        (id: "out", kind: "io.output"),
    ],
    edges: [("riff.notes", "bass.notes"), ("bass.out", "pan.in"), ("pan.out", "out.in")],
)
"""
with tempfile.TemporaryDirectory() as tmp:
    ron = pathlib.Path(tmp) / "bassline.ron"
    ron.write_text(preset)
    wav = pathlib.Path(tmp) / "bassline.wav"
    subprocess.run([yano, "render", str(ron), "-o", str(wav), "--bars", "8", "--format", "f32"], check=True)
    audio, rate = sf.read(wav)

mono = audio.mean(axis=1)
# 48 kHz to 22,050 Hz by FFT resampling of the whole clip (an ideal low-pass, numpy alone).
n_out = int(round(len(mono) * 22_050 / rate))
resampled = np.fft.irfft(np.fft.rfft(mono)[: n_out // 2 + 1], n_out) * (n_out / len(mono))
resampled *= 0.5 / max(1e-9, np.abs(resampled).max())
out = root / "graphs" / "audio" / "bassline-fm-113.flac"
sf.write(out, resampled, 22_050, format="FLAC", subtype="PCM_16")
print(out, out.stat().st_size, "bytes")
