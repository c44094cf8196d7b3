// Where the code of a wasm module goes: reads the code section and the "name" section of a module
// built with names, demangles the Rust names and sums body sizes per group, with the brotli size of
// each group's bodies alone. A steering tool for size work, not a test.
//
//   node bench/wasm-sizes.mjs [file.wasm] [--depth N] [--top N] [--grep REGEX]
//
// Default file: target/wasm32-unknown-unknown/wasm-release/cognito_kit.wasm (what cargo writes for
// `scripts/build-pkg.sh`, before wasm-bindgen and wasm-opt). To see the shipped code by name instead:
//   wasm-bindgen --keep-debug --target web --out-dir /tmp/named <that file>
//   tools/node_modules/.bin/wasm-opt -Oz -g /tmp/named/cognito_kit_bg.wasm -o /tmp/named/opt.wasm
// Groups are the first N path segments (default 2) of the demangled name, generics kept off the
// grouping key; `--top` lists the largest single functions; `--grep` keeps only functions whose
// demangled name matches.
import { readFileSync } from 'node:fs';
import { brotliCompressSync, constants } from 'node:zlib';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

const root = join(dirname(fileURLToPath(import.meta.url)), '..');
const args = process.argv.slice(2);
const option = (name, fallback) => {
  const i = args.indexOf(name);
  if (i < 0) return fallback;
  const value = args[i + 1];
  args.splice(i, 2);
  return value;
};
const depth = Number(option('--depth', '2'));
const top = Number(option('--top', '25'));
const grep = option('--grep', null);
const file = args[0] ?? join(root, 'target/wasm32-unknown-unknown/wasm-release/cognito_kit.wasm');
const bytes = readFileSync(file);

let pos = 8;
const u32 = () => {
  let result = 0, shift = 0, b;
  do {
    b = bytes[pos++];
    result += (b & 0x7f) * 2 ** shift;
    shift += 7;
  } while (b & 0x80);
  return result;
};
const str = () => {
  const n = u32();
  const s = bytes.toString('utf8', pos, pos + n);
  pos += n;
  return s;
};

let importedFunctions = 0;
const bodySizes = [];
const bodies = [];
const names = new Map();
const sectionSizes = new Map();
while (pos < bytes.length) {
  const id = bytes[pos++];
  const size = u32();
  const end = pos + size;
  if (id === 2) {
    for (let n = u32(); n > 0; n--) {
      str(); str();
      const kind = bytes[pos++];
      if (kind === 0) { u32(); importedFunctions++; }
      else if (kind === 1) { pos++; const flags = u32(); u32(); if (flags & 1) u32(); }
      else if (kind === 2) { const flags = u32(); u32(); if (flags & 1) u32(); }
      else if (kind === 3) { pos += 2; }
      else if (kind === 4) { pos++; u32(); }
    }
  } else if (id === 10) {
    for (let n = u32(); n > 0; n--) {
      const len = u32();
      bodySizes.push(len);
      bodies.push(bytes.subarray(pos, pos + len));
      pos += len;
    }
  } else if (id === 0) {
    const name = str();
    sectionSizes.set(`custom:${name}`, end - pos);
    if (name === 'name') {
      while (pos < end) {
        const sub = bytes[pos++];
        const subSize = u32();
        const subEnd = pos + subSize;
        if (sub === 1) {
          for (let n = u32(); n > 0; n--) {
            const index = u32();
            names.set(index, str());
          }
        }
        pos = subEnd;
      }
    }
  }
  if (id !== 0) sectionSizes.set(`section ${id}`, size);
  pos = end;
}

const escapes = { SP: '@', BP: '*', RF: '&', LT: '<', GT: '>', LP: '(', RP: ')', C: ',' };
const demangleIdent = (s) =>
  s.replace(/\$([A-Za-z0-9]+)\$/g, (m, code) => {
    if (escapes[code]) return escapes[code];
    if (code.startsWith('u')) return String.fromCodePoint(parseInt(code.slice(1), 16));
    return m;
  }).replace(/\.\./g, '::');
// Rust's legacy mangling: _ZN <len><ident>... E, the last ident being the h<16 hex> hash.
const demangle = (name) => {
  const m = /^_?_ZN(.*)E(\..*)?$/.exec(name);
  if (!m) return name;
  const parts = [];
  let s = m[1];
  while (s.length) {
    const len = /^(\d+)/.exec(s);
    if (!len) return name;
    const n = Number(len[1]);
    parts.push(s.slice(len[1].length, len[1].length + n));
    s = s.slice(len[1].length + n);
  }
  if (parts.length && /^h[0-9a-f]{16}$/.test(parts[parts.length - 1])) parts.pop();
  return parts.map((p) => demangleIdent(p.startsWith('_$') ? p.slice(1) : p)).join('::');
};
// The grouping key: the path with everything inside <...> dropped, cut to `depth` segments.
// For a trait impl `<Type as Trait>::method` the key is built from the Type.
const groupKey = (full) => {
  // wasm-bindgen and wasm-opt write names already demangled, with [crate hash] and ::h<hash> kept.
  let s = full.replace(/\[[0-9a-f]{16}\]/g, '').replace(/::h[0-9a-f]{16}$/, '');
  const impl = /^<(.*?)(?: as .*)?>::(.*)$/.exec(s);
  if (impl) s = `${impl[1]}::${impl[2]}`;
  let out = '', level = 0;
  for (const ch of s) {
    if (ch === '<') level++;
    else if (ch === '>') level = Math.max(0, level - 1);
    else if (level === 0) out += ch;
  }
  return out.split('::').filter(Boolean).slice(0, depth).join('::');
};

const functions = bodySizes.map((size, i) => {
  const raw = names.get(i + importedFunctions) ?? `func${i + importedFunctions}`;
  return { size, body: bodies[i], name: demangle(raw).replace(/\[[0-9a-f]{16}\]/g, '').replace(/::h[0-9a-f]{16}$/, '') };
}).filter((f) => !grep || new RegExp(grep).test(f.name));

const total = functions.reduce((a, f) => a + f.size, 0);
const groups = new Map();
for (const f of functions) {
  const key = groupKey(f.name);
  const g = groups.get(key) ?? { size: 0, count: 0, bodies: [] };
  g.size += f.size;
  g.count++;
  g.bodies.push(f.body);
  groups.set(key, g);
}
const kb = (n) => (n / 1024).toFixed(1).padStart(7);
console.log(`${file}: ${bytes.length} bytes, ${functions.length} functions, code ${total} bytes`);
for (const [k, v] of [...sectionSizes].sort((a, b) => b[1] - a[1]).slice(0, 6)) console.log(`  ${k.padEnd(24)} ${v}`);
// Brotli of a group's bodies alone: a rough measure of how much unique content it adds (repeated
// code compresses away, which raw sizes do not show).
const brotli = (parts) =>
  brotliCompressSync(Buffer.concat(parts), { params: { [constants.BROTLI_PARAM_QUALITY]: 9 } }).length;
console.log(`\ngroups (depth ${depth})                                              KB  functions  brotli KB`);
for (const [k, v] of [...groups].sort((a, b) => b[1].size - a[1].size).slice(0, 40)) {
  console.log(`${k.slice(0, 64).padEnd(64)} ${kb(v.size)} ${String(v.count).padStart(6)} ${kb(brotli(v.bodies))}`);
}
console.log(`\nlargest functions                                                     KB`);
for (const f of [...functions].sort((a, b) => b.size - a.size).slice(0, top)) {
  console.log(`${f.name.slice(0, 110).padEnd(110)} ${kb(f.size)}`);
}
