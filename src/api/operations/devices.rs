//! Devices: ConfirmDevice, their status, Get/List/ForgetDevice.

use super::*;

/// `DeviceSecretVerifierConfig` of `ConfirmDevice`.
pub struct DeviceSecretVerifierConfig<'a> {
    /// base64 of padHex(g^x mod N).
    pub password_verifier: &'a str,
    /// base64 of the salt's padHex bytes.
    pub salt: &'a str,
}

/// The reply of `ConfirmDevice`.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct ConfirmDeviceReply {
    /// Whether `UpdateDeviceStatus(remembered)` is needed to remember the device.
    pub user_confirmation_necessary: bool,
}

/// `ConfirmDevice`.
pub struct ConfirmDevice<'a> {
    /// The access token.
    pub access_token: &'a str,
    /// The new device's key.
    pub device_key: &'a str,
    /// The device's SRP verifier.
    pub device_secret_verifier_config: DeviceSecretVerifierConfig<'a>,
    /// A name for the device (e.g. the browser).
    pub device_name: Option<&'a str>,
}

operation!(ConfirmDevice, ConfirmDeviceReply);

/// `UpdateDeviceStatus`.
pub struct UpdateDeviceStatus<'a> {
    /// The access token.
    pub access_token: &'a str,
    /// The device's key.
    pub device_key: &'a str,
    /// `remembered` or `not_remembered`.
    pub device_remembered_status: &'a str,
}

operation!(UpdateDeviceStatus, Empty);

/// `ForgetDevice`.
pub struct ForgetDevice<'a> {
    /// The access token.
    pub access_token: Option<&'a str>,
    /// The device's key.
    pub device_key: &'a str,
}

operation!(ForgetDevice, Empty);

/// A device as `ListDevices` and `GetDevice` describe it.
#[derive(Debug, Clone, PartialEq)]
pub struct DeviceType {
    /// The device key.
    pub device_key: String,
    /// Its attributes (`device_name`, `device_status`, …).
    pub device_attributes: Vec<AttributeType>,
    /// Seconds since the epoch.
    pub device_create_date: Option<f64>,
    /// Seconds since the epoch.
    pub device_last_modified_date: Option<f64>,
    /// Seconds since the epoch.
    pub device_last_authenticated_date: Option<f64>,
}

/// The reply of `ListDevices`.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct ListDevicesReply {
    /// The devices.
    pub devices: Vec<DeviceType>,
    /// Where the next page starts.
    pub pagination_token: Option<String>,
}

/// `ListDevices`.
pub struct ListDevices<'a> {
    /// The access token.
    pub access_token: &'a str,
    /// At most this many (the service's maximum is 60).
    pub limit: Option<u32>,
    /// The previous page's token.
    pub pagination_token: Option<&'a str>,
}

operation!(ListDevices, ListDevicesReply);

/// The reply of `GetDevice`.
#[derive(Debug, Clone, PartialEq)]
pub struct GetDeviceReply {
    /// The device.
    pub device: DeviceType,
}

/// `GetDevice`.
pub struct GetDevice<'a> {
    /// The device's key.
    pub device_key: &'a str,
    /// The access token.
    pub access_token: Option<&'a str>,
}

operation!(GetDevice, GetDeviceReply);

impl WriteJson for DeviceSecretVerifierConfig<'_> {
    fn write_json(&self, w: &mut ObjectWriter) {
        w.str("PasswordVerifier", self.password_verifier);
        w.str("Salt", self.salt);
    }
}

impl WriteJson for ConfirmDevice<'_> {
    fn write_json(&self, w: &mut ObjectWriter) {
        w.str("AccessToken", self.access_token);
        w.str("DeviceKey", self.device_key);
        w.object("DeviceSecretVerifierConfig", &mut |w| {
            self.device_secret_verifier_config.write_json(w)
        });
        w.opt_str("DeviceName", self.device_name);
    }
}

impl WriteJson for UpdateDeviceStatus<'_> {
    fn write_json(&self, w: &mut ObjectWriter) {
        w.str("AccessToken", self.access_token);
        w.str("DeviceKey", self.device_key);
        w.str("DeviceRememberedStatus", self.device_remembered_status);
    }
}

impl WriteJson for ForgetDevice<'_> {
    fn write_json(&self, w: &mut ObjectWriter) {
        w.opt_str("AccessToken", self.access_token);
        w.str("DeviceKey", self.device_key);
    }
}

impl WriteJson for ListDevices<'_> {
    fn write_json(&self, w: &mut ObjectWriter) {
        w.str("AccessToken", self.access_token);
        if let Some(v) = self.limit {
            w.number("Limit", i64::from(v));
        }
        w.opt_str("PaginationToken", self.pagination_token);
    }
}

impl WriteJson for GetDevice<'_> {
    fn write_json(&self, w: &mut ObjectWriter) {
        w.str("DeviceKey", self.device_key);
        w.opt_str("AccessToken", self.access_token);
    }
}

impl FromJson for ConfirmDeviceReply {
    fn from_json(value: Json) -> Read<Self> {
        let mut s = Slots::of(value, &[("UserConfirmationNecessary", Want::OptBool)])?;
        Ok(ConfirmDeviceReply {
            user_confirmation_necessary: s.flag(0),
        })
    }
}

impl FromJson for DeviceType {
    fn from_json(value: Json) -> Read<Self> {
        let mut s = Slots::of(
            value,
            &[
                ("DeviceKey", Want::Str),
                ("DeviceAttributes", Want::List),
                ("DeviceCreateDate", Want::OptNum),
                ("DeviceLastModifiedDate", Want::OptNum),
                ("DeviceLastAuthenticatedDate", Want::OptNum),
            ],
        )?;
        Ok(DeviceType {
            device_attributes: s.list(1)?,
            device_key: s.string(0),
            device_create_date: s.num(2),
            device_last_modified_date: s.num(3),
            device_last_authenticated_date: s.num(4),
        })
    }
}

impl FromJson for ListDevicesReply {
    fn from_json(value: Json) -> Read<Self> {
        let mut s = Slots::of(
            value,
            &[("Devices", Want::List), ("PaginationToken", Want::OptStr)],
        )?;
        Ok(ListDevicesReply {
            devices: s.list(0)?,
            pagination_token: s.text(1),
        })
    }
}

impl FromJson for GetDeviceReply {
    fn from_json(value: Json) -> Read<Self> {
        let mut s = Slots::of(value, &[("Device", Want::Any)])?;
        Ok(GetDeviceReply { device: s.req(0)? })
    }
}
