// Reads a PNG (8-bit RGB or RGBA, not interlaced: what Chromium writes) with
// node's zlib only, and prints what the browser test checks:
//   width height distinct_colours share_not_background has_RRGGBB...
// `node png_stats.mjs FILE [RRGGBB ...]` — for each colour given, 1 when some
// pixel is within 24 of it in every channel, else 0. The background is the
// most common colour.
import { readFileSync } from "node:fs";
import { inflateSync } from "node:zlib";

const [file, ...want] = process.argv.slice(2);
const buf = readFileSync(file);
if (buf.readUInt32BE(0) !== 0x89504e47) throw new Error(`${file}: not a PNG`);
let pos = 8, width = 0, height = 0, type = 0, depth = 0, interlace = 0;
const idat = [];
while (pos < buf.length) {
  const len = buf.readUInt32BE(pos), kind = buf.toString("latin1", pos + 4, pos + 8);
  const data = buf.subarray(pos + 8, pos + 8 + len);
  if (kind === "IHDR") {
    width = data.readUInt32BE(0); height = data.readUInt32BE(4);
    depth = data[8]; type = data[9]; interlace = data[12];
  } else if (kind === "IDAT") idat.push(data);
  pos += 12 + len;
}
if (depth !== 8 || (type !== 2 && type !== 6) || interlace)
  throw new Error(`${file}: unsupported PNG (depth ${depth}, colour type ${type}, interlace ${interlace})`);
const bpp = type === 6 ? 4 : 3, stride = width * bpp;
const raw = inflateSync(Buffer.concat(idat));
const px = Buffer.alloc(stride * height);
// undo the per-row filters (PNG spec, section 9)
for (let y = 0; y < height; y++) {
  const f = raw[y * (stride + 1)], src = y * (stride + 1) + 1, row = y * stride, up = row - stride;
  for (let i = 0; i < stride; i++) {
    const a = i >= bpp ? px[row + i - bpp] : 0, b = y ? px[up + i] : 0, c = y && i >= bpp ? px[up + i - bpp] : 0;
    let p = raw[src + i];
    if (f === 1) p += a;
    else if (f === 2) p += b;
    else if (f === 3) p += (a + b) >> 1;
    else if (f === 4) {
      const q = a + b - c, pa = Math.abs(q - a), pb = Math.abs(q - b), pc = Math.abs(q - c);
      p += pa <= pb && pa <= pc ? a : pb <= pc ? b : c;
    }
    px[row + i] = p & 255;
  }
}
const counts = new Map();
const targets = want.map((h) => [0, 2, 4].map((k) => parseInt(h.slice(k, k + 2), 16)));
const found = targets.map(() => 0);
for (let i = 0; i < px.length; i += bpp) {
  const r = px[i], g = px[i + 1], b = px[i + 2];
  const key = (r << 16) | (g << 8) | b;
  counts.set(key, (counts.get(key) || 0) + 1);
  targets.forEach((t, k) => {
    if (!found[k] && Math.abs(r - t[0]) <= 24 && Math.abs(g - t[1]) <= 24 && Math.abs(b - t[2]) <= 24) found[k] = 1;
  });
}
const top = Math.max(...counts.values());
const share = 1 - top / (width * height);
console.log([width, height, counts.size, share.toFixed(4), ...found].join(" "));
