#!/usr/bin/env python3
"""Writes nodes/tests/data/tone-a4.{flac,ogg,mp3}: one second of a 440 Hz sine at -6 dBFS,
mono, 44,100 Hz, with 10 ms fades, so the decoder tests can check every compressed format yano
reads. Needs `pip install soundfile numpy` (the soundfile wheel carries libsndfile 1.2, which
encodes FLAC, OGG/Vorbis and MP3). Deterministic for FLAC; the lossy files are tested by pitch and
level, not by sample values."""
import pathlib

import numpy as np
import soundfile as sf

rate = 44_100
t = np.arange(rate) / rate
fade = np.minimum(1.0, np.minimum(t, t[::-1]) / 0.01)
x = 0.5 * np.sin(2 * np.pi * 440.0 * t) * fade
out = pathlib.Path(__file__).resolve().parent.parent / "nodes" / "tests" / "data"
out.mkdir(parents=True, exist_ok=True)
sf.write(out / "tone-a4.flac", x, rate, format="FLAC", subtype="PCM_16")
sf.write(out / "tone-a4.ogg", x, rate, format="OGG", subtype="VORBIS")
sf.write(out / "tone-a4.mp3", x, rate, format="MP3", subtype="MPEG_LAYER_III")
for p in sorted(out.glob("tone-a4.*")):
    print(p, p.stat().st_size, "bytes")
