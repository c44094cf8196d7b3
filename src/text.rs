//! Messages and addresses built from static text and values without `core::fmt`: [`cat!`] appends
//! each piece in turn. `format!` builds an argument table and runs the formatting machinery for
//! texts that are only ever pieces put end to end; replacing it took 309 B brotli off the package's
//! wasm, and once the package's wasm left std (whose panic handler formatted) `core::fmt` left it
//! almost entirely.

use alloc::string::String;

/// A piece of a message: text, or a number written in decimal.
pub(crate) trait Piece {
    /// Appends the piece to `out`.
    fn put(&self, out: &mut String);
}

impl Piece for str {
    fn put(&self, out: &mut String) {
        out.push_str(self);
    }
}

impl Piece for String {
    fn put(&self, out: &mut String) {
        out.push_str(self);
    }
}

impl<T: Piece + ?Sized> Piece for &T {
    fn put(&self, out: &mut String) {
        (**self).put(out);
    }
}

macro_rules! unsigned {
    ($($t:ty),*) => {$(
        impl Piece for $t {
            fn put(&self, out: &mut String) {
                decimal(u64::from(*self), out);
            }
        }
    )*};
}

unsigned!(u8, u16, u32, u64);

impl Piece for usize {
    fn put(&self, out: &mut String) {
        decimal(*self as u64, out);
    }
}

impl Piece for i64 {
    fn put(&self, out: &mut String) {
        if *self < 0 {
            out.push('-');
        }
        decimal(self.unsigned_abs(), out);
    }
}

/// `n` in decimal.
#[inline(never)]
pub(crate) fn decimal(mut n: u64, out: &mut String) {
    let mut digits = [0u8; 20];
    let mut start = digits.len();
    loop {
        start -= 1;
        digits[start] = b'0' + (n % 10) as u8;
        n /= 10;
        if n == 0 {
            break;
        }
    }
    for &d in &digits[start..] {
        out.push(char::from(d));
    }
}

/// The pieces put end to end, as a new `String`: `cat!("HTTP ", status, ": ", detail)`.
macro_rules! cat {
    ($($piece:expr),+ $(,)?) => {{
        let mut text = alloc::string::String::new();
        $( $crate::text::Piece::put(&$piece, &mut text); )+
        text
    }};
}

pub(crate) use cat;

/// The parts of `text` between the bytes `sep` (an ASCII byte, so every part is UTF-8). Bytewise
/// rather than `str::split`, whose pattern machinery is kilobytes of wasm.
pub(crate) fn pieces(text: &str, sep: u8) -> impl Iterator<Item = &str> {
    text.as_bytes()
        .split(move |b| *b == sep)
        .map(|p| core::str::from_utf8(p).unwrap_or(""))
}

/// `text` up to the first `sep`, and what follows it (without `sep`).
pub(crate) fn cut(text: &str, sep: u8) -> (&str, Option<&str>) {
    match text.bytes().position(|b| b == sep) {
        Some(i) => (
            text.get(..i).unwrap_or(""),
            Some(text.get(i + 1..).unwrap_or("")),
        ),
        None => (text, None),
    }
}

/// How [`escape_into`] writes a byte that cannot stand as it is.
#[derive(Clone, Copy, PartialEq, Eq)]
pub(crate) enum Escape {
    /// A JSON string's content: `\"`, `\\`, `\n`, `\r`, `\t`, other controls `\u00XX`.
    Json,
    /// Text shown in a message: controls and DEL as `\u00XX`, everything else as it is.
    Printable,
    /// A quoted value in a message: `\"`, `\\`, controls and DEL as `\xXX`.
    Quoted,
}

/// Appends `text` to `out` with the bytes `mode` escapes written as escapes. Bytewise, copying the
/// runs in between whole: every escaped byte is ASCII, so a run is UTF-8, and core's char decoder
/// and encoder stay out of the wasm.
pub(crate) fn escape_into(text: &str, out: &mut String, mode: Escape) {
    const HEX: &[u8; 16] = b"0123456789abcdef";
    let mut start = 0;
    for (i, &b) in text.as_bytes().iter().enumerate() {
        let quote = (b == b'"' || b == b'\\') && mode != Escape::Printable;
        let control = b < 0x20 || (b == 0x7f && mode != Escape::Json);
        if !quote && !control {
            continue;
        }
        out.push_str(text.get(start..i).unwrap_or(""));
        start = i + 1;
        out.push('\\');
        let short = match (mode, b) {
            (_, b'"' | b'\\') => b,
            (Escape::Json, b'\n') => b'n',
            (Escape::Json, b'\r') => b'r',
            (Escape::Json, b'\t') => b't',
            _ => 0,
        };
        if short != 0 {
            out.push(char::from(short));
            continue;
        }
        out.push_str(if mode == Escape::Quoted { "x" } else { "u00" });
        out.push(char::from(HEX[usize::from(b >> 4)]));
        out.push(char::from(HEX[usize::from(b & 15)]));
    }
    out.push_str(text.get(start..).unwrap_or(""));
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn pieces_are_put_end_to_end() {
        let owned = String::from("owned");
        assert_eq!(
            cat!("a", owned, 0u8, '-'.to_string(), 65_535u16),
            "aowned0-65535"
        );
        assert_eq!(
            cat!(u64::MAX, " ", i64::MIN, " ", 0i64, " ", -7i64),
            "18446744073709551615 -9223372036854775808 0 -7"
        );
        assert_eq!(
            cat!(4_294_967_295u32, "/", 10usize, "/", &"ref"),
            "4294967295/10/ref"
        );
    }

    #[test]
    fn escapes_by_mode_and_keeps_the_runs_between() {
        let text = "a\"b\\c\nd\re\tf\u{1}g\u{7f}é€𝄞";
        let written = |mode| {
            let mut out = String::from(">");
            escape_into(text, &mut out, mode);
            out
        };
        assert_eq!(
            written(Escape::Json),
            ">a\\\"b\\\\c\\nd\\re\\tf\\u0001g\u{7f}é€𝄞"
        );
        assert_eq!(
            written(Escape::Printable),
            ">a\"b\\c\\u000ad\\u000de\\u0009f\\u0001g\\u007fé€𝄞"
        );
        assert_eq!(
            written(Escape::Quoted),
            ">a\\\"b\\\\c\\x0ad\\x0de\\x09f\\x01g\\x7fé€𝄞"
        );
        let mut out = String::new();
        escape_into("", &mut out, Escape::Json);
        assert_eq!(out, "");
    }
}
