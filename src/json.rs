//! A small JSON reader for the service's replies, the kit's stored records and token payloads.
//!
//! Why not serde: the derived deserializers of ~20 reply types and serde_json's generic machinery
//! were the largest share of the kit's WebAssembly (see `bench/wasm-sizes.mjs`). The bodies the kit
//! reads are small, flat objects, so a value tree ([`Json`]) plus a few typed accessors ([`Fields`])
//! do the job in one non-generic parser.
//!
//! The reader follows RFC 8259: strings with every escape (`\uXXXX` surrogate pairs joined, lone
//! surrogates refused), numbers checked against the grammar and kept as their text, nesting limited
//! to [`MAX_DEPTH`] so that no input can exhaust the stack. It never panics, whatever the input.

use crate::api::operations::StringMap;
use crate::text::cat;
use alloc::string::String;
use alloc::vec::Vec;
use zeroize::{Zeroize, Zeroizing};

/// Deepest nesting accepted (serde_json's default limit too).
pub const MAX_DEPTH: usize = 128;

/// Most values one text may hold. The kit's bodies hold a few hundred; the limit keeps a hostile
/// peer from growing the tree (each value costs more memory than its text) until the wasm aborts.
pub const MAX_VALUES: usize = 1 << 16;

/// Most members read into a [`StringMap`] (challenge parameters, user attributes hold tens).
pub const MAX_MAP_ENTRIES: usize = 1024;

/// Longest member name quoted in a [`ShapeError`]: names come from the peer.
const MAX_NAME_IN_ERROR: usize = 64;

/// A JSON value. Numbers keep their text, so nothing is lost or reformatted when a value is read
/// as an integer or written back out.
#[derive(Debug, Clone, PartialEq)]
pub enum Json {
    /// `null`.
    Null,
    /// `true` or `false`.
    Bool(bool),
    /// A number, as written (valid per the JSON grammar).
    Number(String),
    /// A string.
    String(String),
    /// An array.
    Array(Vec<Json>),
    /// An object, members in their order (duplicates kept: [`Json::get`] reads the last, like
    /// `JSON.parse`; [`Fields`] refuses them).
    Object(Vec<(String, Json)>),
}

impl Json {
    /// The string, when this is one.
    pub fn as_str(&self) -> Option<&str> {
        match self {
            Json::String(s) => Some(s),
            _ => None,
        }
    }

    /// Member `key` of an object; of duplicates, the last (as `JSON.parse` and serde_json read them).
    pub fn get(&self, key: &str) -> Option<&Json> {
        match self {
            Json::Object(members) => members.iter().rev().find(|(k, _)| k == key).map(|(_, v)| v),
            _ => None,
        }
    }

    /// The value as an `i64`: an integer, or a finite number below 10^15 truncated toward zero.
    pub fn as_i64(&self) -> Option<i64> {
        let Json::Number(text) = self else {
            return None;
        };
        if let Some(v) = integer(text) {
            return Some(v);
        }
        let f = number_value(text)?;
        (f.is_finite() && f.abs() < 1e15).then_some(f as i64)
    }

    /// The value as an `f64`.
    pub fn as_f64(&self) -> Option<f64> {
        match self {
            Json::Number(text) => number_value(text),
            _ => None,
        }
    }

    /// Appends this value as JSON text. A `Number` whose text is not a JSON number (one built by
    /// hand, not parsed) is written as `null`, so no text can be injected through it.
    pub fn write(&self, out: &mut String) {
        match self {
            Json::Null => out.push_str("null"),
            Json::Bool(true) => out.push_str("true"),
            Json::Bool(false) => out.push_str("false"),
            Json::Number(text) if is_number(text) => out.push_str(text),
            Json::Number(_) => out.push_str("null"),
            Json::String(s) => write_str(s, out),
            Json::Array(items) => {
                out.push('[');
                for (i, item) in items.iter().enumerate() {
                    if i > 0 {
                        out.push(',');
                    }
                    item.write(out);
                }
                out.push(']');
            }
            Json::Object(members) => {
                out.push('{');
                for (i, (k, v)) in members.iter().enumerate() {
                    if i > 0 {
                        out.push(',');
                    }
                    write_str(k, out);
                    out.push(':');
                    v.write(out);
                }
                out.push('}');
            }
        }
    }
}

/// Whether `text` is exactly one JSON number.
fn is_number(text: &str) -> bool {
    let mut p = Parser::new(text.as_bytes());
    p.number().is_ok() && p.pos == text.len()
}

/// The value of a number's text (already checked against the JSON grammar). In the browser, the
/// engine's own `parseFloat` keeps core's float parser and its tables out of the wasm. Engines round
/// correctly (as `str::parse` does); the language only requires it to the 20th significant digit.
#[cfg(target_arch = "wasm32")]
fn number_value(text: &str) -> Option<f64> {
    #[cfg(feature = "std")]
    let v = js_sys::Number::parse_float(text);
    #[cfg(not(feature = "std"))]
    let v = crate::js::package::float(text);
    (!v.is_nan()).then_some(v)
}

#[cfg(not(target_arch = "wasm32"))]
fn number_value(text: &str) -> Option<f64> {
    text.parse::<f64>().ok()
}

/// Appends `s` as a JSON string: `"`, `\` and control characters escaped.
pub fn write_str(s: &str, out: &mut String) {
    out.push('"');
    crate::text::escape_into(s, out, crate::text::Escape::Json);
    out.push('"');
}

/// Types written as the members of a JSON object (request bodies, stored records).
pub trait WriteJson {
    /// Writes this value's members into `w`.
    fn write_json(&self, w: &mut ObjectWriter);
}

/// Writes one JSON object, member by member, in the order given.
pub struct ObjectWriter {
    out: String,
    empty: bool,
}

impl Default for ObjectWriter {
    fn default() -> Self {
        Self::new()
    }
}

impl ObjectWriter {
    /// An object with no members yet.
    pub fn new() -> Self {
        // Room for the largest body the kit writes (a stored record with three tokens, ~5 KB) up
        // front: a buffer that regrows leaves a copy of what it held (tokens) in freed memory.
        let mut out = String::with_capacity(8192);
        out.push('{');
        ObjectWriter { out, empty: true }
    }

    fn key(&mut self, key: &str) {
        if !self.empty {
            self.out.push(',');
        }
        self.empty = false;
        write_str(key, &mut self.out);
        self.out.push(':');
    }

    /// A string member.
    pub fn str(&mut self, key: &str, value: &str) {
        self.key(key);
        write_str(value, &mut self.out);
    }

    /// A string member, left out when `None`.
    pub fn opt_str(&mut self, key: &str, value: Option<&str>) {
        if let Some(v) = value {
            self.str(key, v);
        }
    }

    /// A boolean member.
    pub fn bool(&mut self, key: &str, value: bool) {
        self.key(key);
        self.out.push_str(if value { "true" } else { "false" });
    }

    /// An integer member.
    pub fn number(&mut self, key: &str, value: i64) {
        self.key(key);
        crate::text::Piece::put(&value, &mut self.out);
    }

    /// A member holding any JSON value (written from the parsed value, so it is always JSON).
    pub fn json(&mut self, key: &str, value: &Json) {
        self.key(key);
        value.write(&mut self.out);
    }

    /// An object of strings.
    pub fn map(&mut self, key: &str, map: &StringMap) {
        self.object(key, &mut |w| {
            for (k, v) in map {
                w.str(k, v);
            }
        });
    }

    /// An array of strings.
    pub fn strs(&mut self, key: &str, items: &[&str]) {
        self.key(key);
        self.out.push('[');
        for (i, item) in items.iter().enumerate() {
            if i > 0 {
                self.out.push(',');
            }
            write_str(item, &mut self.out);
        }
        self.out.push(']');
    }

    /// A nested object whose members `members` writes.
    pub fn object(&mut self, key: &str, members: &mut dyn FnMut(&mut ObjectWriter)) {
        self.key(key);
        self.nested(members);
    }

    fn nested(&mut self, members: &mut dyn FnMut(&mut ObjectWriter)) {
        let mut inner = ObjectWriter {
            out: core::mem::take(&mut self.out),
            empty: true,
        };
        inner.out.push('{');
        members(&mut inner);
        inner.out.push('}');
        self.out = core::mem::take(&mut inner.out);
    }

    /// An array of `len` objects; `item(i, w)` writes the members of the i-th.
    pub fn array(&mut self, key: &str, len: usize, item: &mut dyn FnMut(usize, &mut ObjectWriter)) {
        self.key(key);
        self.out.push('[');
        for i in 0..len {
            if i > 0 {
                self.out.push(',');
            }
            self.nested(&mut |w| item(i, w));
        }
        self.out.push(']');
    }

    /// The members of `object` (a JSON object another writer finished), after these.
    pub fn splice(&mut self, object: &str) {
        let inner = object.get(1..object.len().saturating_sub(1)).unwrap_or("");
        if !inner.is_empty() {
            if !self.empty {
                self.out.push(',');
            }
            self.empty = false;
            self.out.push_str(inner);
        }
    }

    /// The JSON text.
    pub fn finish(mut self) -> String {
        self.out.push('}');
        core::mem::take(&mut self.out)
    }
}

impl Drop for ObjectWriter {
    /// What was written may hold passwords and tokens: a writer dropped unfinished (its caller
    /// failed half-way) is zeroed.
    fn drop(&mut self) {
        zeroize::Zeroize::zeroize(&mut self.out);
    }
}

/// Why a text is not JSON: what was wrong and the byte offset where it was found.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct SyntaxError {
    /// What was expected or wrong.
    pub what: &'static str,
    /// Byte offset in the input.
    pub offset: usize,
}

impl crate::text::Piece for SyntaxError {
    fn put(&self, out: &mut String) {
        out.push_str(self.what);
        out.push_str(" at byte ");
        crate::text::decimal(self.offset as u64, out);
    }
}

impl core::fmt::Display for SyntaxError {
    fn fmt(&self, f: &mut core::fmt::Formatter<'_>) -> core::fmt::Result {
        f.write_str(&cat!(self))
    }
}

/// Parses one JSON value (surrounded by optional whitespace) from `input`.
pub fn parse(input: &[u8]) -> Result<Json, SyntaxError> {
    let mut p = Parser::new(input);
    let value = p.value(0)?;
    p.skip_ws();
    if p.pos != input.len() {
        return Err(p.error("trailing characters"));
    }
    Ok(value)
}

struct Parser<'a> {
    input: &'a [u8],
    pos: usize,
    /// Values still allowed ([`MAX_VALUES`]).
    budget: usize,
}

impl<'a> Parser<'a> {
    fn new(input: &'a [u8]) -> Self {
        Parser {
            input,
            pos: 0,
            budget: MAX_VALUES,
        }
    }

    fn error(&self, what: &'static str) -> SyntaxError {
        SyntaxError {
            what,
            offset: self.pos,
        }
    }

    fn peek(&self) -> Option<u8> {
        self.input.get(self.pos).copied()
    }

    fn skip_ws(&mut self) {
        while let Some(b' ' | b'\t' | b'\n' | b'\r') = self.peek() {
            self.pos += 1;
        }
    }

    fn literal(&mut self, word: &'static [u8], value: Json) -> Result<Json, SyntaxError> {
        if self.input.get(self.pos..self.pos + word.len()) == Some(word) {
            self.pos += word.len();
            Ok(value)
        } else {
            Err(self.error("invalid literal"))
        }
    }

    fn value(&mut self, depth: usize) -> Result<Json, SyntaxError> {
        self.skip_ws();
        if self.budget == 0 {
            return Err(self.error("too many values"));
        }
        self.budget -= 1;
        match self.peek() {
            None => Err(self.error("unexpected end of input")),
            Some(b'n') => self.literal(b"null", Json::Null),
            Some(b't') => self.literal(b"true", Json::Bool(true)),
            Some(b'f') => self.literal(b"false", Json::Bool(false)),
            Some(b'"') => Ok(Json::String(self.string()?)),
            Some(b'-' | b'0'..=b'9') => self.number(),
            Some(b'[') => {
                if depth >= MAX_DEPTH {
                    return Err(self.error("nested too deeply"));
                }
                self.pos += 1;
                let mut items = Vec::new();
                self.skip_ws();
                if self.peek() == Some(b']') {
                    self.pos += 1;
                    return Ok(Json::Array(items));
                }
                loop {
                    items.push(self.value(depth + 1)?);
                    self.skip_ws();
                    match self.peek() {
                        Some(b',') => self.pos += 1,
                        Some(b']') => {
                            self.pos += 1;
                            return Ok(Json::Array(items));
                        }
                        _ => return Err(self.error("expected , or ]")),
                    }
                }
            }
            Some(b'{') => {
                if depth >= MAX_DEPTH {
                    return Err(self.error("nested too deeply"));
                }
                self.pos += 1;
                let mut members = Vec::new();
                self.skip_ws();
                if self.peek() == Some(b'}') {
                    self.pos += 1;
                    return Ok(Json::Object(members));
                }
                loop {
                    self.skip_ws();
                    if self.peek() != Some(b'"') {
                        return Err(self.error("expected a string key"));
                    }
                    let key = self.string()?;
                    self.skip_ws();
                    if self.peek() != Some(b':') {
                        return Err(self.error("expected :"));
                    }
                    self.pos += 1;
                    members.push((key, self.value(depth + 1)?));
                    self.skip_ws();
                    match self.peek() {
                        Some(b',') => self.pos += 1,
                        Some(b'}') => {
                            self.pos += 1;
                            return Ok(Json::Object(members));
                        }
                        _ => return Err(self.error("expected , or }")),
                    }
                }
            }
            Some(_) => Err(self.error("expected a value")),
        }
    }

    fn digits(&mut self) -> usize {
        let start = self.pos;
        while let Some(b'0'..=b'9') = self.peek() {
            self.pos += 1;
        }
        self.pos - start
    }

    fn number(&mut self) -> Result<Json, SyntaxError> {
        let start = self.pos;
        if self.peek() == Some(b'-') {
            self.pos += 1;
        }
        match self.peek() {
            Some(b'0') => self.pos += 1,
            Some(b'1'..=b'9') => {
                self.digits();
            }
            _ => return Err(self.error("invalid number")),
        }
        if self.peek() == Some(b'.') {
            self.pos += 1;
            if self.digits() == 0 {
                return Err(self.error("invalid number"));
            }
        }
        if let Some(b'e' | b'E') = self.peek() {
            self.pos += 1;
            if let Some(b'+' | b'-') = self.peek() {
                self.pos += 1;
            }
            if self.digits() == 0 {
                return Err(self.error("invalid number"));
            }
        }
        // The grammar above admits only ASCII.
        let text = core::str::from_utf8(&self.input[start..self.pos])
            .map_err(|_| self.error("invalid number"))?;
        Ok(Json::Number(text.into()))
    }

    fn hex4(&mut self) -> Result<u32, SyntaxError> {
        let mut v = 0u32;
        for _ in 0..4 {
            let d = match self.peek() {
                Some(c @ b'0'..=b'9') => c - b'0',
                Some(c @ b'a'..=b'f') => c - b'a' + 10,
                Some(c @ b'A'..=b'F') => c - b'A' + 10,
                _ => return Err(self.error("invalid \\u escape")),
            };
            v = v << 4 | u32::from(d);
            self.pos += 1;
        }
        Ok(v)
    }

    /// A string starting at the opening quote. Its buffer is sized up front (the raw length bounds
    /// the decoded one), so that a token is never left behind in a reallocated buffer.
    fn string(&mut self) -> Result<String, SyntaxError> {
        self.pos += 1;
        let rest = &self.input[self.pos..];
        let mut bound = 0;
        while let Some(&c) = rest.get(bound) {
            match c {
                b'"' => break,
                b'\\' => bound += 2,
                _ => bound += 1,
            }
        }
        // Zeroized when dropped: a string that fails half way may hold part of a token.
        let mut out: Zeroizing<Vec<u8>> = Zeroizing::new(Vec::with_capacity(bound));
        loop {
            let Some(c) = self.peek() else {
                return Err(self.error("unterminated string"));
            };
            self.pos += 1;
            match c {
                b'"' => break,
                b'\\' => {
                    let Some(e) = self.peek() else {
                        return Err(self.error("unterminated string"));
                    };
                    self.pos += 1;
                    let simple = match e {
                        b'"' => b'"',
                        b'\\' => b'\\',
                        b'/' => b'/',
                        b'b' => 8,
                        b'f' => 12,
                        b'n' => b'\n',
                        b'r' => b'\r',
                        b't' => b'\t',
                        b'u' => 0,
                        _ => return Err(self.error("invalid escape")),
                    };
                    if e != b'u' {
                        out.push(simple);
                        continue;
                    }
                    let first = self.hex4()?;
                    let code = match first {
                        0xD800..=0xDBFF => {
                            if self.input.get(self.pos..self.pos + 2) != Some(b"\\u") {
                                return Err(self.error("lone surrogate"));
                            }
                            self.pos += 2;
                            let second = self.hex4()?;
                            if !(0xDC00..=0xDFFF).contains(&second) {
                                return Err(self.error("lone surrogate"));
                            }
                            0x10000 + ((first - 0xD800) << 10) + (second - 0xDC00)
                        }
                        0xDC00..=0xDFFF => return Err(self.error("lone surrogate")),
                        other => other,
                    };
                    let ch =
                        char::from_u32(code).ok_or_else(|| self.error("invalid \\u escape"))?;
                    let mut buf = [0u8; 4];
                    out.extend_from_slice(ch.encode_utf8(&mut buf).as_bytes());
                }
                0..=0x1F => return Err(self.error("control character in a string")),
                _ => out.push(c),
            }
        }
        String::from_utf8(core::mem::take(&mut *out)).map_err(|e| {
            e.into_bytes().zeroize();
            self.error("invalid UTF-8 in a string")
        })
    }
}

/// Why a JSON value does not have the expected shape: which member, and what was expected. Never
/// holds the value itself (it may be a token).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ShapeError {
    /// The member, e.g. `AuthenticationResult.AccessToken`.
    pub field: String,
    /// What it should have been.
    pub expected: &'static str,
}

impl crate::text::Piece for ShapeError {
    fn put(&self, out: &mut String) {
        out.push_str(&self.field);
        out.push_str(": expected ");
        out.push_str(self.expected);
    }
}

impl core::fmt::Display for ShapeError {
    fn fmt(&self, f: &mut core::fmt::Formatter<'_>) -> core::fmt::Result {
        f.write_str(&cat!(self))
    }
}

fn shape(field: &str, expected: &'static str) -> ShapeError {
    ShapeError {
        field: bounded_name(field),
        expected,
    }
}

/// The integer a JSON number's text is, when it is one within `i64` (no fraction or exponent):
/// what `str::parse::<i64>` gives for the JSON number syntax, without core's integer parser.
fn integer(text: &str) -> Option<i64> {
    let (negative, digits) = match text.as_bytes() {
        [b'-', rest @ ..] => (true, rest),
        all => (false, all),
    };
    if digits.is_empty() {
        return None;
    }
    let mut value: i64 = 0;
    for &d in digits {
        if !d.is_ascii_digit() {
            return None;
        }
        // Accumulated negatively, so that i64::MIN is reached too.
        value = value.checked_mul(10)?.checked_sub(i64::from(d - b'0'))?;
    }
    if negative {
        Some(value)
    } else {
        value.checked_neg()
    }
}

/// A member name for an error message, cut at [`MAX_NAME_IN_ERROR`] characters.
fn bounded_name(name: &str) -> String {
    // Bytewise (a character starts at every byte that is not 0b10xx_xxxx) and cut with `get`:
    // slicing brings core's panic message machinery into the wasm, `chars()` its decoder.
    let mut cut = name.len();
    let mut chars = 0;
    for (i, b) in name.bytes().enumerate() {
        if b & 0xc0 != 0x80 {
            if chars == MAX_NAME_IN_ERROR {
                cut = i;
                break;
            }
            chars += 1;
        }
    }
    let mut short = String::from(name.get(..cut).unwrap_or(name));
    if short.len() < name.len() {
        short.push('…');
    }
    short
}

/// Types read from a JSON value.
pub trait FromJson: Sized {
    /// Reads `value`, or says which member has the wrong shape.
    fn from_json(value: Json) -> Result<Self, ShapeError>;
}

/// Reads typed members out of an object, taking ownership of each (so secrets are moved, not
/// copied). Unknown members are ignored; a member given twice is an error, as serde's derive has it.
pub struct Fields {
    members: Vec<(String, Json)>,
}

impl Fields {
    /// The members of `value`, which must be an object.
    pub fn of(value: Json) -> Result<Fields, ShapeError> {
        match value {
            Json::Object(members) => Ok(Fields { members }),
            _ => Err(shape("(value)", "an object")),
        }
    }

    /// Takes member `key`: `None` when absent or `null`.
    pub fn take(&mut self, key: &str) -> Result<Option<Json>, ShapeError> {
        let Some(i) = self.members.iter().position(|(k, _)| k == key) else {
            return Ok(None);
        };
        let (_, mut value) = self.members.swap_remove(i);
        if self.members.iter().any(|(k, _)| k == key) {
            wipe(&mut value);
            return Err(shape(key, "one member of this name (duplicate)"));
        }
        Ok(match value {
            Json::Null => None,
            v => Some(v),
        })
    }

    /// Takes member `key`, checked to be what `want` says ([`Slots::of`] reads with the same check).
    pub fn want(&mut self, key: &str, want: Want) -> Result<Option<Json>, ShapeError> {
        let mut value = self.take(key)?;
        match unlike(&value, want) {
            None => Ok(value),
            Some(expected) => {
                if let Some(v) = &mut value {
                    wipe(v);
                }
                Err(shape(key, expected))
            }
        }
    }

    /// An optional string.
    pub fn opt_str(&mut self, key: &str) -> Result<Option<String>, ShapeError> {
        Ok(self.want(key, Want::OptStr)?.and_then(into_string))
    }

    /// A required string.
    pub fn str(&mut self, key: &str) -> Result<String, ShapeError> {
        Ok(self
            .want(key, Want::Str)?
            .and_then(into_string)
            .unwrap_or_default())
    }

    /// An optional boolean.
    pub fn opt_bool(&mut self, key: &str) -> Result<Option<bool>, ShapeError> {
        Ok(self
            .want(key, Want::OptBool)?
            .map(|v| v == Json::Bool(true)))
    }

    /// A required boolean.
    pub fn req_bool(&mut self, key: &str) -> Result<bool, ShapeError> {
        Ok(self.want(key, Want::Bool)? == Some(Json::Bool(true)))
    }

    /// An optional integer (no fraction, no exponent).
    pub fn opt_i64(&mut self, key: &str) -> Result<Option<i64>, ShapeError> {
        Ok(self.want(key, Want::OptInt)?.and_then(|v| v.as_i64()))
    }

    /// An optional finite number (serde_json refused the ones beyond `f64`'s range too).
    pub fn opt_f64(&mut self, key: &str) -> Result<Option<f64>, ShapeError> {
        Ok(self.want(key, Want::OptNum)?.and_then(|v| v.as_f64()))
    }

    /// An optional nested value.
    pub fn opt<T: FromJson>(&mut self, key: &str) -> Result<Option<T>, ShapeError> {
        match self.take(key)? {
            None => Ok(None),
            Some(v) => T::from_json(v).map(Some).map_err(|e| nested(key, e)),
        }
    }

    /// A required nested value.
    pub fn req<T: FromJson>(&mut self, key: &str) -> Result<T, ShapeError> {
        self.opt(key)?.ok_or_else(|| shape(key, "an object"))
    }

    /// An array (absent is empty).
    pub fn list<T: FromJson>(&mut self, key: &str) -> Result<Vec<T>, ShapeError> {
        match self.take(key)? {
            None => Ok(Vec::new()),
            Some(Json::Array(items)) => list_of(items, key),
            Some(_) => Err(shape(key, "an array")),
        }
    }

    /// An object of strings (absent is empty).
    pub fn string_map(&mut self, key: &str) -> Result<StringMap, ShapeError> {
        match self.take(key)? {
            None => Ok(StringMap::new()),
            Some(v) => string_map(v).map_err(|e| nested(key, e)),
        }
    }
}

/// Each item of an array member `key` as a `T`, or the first item's error. The loop is [`each`],
/// not generic: one copy per item type was 0.5 KB of the wasm (66 B brotli less for the five).
fn list_of<T: FromJson>(items: Vec<Json>, key: &str) -> Result<Vec<T>, ShapeError> {
    let mut out = Vec::with_capacity(items.len());
    each(items, key, &mut |v| {
        out.push(T::from_json(v)?);
        Ok(())
    })?;
    Ok(out)
}

/// The loop of [`list_of`], once for every item type: each item to `read`, the first error named
/// after `key`.
#[inline(never)]
fn each(
    items: Vec<Json>,
    key: &str,
    read: &mut dyn FnMut(Json) -> Result<(), ShapeError>,
) -> Result<(), ShapeError> {
    for v in items {
        read(v).map_err(|e| nested(key, e))?;
    }
    Ok(())
}

/// What a member read by [`Slots::of`] must be.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Want {
    /// A string.
    Str,
    /// A string, or absent.
    OptStr,
    /// A boolean.
    Bool,
    /// A boolean, or absent.
    OptBool,
    /// An integer (no fraction, no exponent), or absent.
    OptInt,
    /// A finite number, or absent.
    OptNum,
    /// An array, or absent.
    List,
    /// Any value, read further by the caller ([`Slots::opt`], [`Slots::map`]), or absent.
    Any,
}

/// The members of an object that a reader names in a table, taken out in one pass and each checked
/// as its [`Want`] says — by [`Fields::want`], as [`Fields`]' typed readers are — with one
/// non-generic pass for every reply type instead of a call and an error path per member. The
/// reader then moves each value out by its index; whatever it does not take (and the members it
/// did not name) is zeroed when dropped.
pub struct Slots<'a> {
    wants: &'a [(&'a str, Want)],
    values: Vec<Option<Json>>,
}

impl<'a> Slots<'a> {
    /// Takes the members `wants` names out of `value`, which must be an object.
    pub fn of(value: Json, wants: &'a [(&'a str, Want)]) -> Result<Slots<'a>, ShapeError> {
        let mut fields = Fields::of(value)?;
        let mut slots = Slots {
            wants,
            values: Vec::with_capacity(wants.len()),
        };
        for &(key, want) in wants {
            let value = fields.take(key)?;
            let wrong = unlike(&value, want);
            // Kept before the check: a refused value is zeroed with the rest.
            slots.values.push(value);
            if let Some(expected) = wrong {
                return Err(shape(key, expected));
            }
        }
        Ok(slots)
    }

    /// The value of member `i`, moved out.
    pub fn value(&mut self, i: usize) -> Option<Json> {
        self.values.get_mut(i).and_then(Option::take)
    }

    /// A string member (`Str`, `OptStr`).
    pub fn text(&mut self, i: usize) -> Option<String> {
        self.value(i).and_then(into_string)
    }

    /// A required string member (`Str`: never empty-handed after [`Slots::of`]).
    pub fn string(&mut self, i: usize) -> String {
        self.text(i).unwrap_or_default()
    }

    /// A boolean member (`Bool`, `OptBool`: absent is false).
    pub fn flag(&mut self, i: usize) -> bool {
        matches!(self.value(i), Some(Json::Bool(true)))
    }

    /// An integer member (`OptInt`).
    pub fn int(&mut self, i: usize) -> Option<i64> {
        self.value(i).and_then(|v| v.as_i64())
    }

    /// A number member (`OptNum`).
    pub fn num(&mut self, i: usize) -> Option<f64> {
        self.value(i).and_then(|v| v.as_f64())
    }

    fn key(&self, i: usize) -> &str {
        self.wants.get(i).map_or("", |w| w.0)
    }

    /// A nested value (`Any`), or absent.
    pub fn opt<T: FromJson>(&mut self, i: usize) -> Result<Option<T>, ShapeError> {
        match self.value(i) {
            None => Ok(None),
            Some(v) => T::from_json(v)
                .map(Some)
                .map_err(|e| nested(self.key(i), e)),
        }
    }

    /// A nested value (`Any`) that must be there.
    pub fn req<T: FromJson>(&mut self, i: usize) -> Result<T, ShapeError> {
        self.opt(i)?.ok_or_else(|| shape(self.key(i), "an object"))
    }

    /// An array member (`List`) of nested values (absent is empty).
    pub fn list<T: FromJson>(&mut self, i: usize) -> Result<Vec<T>, ShapeError> {
        match self.value(i) {
            Some(Json::Array(items)) => list_of(items, self.key(i)),
            _ => Ok(Vec::new()),
        }
    }

    /// An object of strings (`Any`; absent is empty).
    pub fn map(&mut self, i: usize) -> Result<StringMap, ShapeError> {
        match self.value(i) {
            None => Ok(StringMap::new()),
            Some(v) => string_map(v).map_err(|e| nested(self.key(i), e)),
        }
    }
}

/// What a member must be when it is not what `want` says (absent counts as a value only where it
/// is required): the one rule of [`Fields::want`] and [`Slots::of`].
#[inline]
fn unlike(value: &Option<Json>, want: Want) -> Option<&'static str> {
    match (value, want) {
        (None, Want::Str) => Some("a string"),
        (None, Want::Bool) => Some("a boolean"),
        (None, _) | (Some(_), Want::Any) => None,
        (Some(Json::String(_)), Want::Str | Want::OptStr) => None,
        (Some(_), Want::Str | Want::OptStr) => Some("a string"),
        (Some(Json::Bool(_)), Want::Bool | Want::OptBool) => None,
        (Some(_), Want::Bool | Want::OptBool) => Some("a boolean"),
        (Some(Json::Number(text)), Want::OptInt) if integer(text).is_some() => None,
        (Some(_), Want::OptInt) => Some("an integer"),
        (Some(n @ Json::Number(_)), Want::OptNum) if n.as_f64().is_some_and(f64::is_finite) => None,
        (Some(_), Want::OptNum) => Some("a number"),
        (Some(Json::Array(_)), Want::List) => None,
        (Some(_), Want::List) => Some("an array"),
    }
}

/// The text of a string value.
fn into_string(value: Json) -> Option<String> {
    match value {
        Json::String(s) => Some(s),
        _ => None,
    }
}

impl Drop for Slots<'_> {
    fn drop(&mut self) {
        for value in self.values.iter_mut().flatten() {
            wipe(value);
        }
    }
}

/// What was not taken out of a reply (unknown members, the rest after an error) may hold tokens:
/// it is zeroized, not just freed.
impl Drop for Fields {
    fn drop(&mut self) {
        for (k, v) in &mut self.members {
            k.zeroize();
            wipe(v);
        }
    }
}

/// Zeroizes the text of a value (nesting is bounded by [`MAX_DEPTH`], so the recursion is too).
pub(crate) fn wipe(value: &mut Json) {
    match value {
        Json::String(s) | Json::Number(s) => s.zeroize(),
        Json::Array(items) => items.iter_mut().for_each(wipe),
        Json::Object(members) => {
            for (k, v) in members {
                k.zeroize();
                wipe(v);
            }
        }
        Json::Null | Json::Bool(_) => {}
    }
}

fn nested(key: &str, inner: ShapeError) -> ShapeError {
    let mut field = bounded_name(key);
    if inner.field != "(value)" {
        field.push('.');
        field.push_str(&inner.field);
    }
    ShapeError {
        field,
        expected: inner.expected,
    }
}

/// An object whose members are all strings, as a map (a later duplicate wins).
pub fn string_map(value: Json) -> Result<StringMap, ShapeError> {
    let Json::Object(members) = value else {
        return Err(shape("(value)", "an object of strings"));
    };
    if members.len() > MAX_MAP_ENTRIES {
        return Err(shape("(value)", "an object of at most 1024 strings"));
    }
    let mut map = StringMap::new();
    for (k, v) in members {
        match v {
            Json::String(s) => map.insert(k, s),
            _ => return Err(shape(&k, "a string")),
        };
    }
    Ok(map)
}

/// The string members of `members` (others are skipped, and any beyond [`MAX_MAP_ENTRIES`]), as a
/// map (a later duplicate wins).
pub fn string_members(members: Vec<(String, Json)>) -> StringMap {
    let mut map = StringMap::new();
    for (k, v) in members.into_iter().take(MAX_MAP_ENTRIES) {
        if let Json::String(s) = v {
            map.insert(k, s);
        }
    }
    map
}

impl FromJson for String {
    fn from_json(value: Json) -> Result<Self, ShapeError> {
        match value {
            Json::String(s) => Ok(s),
            _ => Err(shape("(value)", "a string")),
        }
    }
}

/// In the browser numbers are read by the engine's `parseFloat`: the same values as `str::parse`.
#[cfg(all(test, target_arch = "wasm32"))]
mod wasm_tests {
    use super::*;
    use wasm_bindgen_test::wasm_bindgen_test;
    wasm_bindgen_test::wasm_bindgen_test_configure!(run_in_browser);

    #[wasm_bindgen_test]
    fn numbers_read_like_str_parse() {
        for text in [
            "0",
            "-0",
            "1",
            "1.5",
            "-2.5e3",
            "1.700000000123E9",
            "1726147200.123",
            "0.1",
            "123456789012345678901234567890",
            "4.9e-324",
            "1e400",
            "2.2250738585072011e-308",
        ] {
            let ours = parse(text.as_bytes()).unwrap().as_f64().unwrap();
            let expected: f64 = text.parse().unwrap();
            assert_eq!(ours.to_bits(), expected.to_bits(), "{text}");
        }
        assert_eq!(parse(b"1.7e9").unwrap().as_i64(), Some(1_700_000_000));
    }
}

// Native only: proptest and serde_json (the independent parser) are native dev-dependencies.
#[cfg(all(test, not(target_arch = "wasm32")))]
mod tests {
    use super::*;
    use alloc::string::ToString;
    use proptest::prelude::*;

    #[test]
    fn reads_every_kind_of_value() {
        let v = parse(br#" {"a": [1, -2.5e3, true, false, null], "b": "x\"\\\/\b\f\n\r\t\u00e9\ud83d\ude00", "c": {}} "#).unwrap();
        assert_eq!(
            v.get("a"),
            Some(&Json::Array(alloc::vec![
                Json::Number("1".into()),
                Json::Number("-2.5e3".into()),
                Json::Bool(true),
                Json::Bool(false),
                Json::Null
            ]))
        );
        assert_eq!(
            v.get("b").and_then(Json::as_str),
            Some("x\"\\/\u{8}\u{c}\n\r\té😀")
        );
        assert_eq!(v.get("c"), Some(&Json::Object(Vec::new())));
    }

    #[test]
    fn refuses_what_is_not_json() {
        for bad in [
            &b""[..],
            b" ",
            b"{",
            b"[1,]",
            b"{\"a\":1,}",
            b"{a:1}",
            b"01",
            b"1.",
            b".5",
            b"-",
            b"1e",
            b"+1",
            b"nul",
            b"\"abc",
            b"\"\\x\"",
            b"\"\\ud800\"",
            b"\"\\udc00\"",
            b"\"\\ud800\\u0041\"",
            b"\"\\u12\"",
            b"\"a\nb\"",
            b"\"\xff\"",
            b"{} x",
            b"[1] [2]",
        ] {
            assert!(parse(bad).is_err(), "{:?}", String::from_utf8_lossy(bad));
        }
        let deep = "[".repeat(MAX_DEPTH + 1) + &"]".repeat(MAX_DEPTH + 1);
        assert_eq!(
            parse(deep.as_bytes()).unwrap_err().what,
            "nested too deeply"
        );
        let ok = "[".repeat(MAX_DEPTH) + &"]".repeat(MAX_DEPTH);
        assert!(parse(ok.as_bytes()).is_ok());
    }

    #[test]
    fn numbers_read_as_integers_and_floats() {
        let n = |t: &str| parse(t.as_bytes()).unwrap();
        assert_eq!(n("1700000000").as_i64(), Some(1_700_000_000));
        assert_eq!(n("1.7e9").as_i64(), Some(1_700_000_000));
        assert_eq!(n("1e300").as_i64(), None);
        assert_eq!(n("-0.5").as_f64(), Some(-0.5));
        let mut f = Fields::of(parse(br#"{"i":3600,"f":3.5,"s":"x"}"#).unwrap()).unwrap();
        assert_eq!(f.opt_i64("i"), Ok(Some(3600)));
        assert!(
            f.opt_i64("f").is_err(),
            "an integer field refuses a fraction"
        );
        assert!(f.opt_f64("s").is_err());
    }

    #[test]
    fn fields_take_members_and_name_the_failing_one() {
        let v =
            parse(br#"{"A":"a","N":null,"L":[{"K":"v"}],"M":{"x":"1"},"D":"1","D":"2"}"#).unwrap();
        let mut f = Fields::of(v).unwrap();
        assert_eq!(f.str("A").unwrap(), "a");
        assert_eq!(f.opt_str("N").unwrap(), None);
        assert_eq!(f.opt_str("Missing").unwrap(), None);
        assert!(f.str("Missing").is_err());
        assert_eq!(
            f.string_map("M").unwrap().get("x").map(String::as_str),
            Some("1")
        );
        assert!(f.take("D").is_err(), "a duplicate member is refused");
        struct K(String);
        impl FromJson for K {
            fn from_json(value: Json) -> Result<Self, ShapeError> {
                Ok(K(Fields::of(value)?.str("K")?))
            }
        }
        assert_eq!(f.list::<K>("L").unwrap()[0].0, "v");
        let mut g = Fields::of(parse(br#"{"L":[{"K":1}]}"#).unwrap()).unwrap();
        let e = g.list::<K>("L").err().unwrap();
        assert_eq!(e.to_string(), "L.K: expected a string");
        assert!(Fields::of(Json::Null).is_err());
    }

    #[test]
    fn slots_check_each_member_as_fields_did_and_name_the_failing_one() {
        const WANTS: &[(&str, Want)] = &[
            ("S", Want::Str),
            ("O", Want::OptStr),
            ("B", Want::Bool),
            ("I", Want::OptInt),
            ("F", Want::OptNum),
            ("L", Want::List),
            ("M", Want::Any),
        ];
        let v = parse(br#"{"S":"s","B":true,"I":7,"F":1.5,"L":["a"],"M":{"x":"1"},"X":"unread"}"#)
            .unwrap();
        let mut s = Slots::of(v, WANTS).unwrap();
        assert_eq!(s.list::<String>(5).unwrap(), ["a"]);
        assert_eq!(s.map(6).unwrap().get("x").map(String::as_str), Some("1"));
        assert_eq!(
            (s.string(0), s.text(1), s.flag(2), s.int(3), s.num(4)),
            ("s".to_string(), None, true, Some(7), Some(1.5))
        );
        // Each member of the wrong kind (or a required one missing) is named with what it must be.
        for (text, message) in [
            (r#"{"B":true}"#, "S: expected a string"),
            (r#"{"S":1,"B":true}"#, "S: expected a string"),
            (r#"{"S":"s","O":[],"B":true}"#, "O: expected a string"),
            (r#"{"S":"s"}"#, "B: expected a boolean"),
            (r#"{"S":"s","B":true,"I":1.5}"#, "I: expected an integer"),
            (r#"{"S":"s","B":true,"F":"1"}"#, "F: expected a number"),
            (r#"{"S":"s","B":true,"L":{}}"#, "L: expected an array"),
            (
                r#"{"S":"s","S":"t","B":true}"#,
                "S: expected one member of this name (duplicate)",
            ),
            ("[]", "(value): expected an object"),
        ] {
            let e = Slots::of(parse(text.as_bytes()).unwrap(), WANTS)
                .err()
                .unwrap();
            assert_eq!(cat!(e), message, "{text}");
        }
        // Nested values are named by their path; null is absent.
        let v = parse(br#"{"S":"s","B":false,"L":[1],"M":{"x":2},"O":null}"#).unwrap();
        let mut s = Slots::of(v, WANTS).unwrap();
        assert_eq!(s.text(1), None);
        assert_eq!(
            cat!(s.list::<String>(5).err().unwrap()),
            "L: expected a string"
        );
        assert_eq!(cat!(s.map(6).err().unwrap()), "M.x: expected a string");
        assert_eq!(
            cat!(s.req::<String>(4).err().unwrap()),
            "F: expected an object"
        );
    }

    #[test]
    fn writing_round_trips() {
        let text = r#"{"a":[1,-2.5e3,true,false,null],"b":"q\"\\\n\r\t\u0001é😀","c":{}}"#;
        let v = parse(text.as_bytes()).unwrap();
        let mut out = String::new();
        v.write(&mut out);
        assert_eq!(out, text);
        assert_eq!(parse(out.as_bytes()).unwrap(), v);
    }

    #[test]
    fn object_writer_writes_every_kind_of_member() {
        let mut map = StringMap::new();
        map.insert("B".to_string(), "2".to_string());
        map.insert("A".to_string(), "1\"".to_string());
        let mut w = ObjectWriter::new();
        w.str("S", "x\ny");
        w.opt_str("Absent", None);
        w.opt_str("Present", Some("p"));
        w.bool("T", true);
        w.number("N", -42);
        w.map("M", &map);
        w.strs("L", &["a", "b"]);
        w.array("O", 2, &mut |i, w| w.number("I", i as i64));
        w.object("E", &mut |_| {});
        let text = w.finish();
        assert_eq!(
            text,
            r#"{"S":"x\ny","Present":"p","T":true,"N":-42,"M":{"A":"1\"","B":"2"},"L":["a","b"],"O":[{"I":0},{"I":1}],"E":{}}"#
        );
        assert!(serde_json::from_str::<serde_json::Value>(&text).is_ok());
        assert_eq!(ObjectWriter::new().finish(), "{}");
    }

    #[test]
    fn duplicates_read_last_like_json_parse() {
        let v = parse(br#"{"exp":1,"sub":"a","exp":2}"#).unwrap();
        assert_eq!(v.get("exp").and_then(Json::as_i64), Some(2));
        assert_eq!(v.get("sub").and_then(Json::as_str), Some("a"));
        let mut fields = Fields::of(v).unwrap();
        assert_eq!(fields.take("exp").unwrap_err().field, "exp");
    }

    #[test]
    fn hostile_sizes_are_refused() {
        let mut many = String::from("[");
        for i in 0..MAX_VALUES {
            if i > 0 {
                many.push(',');
            }
            many.push('0');
        }
        many.push(']');
        // The array itself is one value: MAX_VALUES zeros inside it is one too many.
        assert_eq!(parse(many.as_bytes()).unwrap_err().what, "too many values");
        let fits = cat!("[", &many[1..many.len() - 3], "]");
        assert!(parse(fits.as_bytes()).is_ok());

        let mut members = Vec::new();
        for i in 0..=MAX_MAP_ENTRIES {
            members.push((cat!("k", i), Json::String(String::new())));
        }
        let err = string_map(Json::Object(members.clone())).unwrap_err();
        assert_eq!(err.expected, "an object of at most 1024 strings");
        assert_eq!(string_members(members).len(), MAX_MAP_ENTRIES);

        let long_name = "n".repeat(10_000);
        let err = string_map(Json::Object(alloc::vec![(long_name, Json::Null)])).unwrap_err();
        assert_eq!(err.field.chars().count(), MAX_NAME_IN_ERROR + 1);
        // Cut at a character, not a byte: multi-byte names keep whole characters.
        for name in [
            "é".repeat(10_000),
            "𝄞".repeat(MAX_NAME_IN_ERROR + 1),
            "a€".repeat(MAX_NAME_IN_ERROR),
        ] {
            let short = bounded_name(&name);
            let expected: String = name.chars().take(MAX_NAME_IN_ERROR).chain(['…']).collect();
            assert_eq!(short, expected);
        }
        assert_eq!(
            bounded_name("ü".repeat(MAX_NAME_IN_ERROR).as_str()),
            "ü".repeat(MAX_NAME_IN_ERROR)
        );
        assert!(err.field.ends_with('…'));
    }

    #[test]
    fn numbers_beyond_f64_are_not_read_as_infinity() {
        let mut fields = Fields::of(parse(br#"{"D":1e400,"E":-1e400,"F":1.5}"#).unwrap()).unwrap();
        assert_eq!(fields.opt_f64("D").unwrap_err().field, "D");
        assert_eq!(fields.opt_f64("E").unwrap_err().field, "E");
        assert_eq!(fields.opt_f64("F"), Ok(Some(1.5)));
    }

    #[test]
    fn hand_built_numbers_cannot_inject_text() {
        let v = Json::Object(alloc::vec![
            ("a".into(), Json::Number("1,\"admin\":true".into())),
            ("b".into(), Json::Number("-0.5e+3".into())),
        ]);
        let mut out = String::new();
        v.write(&mut out);
        assert_eq!(out, r#"{"a":null,"b":-0.5e+3}"#);
    }

    /// `s` with every character written as `\uXXXX` (a surrogate pair above U+FFFF), hex in one case.
    fn unicode_escaped(s: &str, upper: bool) -> String {
        let mut out = String::from("\"");
        for unit in s.encode_utf16() {
            let hex = alloc::format!("{unit:04x}");
            out.push_str("\\u");
            out.push_str(&if upper { hex.to_uppercase() } else { hex });
        }
        out.push('"');
        out
    }

    fn arb_json() -> impl Strategy<Value = Json> {
        let leaf = prop_oneof![
            Just(Json::Null),
            any::<bool>().prop_map(Json::Bool),
            any::<i64>().prop_map(|n| Json::Number(n.to_string())),
            (-1e9f64..1e9).prop_map(|f| Json::Number(alloc::format!("{f:e}"))),
            any::<String>().prop_map(Json::String),
        ];
        leaf.prop_recursive(4, 32, 6, |inner| {
            prop_oneof![
                proptest::collection::vec(inner.clone(), 0..6).prop_map(Json::Array),
                proptest::collection::vec((any::<String>(), inner), 0..6).prop_map(Json::Object),
            ]
        })
    }

    #[test]
    fn integers_at_the_edges_of_i64() {
        for text in [
            "-9223372036854775808",
            "9223372036854775807",
            "9223372036854775808",
            "-9223372036854775809",
            "-0",
            "0",
            "-",
            "",
            "1.0",
            "1e3",
        ] {
            assert_eq!(integer(text), text.parse::<i64>().ok(), "{text}");
        }
    }

    proptest! {
        #[test]
        fn integers_read_as_core_parses_them(n in any::<i64>(), text in "-?[0-9]{1,21}(\\.[0-9]{1,3})?([eE][+-]?[0-9]{1,3})?") {
            prop_assert_eq!(integer(&n.to_string()), Some(n));
            prop_assert_eq!(integer(&text), text.parse::<i64>().ok());
        }

        #[test]
        fn never_panics_on_arbitrary_bytes(bytes in proptest::collection::vec(any::<u8>(), 0..256)) {
            let _ = parse(&bytes);
        }

        #[test]
        fn never_panics_on_json_like_text(text in "[\\[\\]{}\",:\\\\u0-9a-fA-Ftrunlsebr .eE+-]{0,64}") {
            let _ = parse(text.as_bytes());
        }

        /// The same verdict as serde_json on JSON-like text, and the same value when both accept
        /// (numbers beyond f64, which serde_json refuses and this reader keeps as text, aside).
        #[test]
        fn agrees_with_serde_json(text in "[\\[\\]{}\",:\\\\u0-9a-fA-Ftrunlsebr .eE+-]{0,48}") {
            let ours = parse(text.as_bytes());
            let theirs = serde_json::from_str::<serde_json::Value>(&text);
            if let Err(e) = &theirs {
                prop_assume!(!e.to_string().contains("out of range"));
            }
            prop_assert_eq!(ours.is_ok(), theirs.is_ok(), "{:?}: ours {:?}, serde_json {:?}", text, ours, theirs);
            if let (Ok(ours), Ok(theirs)) = (ours, theirs) {
                let mut out = String::new();
                ours.write(&mut out);
                prop_assert_eq!(serde_json::from_str::<serde_json::Value>(&out).unwrap(), theirs);
            }
        }

        #[test]
        fn unicode_escapes_read_back(s in any::<String>(), upper in any::<bool>()) {
            let text = unicode_escaped(&s, upper);
            prop_assert_eq!(parse(text.as_bytes()), Ok(Json::String(s)));
        }

        #[test]
        fn written_values_parse_back(value in arb_json()) {
            let mut out = String::new();
            value.write(&mut out);
            prop_assert_eq!(parse(out.as_bytes()), Ok(value.clone()));
            // An independent parser (serde_json, a dev-dependency) accepts what is written.
            prop_assert!(serde_json::from_str::<serde_json::Value>(&out).is_ok(), "{}", out);
        }

        #[test]
        fn written_objects_agree_with_serde_json(pairs in proptest::collection::btree_map(any::<String>(), any::<String>(), 0..6)) {
            let mut w = ObjectWriter::new();
            w.map("M", &pairs.clone().into_iter().collect());
            let theirs: serde_json::Value = serde_json::from_str(&w.finish()).unwrap();
            let expected: serde_json::Map<String, serde_json::Value> = pairs
                .iter()
                .map(|(k, v)| (k.clone(), serde_json::Value::String(v.clone())))
                .collect();
            prop_assert_eq!(&theirs["M"], &serde_json::Value::Object(expected));
        }

        #[test]
        fn strings_agree_with_serde_json(s in any::<String>()) {
            let mut out = String::new();
            write_str(&s, &mut out);
            let theirs: String = serde_json::from_str(&out).unwrap();
            prop_assert_eq!(&theirs, &s);
            let escaped = serde_json::to_string(&s).unwrap();
            prop_assert_eq!(parse(escaped.as_bytes()), Ok(Json::String(s)));
        }
    }
}
