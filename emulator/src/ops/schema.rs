//! AddCustomAttributes (the schema's rules live in `crate::lifecycle::schema`).

use serde_json::{json, Value};

use crate::app::App;
use crate::error::{ApiError, ApiResult};
use crate::lifecycle::schema::{
    add_unique, custom_entry, entry_object, invalid, is_custom, normalized, too_many, ADD_MAX,
    MAX_CUSTOM,
};
use crate::params::Params;

/// AddCustomAttributes: 1–25 new custom attributes, at most 50 in all.
pub fn add_custom_attributes(app: &App, body: &Value) -> ApiResult<Value> {
    let params = Params::new(body)?;
    let pool_id = params.req_str("UserPoolId")?;
    let entries = match params.raw("CustomAttributes") {
        None => return Err(ApiError::missing_member("CustomAttributes")),
        Some(Value::Array(entries)) => entries,
        Some(_) => {
            return Err(ApiError::serialization(
                "Member 'CustomAttributes' must be a list of schema attributes",
            ))
        }
    };
    if entries.is_empty() || entries.len() > ADD_MAX {
        return Err(invalid(format!(
            "1 validation error detected: Value at 'customAttributes' failed to satisfy constraint: Member must have length between 1 and {ADD_MAX}"
        )));
    }
    let mut added = Vec::with_capacity(entries.len());
    for (index, value) in entries.iter().enumerate() {
        let entry = entry_object(value)?;
        added.push(custom_entry(
            entry,
            &format!("customAttributes.{}.member", index + 1),
        )?);
    }
    let now = app.now();
    app.write(|db| {
        let pool = db.pool_mut(pool_id)?;
        let mut schema = normalized(pool);
        for entry in added {
            add_unique(&mut schema, entry)?;
        }
        if schema.iter().filter(|e| is_custom(e)).count() > MAX_CUSTOM {
            return Err(too_many());
        }
        pool.settings.schema = schema;
        pool.last_modified = now as f64;
        Ok(json!({}))
    })
}
