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
}
