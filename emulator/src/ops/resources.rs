//! Pool-level extras (SigV4-signed): tags (TagResource, UntagResource, ListTagsForResource), the
//! user-import CSV header (GetCSVHeader), the signing certificate (GetSigningCertificate) and the
//! hosted-UI customization (SetUICustomization, GetUICustomization).

use serde_json::{json, Value};

use crate::app::App;
use crate::crypto;
use crate::error::{ApiError, ApiResult};
use crate::lifecycle::common::date;
use crate::lifecycle::{pools, schema};
use crate::model::{client_not_found, pool_not_found, Db, Pool, UiCustomization};
use crate::params::Params;
use crate::x509;

/// Tags a pool may carry (the service's quota).
const TAGS_PER_POOL: usize = 50;

fn validation(message: &str) -> ApiError {
    ApiError::invalid_parameter(format!("1 validation error detected: {message}"))
}

/// The pool id named by a `ResourceArn` (`arn:{partition}:cognito-idp:{region}:{account}:userpool/{id}`).
/// A malformed ARN is InvalidParameterException; a well-formed one of an unknown pool is left to
/// the pool lookup (ResourceNotFoundException).
fn pool_id_of_arn(arn: &str) -> ApiResult<&str> {
    if !(20..=2048).contains(&arn.chars().count()) {
        return Err(validation(
            "Value at 'resourceArn' failed to satisfy constraint: Member must have length between 20 and 2048",
        ));
    }
    let parts: Vec<&str> = arn.splitn(6, ':').collect();
    match parts.as_slice() {
        ["arn", partition, "cognito-idp", region, account, resource]
            if !partition.is_empty()
                && !region.is_empty()
                && !account.is_empty()
                && account.bytes().all(|b| b.is_ascii_digit()) =>
        {
            resource
                .strip_prefix("userpool/")
                .filter(|id| !id.is_empty())
                .ok_or_else(|| {
                    ApiError::invalid_parameter("Invalid resource ARN: not a user pool.")
                })
        }
        _ => Err(ApiError::invalid_parameter("Invalid resource ARN.")),
    }
}

/// The id of the pool a tag call is about: its ARN must be the one the pool reports (region and
/// account included), so an ARN of another region or account is not found.
fn tagged_pool<'a>(db: &Db, arn: &'a str) -> ApiResult<&'a str> {
    let pool_id = pool_id_of_arn(arn)?;
    if pools::pool_arn(db.pool(pool_id)?) != arn {
        return Err(pool_not_found(pool_id));
    }
    Ok(pool_id)
}

/// A tag key: 1–128 characters; a value: at most 256.
fn check_tag(key: &str, value: Option<&str>) -> ApiResult<()> {
    if !(1..=128).contains(&key.chars().count()) {
        return Err(validation(
            "Value at 'tags' failed to satisfy constraint: Map keys must have length between 1 and 128",
        ));
    }
    if value.is_some_and(|v| v.chars().count() > 256) {
        return Err(validation(
            "Value at 'tags' failed to satisfy constraint: Map values must have length less than or equal to 256",
        ));
    }
    Ok(())
}

/// TagResource: adds or replaces tags (at most 50 per pool).
pub fn tag_resource(app: &App, body: &Value) -> ApiResult<Value> {
    let params = Params::new(body)?;
    let arn = params.req_str("ResourceArn")?;
    if params.raw("Tags").is_none() {
        return Err(ApiError::missing_member("Tags"));
    }
    let tags = params.opt_str_map("Tags")?;
    for (key, value) in &tags {
        check_tag(key, Some(value))?;
    }
    app.write(|db| {
        let pool = db.pool_mut(tagged_pool(db, arn)?)?;
        let mut merged = pool.settings.user_pool_tags.clone().unwrap_or_default();
        merged.extend(tags);
        if merged.len() > TAGS_PER_POOL {
            return Err(ApiError::new(
                "LimitExceededException",
                format!("A user pool can have at most {TAGS_PER_POOL} tags."),
            ));
        }
        pool.settings.user_pool_tags = Some(merged);
        Ok(json!({}))
    })
}

/// UntagResource: removes the given keys (absent keys are ignored).
pub fn untag_resource(app: &App, body: &Value) -> ApiResult<Value> {
    let params = Params::new(body)?;
    let arn = params.req_str("ResourceArn")?;
    let keys = params
        .opt_str_list("TagKeys")?
        .ok_or_else(|| ApiError::missing_member("TagKeys"))?;
    for key in &keys {
        check_tag(key, None)?;
    }
    app.write(|db| {
        let pool = db.pool_mut(tagged_pool(db, arn)?)?;
        if let Some(tags) = pool.settings.user_pool_tags.as_mut() {
            for key in &keys {
                tags.remove(key);
            }
        }
        Ok(json!({}))
    })
}

/// ListTagsForResource.
pub fn list_tags_for_resource(app: &App, body: &Value) -> ApiResult<Value> {
    let params = Params::new(body)?;
    let arn = params.req_str("ResourceArn")?;
    app.read(|db| {
        let pool = db.pool(tagged_pool(db, arn)?)?;
        let tags = pool.settings.user_pool_tags.clone().unwrap_or_default();
        Ok(json!({ "Tags": tags }))
    })
}

/// GetCSVHeader.
pub fn get_csv_header(app: &App, body: &Value) -> ApiResult<Value> {
    let params = Params::new(body)?;
    let pool_id = params.req_str("UserPoolId")?;
    app.read(|db| {
        let pool = db.pool(pool_id)?;
        Ok(json!({ "UserPoolId": pool_id, "CSVHeader": schema::csv_header(pool) }))
    })
}

/// How long a signing certificate is valid: ten years, as the service issues them.
const CERTIFICATE_VALIDITY: i64 = 3652 * 86_400;

/// GetSigningCertificate: a self-signed X.509 certificate (base64 DER) of the key that signs the
/// pool's tokens. It starts when the pool was created and is derived from the key alone, so every
/// call returns the same certificate.
pub fn get_signing_certificate(app: &App, body: &Value) -> ApiResult<Value> {
    let params = Params::new(body)?;
    let pool_id = params.req_str("UserPoolId")?;
    app.read(|db| {
        let pool = db.pool(pool_id)?;
        let key = pool.key()?;
        let serial = crypto::sha256(format!("{}/{}", pool.id, key.kid).as_bytes());
        let not_before = pool.created as i64;
        let der = x509::self_signed(
            &key,
            &pool.id,
            serial.get(..16).unwrap_or(&serial),
            not_before,
            not_before.saturating_add(CERTIFICATE_VALIDITY),
        )?;
        Ok(json!({ "Certificate": crypto::b64(&der) }))
    })
}

/// The client id that customizes every client without its own customization.
const ALL_CLIENTS: &str = "ALL";
/// Largest logo the service accepts, in bytes.
const IMAGE_MAX: usize = 100 * 1024;

/// The media type of a logo: PNG or JPEG, by their signatures; anything else is refused.
fn image_type(bytes: &[u8]) -> ApiResult<&'static str> {
    if bytes.starts_with(&[0x89, b'P', b'N', b'G', 0x0d, 0x0a, 0x1a, 0x0a]) {
        Ok("image/png")
    } else if bytes.starts_with(&[0xff, 0xd8, 0xff]) {
        Ok("image/jpeg")
    } else {
        Err(ApiError::invalid_parameter(
            "The image file must be a PNG or JPEG image.",
        ))
    }
}

/// `ALL`, or a client of the pool (ResourceNotFoundException otherwise).
fn customized_client<'a>(pool: &Pool, client_id: Option<&'a str>) -> ApiResult<&'a str> {
    match client_id {
        None => Ok(ALL_CLIENTS),
        Some(ALL_CLIENTS) => Ok(ALL_CLIENTS),
        Some(id) if pool.clients.contains_key(id) => Ok(id),
        Some(_) => Err(client_not_found()),
    }
}

/// The `UICustomizationType` shape. `ImageUrl` is a `data:` URL of the logo: the emulator has no
/// CDN to host it on, and a data URL works wherever the service's URL would be used.
fn ui_customization_type(pool_id: &str, client_id: &str, ui: &UiCustomization) -> Value {
    let mut out = json!({
        "UserPoolId": pool_id,
        "ClientId": client_id,
        "LastModifiedDate": date(ui.last_modified),
        "CreationDate": date(ui.created),
    });
    if let Some(css) = &ui.css {
        out["CSS"] = json!(css);
        // Changes whenever the CSS does, like the service's version string.
        out["CSSVersion"] = json!(crypto::hex(&crypto::sha256(css.as_bytes())[..8]));
    }
    if let Some((media_type, base64)) = &ui.image {
        out["ImageUrl"] = json!(format!("data:{media_type};base64,{base64}"));
    }
    out
}

/// SetUICustomization: CSS and/or a logo for one client or for `ALL`; neither removes the
/// customization. The service's requirement of a pool domain is not checked: the emulator has
/// no domains yet.
pub fn set_ui_customization(app: &App, body: &Value) -> ApiResult<Value> {
    let params = Params::new(body)?;
    let pool_id = params.req_str("UserPoolId")?;
    let client_id = params.opt_str("ClientId")?;
    let css = params.opt_str("CSS")?.map(str::to_string);
    if css.as_ref().is_some_and(|css| css.len() > 131_072) {
        return Err(validation(
            "Value at 'cSS' failed to satisfy constraint: Member must have length less than or equal to 131072",
        ));
    }
    let image = match params.opt_str("ImageFile")? {
        None => None,
        Some(encoded) => {
            let bytes = crypto::b64_decode(encoded)
                .ok_or_else(|| ApiError::serialization("Member 'ImageFile' must be base64"))?;
            if bytes.len() > IMAGE_MAX {
                return Err(ApiError::invalid_parameter(format!(
                    "The image file is larger than {IMAGE_MAX} bytes."
                )));
            }
            Some((image_type(&bytes)?.to_string(), crypto::b64(&bytes)))
        }
    };
    let now = app.now();
    app.write(|db| {
        let pool = db.pool_mut(pool_id)?;
        let client_id = customized_client(pool, client_id)?;
        if css.is_none() && image.is_none() {
            pool.ui_customizations.remove(client_id);
            return Ok(
                json!({ "UICustomization": { "UserPoolId": pool_id, "ClientId": client_id } }),
            );
        }
        let created = pool
            .ui_customizations
            .get(client_id)
            .map_or(now, |ui| ui.created);
        let ui = UiCustomization {
            css,
            image,
            created,
            last_modified: now,
        };
        let out = ui_customization_type(pool_id, client_id, &ui);
        pool.ui_customizations.insert(client_id.to_string(), ui);
        Ok(json!({ "UICustomization": out }))
    })
}

/// GetUICustomization: the client's own customization, else the pool's `ALL` one, else an empty
/// shape.
pub fn get_ui_customization(app: &App, body: &Value) -> ApiResult<Value> {
    let params = Params::new(body)?;
    let pool_id = params.req_str("UserPoolId")?;
    let client_id = params.opt_str("ClientId")?;
    app.read(|db| {
        let pool = db.pool(pool_id)?;
        let client_id = customized_client(pool, client_id)?;
        let found = [client_id, ALL_CLIENTS]
            .into_iter()
            .find_map(|id| pool.ui_customizations.get(id).map(|ui| (id, ui)));
        let out = match found {
            Some((id, ui)) => ui_customization_type(pool_id, id, ui),
            None => json!({}),
        };
        Ok(json!({ "UICustomization": out }))
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn arns_name_user_pools_only() {
        assert_eq!(
            pool_id_of_arn("arn:aws:cognito-idp:us-east-1:123456789012:userpool/us-east-1_A"),
            Ok("us-east-1_A")
        );
        for bad in [
            "arn:aws:cognito-idp:us-east-1:123456789012:identitypool/x",
            "arn:aws:s3:us-east-1:123456789012:userpool/us-east-1_A",
            "arn:aws:cognito-idp:us-east-1:account:userpool/us-east-1_A",
            "not-an-arn-but-long-enough",
            "arn:short",
        ] {
            assert!(pool_id_of_arn(bad).is_err(), "{bad}");
        }
    }
}
