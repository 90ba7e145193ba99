#!/usr/bin/env python3
"""Writes graphs/audio/groove-fm-113.mp3 and its truth, groove-fm-113.json: 24 bars of amapiano in
F minor at 113 BPM (swing 56 %) composed and rendered by yano itself (`yano generate`, seed 1),
encoded as a mono 22,050 Hz MP3 of about 40 kbit/s (260 KB) so the shipped analysis preset and the tests read a real MP3.
Needs the release build (`cargo build --release`) and `pip install soundfile numpy` (the
soundfile wheel carries libsndfile 1.2, which encodes MP3)."""
import json
import pathlib
import subprocess
import tempfile

import numpy as np
import soundfile as sf

root = pathlib.Path(__file__).resolve().parent.parent
with tempfile.TemporaryDirectory() as tmp:
    subprocess.run(
        [root / "target/release/yano", "generate", "amapiano in F minor, 113 bpm",
         "--bars", "24", "--seed", "1", "-o", tmp],
        check=True, capture_output=True)
    audio, rate = sf.read(pathlib.Path(tmp) / "track.wav")
    track = json.loads((pathlib.Path(tmp) / "track.json").read_text())

mono = audio.mean(axis=1)
# 48 kHz to 22,050 Hz by FFT resampling of the whole clip (an ideal low-pass, numpy alone).
n_out = int(round(len(mono) * 22_050 / rate))
spectrum = np.fft.rfft(mono)
resampled = np.fft.irfft(spectrum[: n_out // 2 + 1], n_out) * (n_out / len(mono))
out = root / "graphs" / "audio"
sf.write(out / "groove-fm-113.mp3", resampled, 22_050, format="MP3", subtype="MPEG_LAYER_III",
         compression_level=0.9, bitrate_mode="CONSTANT")
beat = 60.0 / track["bpm"]
truth = {
    "bpm": track["bpm"],
    "key": track["key"],
    "swing": track["swing"],
    "seed": track["seed"],
    "beats": [k * beat for k in range(track["bars"] * 4)],
    "sections": [(s["first_bar"] - 1) * 4 * beat for s in track["sections"]],
    "chord_changes": track["chord_changes"],
}
(out / "groove-fm-113.json").write_text(json.dumps(truth, indent=1) + "\n")
print(out / "groove-fm-113.mp3", (out / "groove-fm-113.mp3").stat().st_size, "bytes")
