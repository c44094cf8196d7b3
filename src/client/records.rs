//! The stored records: one token record per signed-in user, one device record per user name.

use crate::json::{FromJson, Json, ObjectWriter, ShapeError, Slots, Want, WriteJson};
use crate::secret::{AccessToken, DevicePassword, IdToken, RefreshToken};
use alloc::string::String;

pub(super) struct TokenRecord {
    /// The user whose key the record was read from (the current-user marker); not stored. Every
    /// later write and removal goes to that key, even when a damaged or foreign record names
    /// another user inside.
    pub(super) stored_as: String,
    /// `cognito:username`.
    pub(super) username: String,
    /// The name typed at sign-in: the remembered device is kept under it, since the next sign-in
    /// only knows what the user types.
    pub(super) signed_in_as: String,
    pub(super) id_token: IdToken,
    pub(super) access_token: AccessToken,
    pub(super) refresh_token: Option<RefreshToken>,
    /// Local clock minus the service's when the tokens arrived, in seconds.
    pub(super) clock_drift: i64,
}

pub(super) struct DeviceRecord {
    pub(super) device_key: String,
    pub(super) device_group_key: String,
    pub(super) device_password: DevicePassword,
    pub(super) remembered: bool,
}

// The records are stored as JSON with these (snake_case) member names.
impl WriteJson for TokenRecord {
    fn write_json(&self, w: &mut ObjectWriter) {
        w.str("username", &self.username);
        w.str("signed_in_as", &self.signed_in_as);
        w.str("id_token", self.id_token.expose_secret());
        w.str("access_token", self.access_token.expose_secret());
        w.opt_str(
            "refresh_token",
            self.refresh_token.as_ref().map(RefreshToken::expose_secret),
        );
        w.number("clock_drift", self.clock_drift);
    }
}

impl WriteJson for DeviceRecord {
    fn write_json(&self, w: &mut ObjectWriter) {
        w.str("device_key", &self.device_key);
        w.str("device_group_key", &self.device_group_key);
        w.str("device_password", self.device_password.expose_secret());
        w.bool("remembered", self.remembered);
    }
}

/// Read as leniently as every version of the kit wrote it: a record without `signed_in_as` (written
/// before devices were kept per typed name) signs in as `username`, and a `clock_drift` that is
/// missing or not a number counts as no drift. A `refresh_token` that is not a string counts as
/// none (the session then lasts as long as its tokens). What cannot stand for a session (no
/// username or tokens) makes the whole record count as absent.
impl FromJson for TokenRecord {
    fn from_json(value: Json) -> core::result::Result<Self, ShapeError> {
        let mut s = Slots::of(
            value,
            &[
                ("username", Want::Str),
                ("signed_in_as", Want::Any),
                ("id_token", Want::Str),
                ("access_token", Want::Str),
                ("refresh_token", Want::Any),
                ("clock_drift", Want::Any),
            ],
        )?;
        let username = s.string(0);
        let signed_in_as = s.text(1).unwrap_or_else(|| username.clone());
        let id_token = IdToken::new(s.string(2));
        let access_token = AccessToken::new(s.string(3));
        let refresh_token = s.text(4).map(RefreshToken::new);
        let clock_drift = s
            .value(5)
            .and_then(|v| v.as_f64())
            .filter(|d| d.is_finite() && d.abs() < 1e12)
            .map_or(0, |d| d as i64);
        Ok(TokenRecord {
            stored_as: String::new(),
            username,
            signed_in_as,
            id_token,
            access_token,
            refresh_token,
            clock_drift,
        })
    }
}

impl FromJson for DeviceRecord {
    fn from_json(value: Json) -> core::result::Result<Self, ShapeError> {
        let mut s = Slots::of(
            value,
            &[
                ("device_key", Want::Str),
                ("device_group_key", Want::Str),
                ("device_password", Want::Str),
                ("remembered", Want::Bool),
            ],
        )?;
        Ok(DeviceRecord {
            device_key: s.string(0),
            device_group_key: s.string(1),
            device_password: DevicePassword::new(s.string(2)),
            remembered: s.flag(3),
        })
    }
}
