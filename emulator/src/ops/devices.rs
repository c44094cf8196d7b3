//! Remembered devices: ConfirmDevice, GetDevice, ListDevices, ForgetDevice, UpdateDeviceStatus,
//! and their administrator forms (AdminGetDevice, AdminListDevices, AdminForgetDevice,
//! AdminUpdateDeviceStatus), which run the same code on a user named by pool and username.

use serde_json::{json, Value};

use crate::app::App;
use crate::crypto;
use crate::error::{ApiError, ApiResult};
use crate::lifecycle::common::{self, date, Owner};
use crate::model::Device;
use crate::params::Params;
use crate::srp;

fn device_not_found() -> ApiError {
    ApiError::resource_not_found("Device does not exist.")
}

/// The service's `DeviceType`.
fn device_type(device: &Device) -> Value {
    let mut attributes = vec![
        json!({ "Name": "device_status", "Value": "valid" }),
        json!({
            "Name": "dev:device_remembered_status",
            "Value": if device.remembered { "remembered" } else { "not_remembered" },
        }),
        json!({ "Name": "last_ip_used", "Value": "127.0.0.1" }),
    ];
    if let Some(name) = &device.device_name {
        attributes.push(json!({ "Name": "device_name", "Value": name }));
    }
    json!({
        "DeviceKey": device.device_key,
        "DeviceAttributes": attributes,
        "DeviceCreateDate": date(device.created),
        "DeviceLastModifiedDate": date(device.last_modified),
        "DeviceLastAuthenticatedDate": date(device.last_authenticated),
    })
}

/// ConfirmDevice: stores the device's SRP salt and verifier.
pub fn confirm_device(app: &App, body: &Value) -> ApiResult<Value> {
    let params = Params::new(body)?;
    let token = params.req_str("AccessToken")?;
    let device_key = params.req_str("DeviceKey")?;
    let name = params.opt_str("DeviceName")?.map(String::from);
    let config = params
        .opt_object("DeviceSecretVerifierConfig")?
        .ok_or_else(|| ApiError::missing_member("DeviceSecretVerifierConfig"))?;
    let salt = crypto::b64_decode(config.req_str("Salt")?)
        .filter(|bytes| !bytes.is_empty())
        .ok_or_else(|| {
            ApiError::invalid_parameter("DeviceSecretVerifierConfig.Salt is not base64.")
        })?;
    let verifier = crypto::b64_decode(config.req_str("PasswordVerifier")?)
        .filter(|bytes| !bytes.is_empty() && bytes.len() <= 512)
        .ok_or_else(|| {
            ApiError::invalid_parameter(
                "DeviceSecretVerifierConfig.PasswordVerifier is not base64.",
            )
        })?;
    let verifier_number = num_bigint::BigUint::from_bytes_be(&verifier);
    if num_traits::Zero::is_zero(&(&verifier_number % &*srp::N)) {
        return Err(ApiError::invalid_parameter("Invalid device verifier."));
    }
    let now = app.now();
    app.write(|db| {
        let caller = common::authenticate(app, db, token)?;
        let pool = db.pool_mut(&caller.pool_id)?;
        let prompt_only = pool
            .settings
            .device_configuration
            .as_ref()
            .is_some_and(|c| c.device_only_remembered_on_user_prompt);
        let user = pool.user_mut(&caller.username)?;
        let device = user
            .devices
            .get_mut(device_key)
            .ok_or_else(device_not_found)?;
        device.salt_hex = Some(crypto::hex(&salt));
        device.verifier_hex = Some(srp::pad_hex(&verifier_number));
        device.device_name = name;
        device.remembered = !prompt_only;
        device.last_modified = now;
        Ok(json!({ "UserConfirmationNecessary": prompt_only }))
    })
}

/// GetDevice / AdminGetDevice.
fn get(app: &App, body: &Value, admin: bool) -> ApiResult<Value> {
    let params = Params::new(body)?;
    let owner = Owner::from(&params, admin)?;
    let device_key = params.req_str("DeviceKey")?;
    owner.read(app, |user| {
        let device = user.devices.get(device_key).ok_or_else(device_not_found)?;
        Ok(json!({ "Device": device_type(device) }))
    })
}

/// GetDevice.
pub fn get_device(app: &App, body: &Value) -> ApiResult<Value> {
    get(app, body, false)
}

/// AdminGetDevice.
pub fn admin_get_device(app: &App, body: &Value) -> ApiResult<Value> {
    get(app, body, true)
}

/// ListDevices / AdminListDevices: the devices the user confirmed.
fn list(app: &App, body: &Value, admin: bool) -> ApiResult<Value> {
    let params = Params::new(body)?;
    let owner = Owner::from(&params, admin)?;
    let limit = params.opt_i64("Limit")?.unwrap_or(60);
    if !(0..=60).contains(&limit) {
        return Err(ApiError::out_of_range("limit", limit, 0, 60));
    }
    // 0 asks for the default page, as the service treats it.
    let limit = usize::try_from(if limit == 0 { 60 } else { limit }).unwrap_or(60);
    let pagination = params.opt_str("PaginationToken")?;
    owner.read(app, |user| {
        let confirmed: Vec<&Device> = user.devices.values().filter(|d| d.is_confirmed()).collect();
        let scope = format!("ListDevices {}", user.username);
        let (range, next) = common::page(&scope, pagination, limit, confirmed.len())?;
        let page: Vec<Value> = confirmed
            .get(range)
            .unwrap_or(&[])
            .iter()
            .map(|d| device_type(d))
            .collect();
        let mut out = json!({ "Devices": page });
        if let Some(next) = next {
            out["PaginationToken"] = json!(next);
        }
        Ok(out)
    })
}

/// ListDevices.
pub fn list_devices(app: &App, body: &Value) -> ApiResult<Value> {
    list(app, body, false)
}

/// AdminListDevices.
pub fn admin_list_devices(app: &App, body: &Value) -> ApiResult<Value> {
    list(app, body, true)
}

/// ForgetDevice / AdminForgetDevice.
fn forget(app: &App, body: &Value, admin: bool) -> ApiResult<Value> {
    let params = Params::new(body)?;
    let owner = Owner::from(&params, admin)?;
    let device_key = params.req_str("DeviceKey")?;
    owner.write(app, |user| {
        user.devices
            .remove(device_key)
            .ok_or_else(device_not_found)?;
        Ok(json!({}))
    })
}

/// ForgetDevice.
pub fn forget_device(app: &App, body: &Value) -> ApiResult<Value> {
    forget(app, body, false)
}

/// AdminForgetDevice.
pub fn admin_forget_device(app: &App, body: &Value) -> ApiResult<Value> {
    forget(app, body, true)
}

/// UpdateDeviceStatus / AdminUpdateDeviceStatus: `remembered` or `not_remembered`.
fn update_status(app: &App, body: &Value, admin: bool) -> ApiResult<Value> {
    let params = Params::new(body)?;
    let owner = Owner::from(&params, admin)?;
    let device_key = params.req_str("DeviceKey")?;
    let remembered = match params.opt_str("DeviceRememberedStatus")? {
        Some("remembered") => true,
        Some("not_remembered") | None => false,
        Some(other) => {
            return Err(ApiError::not_in_enum(
                other,
                "deviceRememberedStatus",
                &["remembered", "not_remembered"],
            ))
        }
    };
    let now = app.now();
    owner.write(app, |user| {
        let device = user
            .devices
            .get_mut(device_key)
            .ok_or_else(device_not_found)?;
        device.remembered = remembered;
        device.last_modified = now;
        Ok(json!({}))
    })
}

/// UpdateDeviceStatus.
pub fn update_device_status(app: &App, body: &Value) -> ApiResult<Value> {
    update_status(app, body, false)
}

/// AdminUpdateDeviceStatus.
pub fn admin_update_device_status(app: &App, body: &Value) -> ApiResult<Value> {
    update_status(app, body, true)
}
