//! Secrets as newtypes: `Debug` prints `<redacted>`, the value is reached only through an explicitly
//! named accessor, and the memory is zeroed when the value is dropped.

use alloc::string::String;
use alloc::vec::Vec;
use core::fmt;
use zeroize::{Zeroize, ZeroizeOnDrop};

macro_rules! secret_string {
    ($(#[$doc:meta])* $name:ident) => {
        $(#[$doc])*
        #[derive(Clone, PartialEq, Eq, Zeroize, ZeroizeOnDrop)]
        pub struct $name(String);

        impl $name {
            /// Wraps a value; the wrapper owns it from now on and zeroes it on drop.
            pub fn new(value: impl Into<String>) -> Self {
                Self(value.into())
            }

            /// The secret itself. Named so that every use is visible in review.
            pub fn expose_secret(&self) -> &str {
                &self.0
            }
        }

        impl fmt::Debug for $name {
            fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
                write!(f, concat!(stringify!($name), "(<redacted>)"))
            }
        }

        impl From<String> for $name {
            fn from(value: String) -> Self {
                Self(value)
            }
        }

        impl From<&str> for $name {
            fn from(value: &str) -> Self {
                Self(value.into())
            }
        }
    };
}

/// Stands in for a secret in `Debug` output: prints `<redacted>`.
pub(crate) struct Redacted;

impl fmt::Debug for Redacted {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("<redacted>")
    }
}

secret_string!(
    /// A user's password.
    Password
);
secret_string!(
    /// An app client's secret (for SECRET_HASH).
    ClientSecret
);
secret_string!(
    /// A refresh token.
    RefreshToken
);
secret_string!(
    /// An access token (a JWT).
    AccessToken
);
secret_string!(
    /// An ID token (a JWT).
    IdToken
);
secret_string!(
    /// The random password of a remembered device (base64 of 40 random bytes).
    DevicePassword
);

/// Secret bytes (SRP's `x`, `S`, the derived key).
#[derive(Clone, PartialEq, Eq, Zeroize, ZeroizeOnDrop)]
pub struct SecretBytes(Vec<u8>);

impl SecretBytes {
    /// Wraps bytes; they are zeroed on drop.
    pub fn new(bytes: Vec<u8>) -> Self {
        Self(bytes)
    }

    /// The secret bytes themselves.
    pub fn expose_secret(&self) -> &[u8] {
        &self.0
    }
}

impl fmt::Debug for SecretBytes {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "SecretBytes(<redacted {} bytes>)", self.0.len())
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use alloc::format;
    use alloc::vec;

    #[test]
    fn debug_never_shows_the_value() {
        let p = Password::new("hunter2-Secret!");
        let shown = format!("{p:?} {:?}", RefreshToken::from("eyJrefresh"));
        assert!(!shown.contains("hunter2"), "{shown}");
        assert!(!shown.contains("eyJ"), "{shown}");
        assert_eq!(format!("{p:?}"), "Password(<redacted>)");
        assert_eq!(p.expose_secret(), "hunter2-Secret!");
        let b = SecretBytes::new(vec![1, 2, 3]);
        assert_eq!(format!("{b:?}"), "SecretBytes(<redacted 3 bytes>)");
    }

    #[test]
    fn zeroize_clears_the_value() {
        let mut p = Password::new("hunter2");
        p.zeroize();
        assert_eq!(p.expose_secret(), "");
        let mut b = SecretBytes::new(vec![9; 16]);
        b.zeroize();
        assert!(b.expose_secret().is_empty());
    }
}
