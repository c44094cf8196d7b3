// Where the code of a wasm module goes: reads the code section and the "name" section of a module
// built with names, demangles the Rust names and sums body sizes per group, with the brotli size of
// each group's bodies alone. A steering tool for size work, not a test.
//
//   node bench/wasm-sizes.mjs [file.wasm] [--depth N] [--top N] [--grep REGEX]
//
// Default file: target/pkg/wasm32-unknown-unknown/wasm-release/cognito_kit.wasm (what cargo writes for
// `scripts/build-pkg.sh`, before wasm-opt). To see the shipped code by name instead, optimize it as
// build-pkg.sh does, keeping the names:
//   tools/node_modules/.bin/wasm-opt <that file> -O1 --flatten --rereloop -Oz --low-memory-unused \
//     --converge --one-caller-inline-max-function-size=20 --strip-producers -g -o /tmp/named.wasm
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
const file = args[0] ?? join(root, 'target/pkg/wasm32-unknown-unknown/wasm-release/cognito_kit.wasm');
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
// Rust's v0 mangling (_R…, the default of newer toolchains): paths, impls, generic arguments and
// types, with back-references; crate disambiguators and const values are left out.
const BASIC = { a: 'i8', b: 'bool', c: 'char', d: 'f64', e: 'str', f: 'f32', h: 'u8', i: 'isize', j: 'usize', l: 'i32', m: 'u32', n: 'i128', o: 'u128', s: 'i16', t: 'u16', u: '()', v: '...', x: 'i64', y: 'u64', z: '!', p: '_' };
const demangleV0 = (name) => {
  const m = /^_?_R[0-9]*([A-Z].*?)(\..*)?$/.exec(name);
  if (!m) return null;
  const src = m[1];
  let at = 0;
  const peek = () => src[at];
  const next = () => src[at++];
  const base62 = () => {
    if (peek() === '_') { at++; return 0; }
    let n = 0;
    for (let c = next(); c !== '_'; c = next()) {
      if (c === undefined) throw new Error('end');
      n = n * 62 + (c <= '9' ? c.charCodeAt(0) - 48 : c <= 'Z' ? c.charCodeAt(0) - 29 : c.charCodeAt(0) - 87);
    }
    return n + 1;
  };
  const disambiguator = () => { if (peek() === 's') { at++; base62(); } };
  const ident = () => {
    disambiguator();
    if (peek() === 'u') at++;
    const len = /^[0-9]+/.exec(src.slice(at))[0];
    at += len.length;
    if (peek() === '_') at++;
    const text = src.slice(at, at + Number(len));
    at += Number(len);
    return text;
  };
  const backref = (parse) => {
    const target = base62();
    const here = at;
    at = target;
    const out = parse();
    at = here;
    return out;
  };
  const generic = () => {
    if (peek() === 'L') { at++; base62(); return null; }
    if (peek() === 'K') { at++; konst(); return null; }
    return type();
  };
  const konst = () => {
    if (peek() === 'B') { at++; return backref(konst); }
    if (peek() === 'p') { at++; return '_'; }
    type();
    while (next() !== '_');
    return '_';
  };
  const path = () => {
    const tag = next();
    switch (tag) {
      case 'C': return ident();
      case 'N': {
        const ns = next();
        const parent = path();
        const id = ident();
        if (ns === 'C') return `${parent}::{closure${id ? `:${id}` : ''}}`;
        if (ns === 'S') return `${parent}::{shim${id ? `:${id}` : ''}}`;
        return id ? `${parent}::${id}` : parent;
      }
      case 'M': { disambiguator(); path(); return `<${type()}>`; }
      case 'X': { disambiguator(); path(); const t = type(); return `<${t} as ${path()}>`; }
      case 'Y': { const t = type(); return `<${t} as ${path()}>`; }
      case 'I': {
        const p = path();
        const args = [];
        while (peek() !== 'E') { const g = generic(); if (g) args.push(g); }
        at++;
        return args.length ? `${p}<${args.join(', ')}>` : p;
      }
      case 'B': return backref(path);
      default: throw new Error(`path tag ${tag}`);
    }
  };
  const type = () => {
    const c = peek();
    if (BASIC[c]) { at++; return BASIC[c]; }
    switch (c) {
      case 'A': { at++; const t = type(); konst(); return `[${t}; _]`; }
      case 'S': { at++; return `[${type()}]`; }
      case 'T': { at++; const ts = []; while (peek() !== 'E') ts.push(type()); at++; return `(${ts.join(', ')})`; }
      case 'R': case 'Q': { at++; if (peek() === 'L') { at++; base62(); } return `&${c === 'Q' ? 'mut ' : ''}${type()}`; }
      case 'P': case 'O': { at++; return `*${c === 'P' ? 'const' : 'mut'} ${type()}`; }
      case 'F': {
        at++;
        if (peek() === 'G') { at++; base62(); }
        if (peek() === 'U') at++;
        if (peek() === 'K') { at++; if (peek() === 'C') at++; else ident(); }
        const ps = [];
        while (peek() !== 'E') ps.push(type());
        at++;
        return `fn(${ps.join(', ')}) -> ${type()}`;
      }
      case 'D': {
        at++;
        if (peek() === 'G') { at++; base62(); }
        const bounds = [];
        while (peek() !== 'E') {
          bounds.push(path());
          while (peek() === 'p') { at++; ident(); type(); }
        }
        at++;
        if (peek() === 'L') { at++; base62(); }
        return `dyn ${bounds.join(' + ')}`;
      }
      case 'B': { at++; return backref(type); }
      default: return path();
    }
  };
  try {
    return path();
  } catch {
    return null;
  }
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
  return { size, body: bodies[i], name: (demangleV0(raw) ?? demangle(raw)).replace(/\[[0-9a-f]{16}\]/g, '').replace(/::h[0-9a-f]{16}$/, '') };
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
