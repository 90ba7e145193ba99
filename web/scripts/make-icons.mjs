// Writes public/icon-192.png and public/icon-512.png: yano's icon (an amber ring and three
// bars on a dark square), drawn pixel by pixel and encoded as PNG with node:zlib only.
// Deterministic: the same script always writes the same bytes.
import { deflateSync } from 'node:zlib';
import { writeFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';

const crcTable = new Uint32Array(256).map((_, n) => {
  let c = n;
  for (let k = 0; k < 8; k++) c = c & 1 ? 0xedb88320 ^ (c >>> 1) : c >>> 1;
  return c >>> 0;
});
function crc32(buf) {
  let c = 0xffffffff;
  for (const b of buf) c = crcTable[(c ^ b) & 0xff] ^ (c >>> 8);
  return (c ^ 0xffffffff) >>> 0;
}
function chunk(type, data) {
  const out = Buffer.alloc(12 + data.length);
  out.writeUInt32BE(data.length, 0);
  out.write(type, 4, 'ascii');
  data.copy(out, 8);
  out.writeUInt32BE(crc32(out.subarray(4, 8 + data.length)), 8 + data.length);
  return out;
}

const BG = [0x14, 0x11, 0x0f];
const AMBER = [0xf2, 0xa3, 0x3a];

function pixel(x, y, size) {
  const u = (x + 0.5) / size - 0.5;
  const v = (y + 0.5) / size - 0.5;
  const r = Math.hypot(u, v);
  if (r > 0.3 && r < 0.36) return AMBER;
  // three bars (a tiny level meter) inside the ring
  const bars = [[-0.12, 0.1], [0, 0.18], [0.12, 0.06]];
  for (const [cx, h] of bars) {
    if (Math.abs(u - cx) < 0.035 && v < 0.12 && v > 0.12 - h - 0.06) return AMBER;
  }
  return BG;
}

function png(size) {
  const raw = Buffer.alloc((size * 3 + 1) * size);
  for (let y = 0; y < size; y++) {
    const row = y * (size * 3 + 1);
    raw[row] = 0;
    for (let x = 0; x < size; x++) {
      const [r, g, b] = pixel(x, y, size);
      raw[row + 1 + x * 3] = r;
      raw[row + 2 + x * 3] = g;
      raw[row + 3 + x * 3] = b;
    }
  }
  const ihdr = Buffer.alloc(13);
  ihdr.writeUInt32BE(size, 0);
  ihdr.writeUInt32BE(size, 4);
  ihdr[8] = 8; // bit depth
  ihdr[9] = 2; // RGB
  return Buffer.concat([
    Buffer.from([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a]),
    chunk('IHDR', ihdr),
    chunk('IDAT', deflateSync(raw, { level: 9 })),
    chunk('IEND', Buffer.alloc(0)),
  ]);
}

const pub = fileURLToPath(new URL('../public/', import.meta.url));
for (const size of [192, 512]) writeFileSync(`${pub}icon-${size}.png`, png(size));
console.log('icons written');
