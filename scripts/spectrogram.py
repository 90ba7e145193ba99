#!/usr/bin/env python3
"""Draws a log-frequency spectrogram of a WAV render as a PNG (numpy; the PNG is written with the
standard library). Used for the README's picture:

    cargo run --release -- render graphs/file-player.ron -o /tmp/fp.wav --seconds 8 --format i16
    python3 scripts/spectrogram.py /tmp/fp.wav docs/file-player-spectrogram.png
"""
import struct, sys, wave, zlib

import numpy as np

src, dst = sys.argv[1], sys.argv[2]
with wave.open(src) as w:
    rate, n, ch, width = w.getframerate(), w.getnframes(), w.getnchannels(), w.getsampwidth()
    assert width == 2, "write the render with --format i16"
    x = np.frombuffer(w.readframes(n), dtype="<i2").reshape(-1, ch).mean(axis=1) / 32768.0

fft, hop, W, H = 4096, 256, 1000, 360
frames = (len(x) - fft) // hop
win = np.hanning(fft)
spec = np.abs(np.array([np.fft.rfft(win * x[i * hop:i * hop + fft]) for i in range(frames)])) * 2 / win.sum()
db = 20 * np.log10(np.maximum(spec, 1e-6))
freqs = np.fft.rfftfreq(fft, 1 / rate)
rows = np.geomspace(40, 16000, H)[::-1]  # log frequency, high at the top
cols = np.linspace(0, frames - 1, W).astype(int)
img = np.array([np.interp(rows, freqs, db[c]) for c in cols]).T  # H x W in dB
level = np.clip((img + 90) / 90, 0, 1)  # -90 dBFS .. 0 dBFS
# A dark-to-warm colour ramp.
r = np.clip(level * 3 - 0.6, 0, 1); g = np.clip(level * 3 - 1.4, 0, 1); b = np.clip(np.sin(level * np.pi) * 0.8 + level * 0.2, 0, 1)
rgb = (np.stack([r, g, b], axis=-1) * 255).astype(np.uint8)

def chunk(kind, data):
    return struct.pack(">I", len(data)) + kind + data + struct.pack(">I", zlib.crc32(kind + data) & 0xFFFFFFFF)

raw = b"".join(b"\x00" + rgb[y].tobytes() for y in range(H))
png = b"\x89PNG\r\n\x1a\n" + chunk(b"IHDR", struct.pack(">IIBBBBB", W, H, 8, 2, 0, 0, 0)) + chunk(b"IDAT", zlib.compress(raw, 9)) + chunk(b"IEND", b"")
open(dst, "wb").write(png)
print(f"{dst}: {W}x{H}, {len(x) / rate:.1f} s, 40 Hz - 16 kHz (log), -90 .. 0 dBFS")
