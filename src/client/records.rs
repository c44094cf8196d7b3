//! The stored records: one token record per signed-in user, one device record per user name.

use crate::json::{Fields, FromJson, Json, ObjectWriter, ShapeError, WriteJson};
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
        let mut f = Fields::of(value)?;
        let username = f.str("username")?;
        let signed_in_as = match f.take("signed_in_as")? {
            Some(Json::String(s)) => s,
            _ => username.clone(),
        };
        let id_token = IdToken::new(f.str("id_token")?);
        let access_token = AccessToken::new(f.str("access_token")?);
        let refresh_token = match f.take("refresh_token")? {
            Some(Json::String(s)) => Some(RefreshToken::new(s)),
            _ => None,
        };
        let clock_drift = f
            .take("clock_drift")?
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
        let mut f = Fields::of(value)?;
        Ok(DeviceRecord {
            device_key: f.str("device_key")?,
            device_group_key: f.str("device_group_key")?,
            device_password: DevicePassword::new(f.str("device_password")?),
            remembered: f.req_bool("remembered")?,
        })
    }
}
