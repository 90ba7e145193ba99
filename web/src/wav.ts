// WAV (RIFF) encoding and parsing. The server takes WAV, FLAC, OGG and MP3 but not the webm or
// mp4 a MediaRecorder makes, so recordings are decoded and re-encoded here as 16-bit PCM WAV.

/** 16-bit PCM WAV of the given channels (all the same length), samples clamped to [-1, 1]. */
export function encodeWav(channels: Float32Array[], sampleRate: number): ArrayBuffer {
  const count = channels.length;
  if (count < 1) throw new Error('no channels');
  const frames = channels[0].length;
  const blockAlign = count * 2;
  const dataBytes = frames * blockAlign;
  const buffer = new ArrayBuffer(44 + dataBytes);
  const v = new DataView(buffer);
  const ascii = (offset: number, s: string) => {
    for (let i = 0; i < s.length; i++) v.setUint8(offset + i, s.charCodeAt(i));
  };
  ascii(0, 'RIFF');
  v.setUint32(4, 36 + dataBytes, true);
  ascii(8, 'WAVE');
  ascii(12, 'fmt ');
  v.setUint32(16, 16, true);
  v.setUint16(20, 1, true); // PCM
  v.setUint16(22, count, true);
  v.setUint32(24, sampleRate, true);
  v.setUint32(28, sampleRate * blockAlign, true);
  v.setUint16(32, blockAlign, true);
  v.setUint16(34, 16, true);
  ascii(36, 'data');
  v.setUint32(40, dataBytes, true);
  let o = 44;
  for (let i = 0; i < frames; i++) {
    for (let c = 0; c < count; c++) {
      const s = Math.max(-1, Math.min(1, channels[c][i] || 0));
      v.setInt16(o, s < 0 ? Math.round(s * 0x8000) : Math.round(s * 0x7fff), true);
      o += 2;
    }
  }
  return buffer;
}

export interface WavInfo {
  format: number; // 1 PCM, 3 float, 0xfffe extensible
  channels: number;
  sampleRate: number;
  bitsPerSample: number;
  frames: number;
  seconds: number;
  dataOffset: number;
  dataBytes: number;
}

/** The header of a WAV file: walks the RIFF chunks for "fmt " and "data". */
export function parseWav(buffer: ArrayBuffer): WavInfo {
  const v = new DataView(buffer);
  const tag = (o: number) => String.fromCharCode(v.getUint8(o), v.getUint8(o + 1), v.getUint8(o + 2), v.getUint8(o + 3));
  if (buffer.byteLength < 12 || tag(0) !== 'RIFF' || tag(8) !== 'WAVE') throw new Error('not a WAV file');
  let o = 12;
  let fmt: Omit<WavInfo, 'frames' | 'seconds' | 'dataOffset' | 'dataBytes'> | null = null;
  while (o + 8 <= buffer.byteLength) {
    const id = tag(o);
    let size = v.getUint32(o + 4, true);
    if (id === 'fmt ') {
      fmt = {
        format: v.getUint16(o + 8, true),
        channels: v.getUint16(o + 10, true),
        sampleRate: v.getUint32(o + 12, true),
        bitsPerSample: v.getUint16(o + 22, true),
      };
    } else if (id === 'data') {
      if (!fmt) throw new Error('data before fmt');
      // streamed WAVs may carry 0 or 0xffffffff: take what is there
      if (size === 0 || size === 0xffffffff || o + 8 + size > buffer.byteLength) size = buffer.byteLength - o - 8;
      const frames = Math.floor(size / (fmt.channels * (fmt.bitsPerSample / 8)));
      return { ...fmt, frames, seconds: frames / fmt.sampleRate, dataOffset: o + 8, dataBytes: size };
    }
    o += 8 + size + (size & 1);
  }
  throw new Error('no data chunk');
}

/** The samples of a 16-bit PCM or 32-bit float WAV, one array per channel. */
export function wavSamples(buffer: ArrayBuffer): Float32Array[] {
  const info = parseWav(buffer);
  const v = new DataView(buffer);
  const out = Array.from({ length: info.channels }, () => new Float32Array(info.frames));
  const bytes = info.bitsPerSample / 8;
  for (let i = 0; i < info.frames; i++) {
    for (let c = 0; c < info.channels; c++) {
      const o = info.dataOffset + (i * info.channels + c) * bytes;
      out[c][i] = info.bitsPerSample === 16 ? v.getInt16(o, true) / 0x8000 : v.getFloat32(o, true);
    }
  }
  return out;
}
