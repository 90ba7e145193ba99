#!/usr/bin/env python3
"""Writes graphs/audio/kalimba-loop.wav: a 3-second plucked F minor pentatonic figure at 22,050 Hz,
mono, 16-bit (about 130 KB). The rate differs from the sessions' 48 kHz on purpose, so playing it
exercises the resampler. Standard library only; deterministic."""
import math, struct, wave, pathlib

RATE, SECONDS = 22050, 3.0
notes = [(0.00, 65), (0.25, 68), (0.50, 72), (0.75, 70), (1.00, 65), (1.25, 63), (1.50, 68), (2.00, 60), (2.25, 63), (2.50, 65)]
n = int(RATE * SECONDS)
out = [0.0] * n
for start, midi in notes:
    f = 440.0 * 2 ** ((midi - 69) / 12)
    s0 = int(start * RATE)
    for i in range(s0, min(n, s0 + int(1.2 * RATE))):
        t = (i - s0) / RATE
        env = min(1.0, t / 0.003) * math.exp(-t / 0.25)
        out[i] += 0.3 * env * (math.sin(2 * math.pi * f * t) + 0.3 * math.sin(2 * math.pi * 3 * f * t) * math.exp(-t / 0.05))
path = pathlib.Path(__file__).resolve().parent.parent / "graphs" / "audio" / "kalimba-loop.wav"
with wave.open(str(path), "wb") as w:
    w.setnchannels(1)
    w.setsampwidth(2)
    w.setframerate(RATE)
    w.writeframes(b"".join(struct.pack("<h", max(-32767, min(32767, round(x * 32767)))) for x in out))
print(path)
