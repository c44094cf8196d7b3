//! The attribute schema of a pool: validation of CreateUserPool's `Schema` and of
//! AddCustomAttributes, the `SchemaAttributes` DescribeUserPool reports, and the checks every
//! write of attribute values (SignUp, AdminCreateUser, (Admin)UpdateUserAttributes) goes through.
//!
//! A pool stores its schema as the list of declared entries, normalized: a custom attribute is
//! kept under its full name (`custom:x`, or `dev:custom:x` when DeveloperOnlyAttribute) with
//! every member present; a standard attribute keeps only what may be changed on it.

use serde_json::{json, Map, Value};

use super::common::{self, STANDARD_ATTRIBUTES};
use crate::error::{ApiError, ApiResult};
use crate::model::Pool;

/// Custom attributes a pool may have (the service's quota).
pub const MAX_CUSTOM: usize = 50;
/// Entries CreateUserPool's `Schema` may list.
const SCHEMA_MAX: usize = 50;
/// Longest `Name` of a schema attribute as declared (without `custom:`).
const NAME_MAX: usize = 20;
/// Largest string length a constraint may name.
const LENGTH_MAX: u64 = 2048;
/// Entries AddCustomAttributes accepts per call.
pub const ADD_MAX: usize = 25;
const DATA_TYPES: &[&str] = &["String", "Number", "DateTime", "Boolean"];

pub fn invalid(message: impl Into<String>) -> ApiError {
    ApiError::invalid_parameter(message)
}

/// The data type of a standard attribute.
fn standard_type(name: &str) -> &'static str {
    match name {
        "email_verified" | "phone_number_verified" => "Boolean",
        "updated_at" => "Number",
        _ => "String",
    }
}

/// The default string constraints of a standard attribute: (MinLength, MaxLength).
fn standard_lengths(name: &str) -> (&'static str, &'static str) {
    match name {
        "sub" => ("1", "2048"),
        "birthdate" => ("10", "10"),
        _ => ("0", "2048"),
    }
}

/// A constraint value: the API sends strings; a JSON number is taken as its text.
fn constraint_text(
    constraints: &Map<String, Value>,
    key: &str,
    what: &str,
) -> ApiResult<Option<String>> {
    match constraints.get(key) {
        None | Some(Value::Null) => Ok(None),
        Some(Value::String(text)) => Ok(Some(text.clone())),
        Some(Value::Number(number)) => Ok(Some(number.to_string())),
        Some(_) => Err(ApiError::serialization(format!(
            "Member '{what}.{key}' must be a string"
        ))),
    }
}

fn constraints_object<'a>(
    entry: &'a Map<String, Value>,
    key: &str,
) -> ApiResult<Option<&'a Map<String, Value>>> {
    match entry.get(key) {
        None | Some(Value::Null) => Ok(None),
        Some(Value::Object(members)) => Ok(Some(members)),
        Some(_) => Err(ApiError::serialization(format!(
            "Member '{key}' must be an object"
        ))),
    }
}

/// Validated `StringAttributeConstraints` (lengths 0–2048, MinLength ≤ MaxLength), with the
/// defaults filled in.
fn string_constraints(
    name: &str,
    given: Option<&Map<String, Value>>,
    defaults: (&str, &str),
) -> ApiResult<Value> {
    let read = |key: &str| -> ApiResult<String> {
        let text = match given {
            Some(members) => constraint_text(members, key, "StringAttributeConstraints")?,
            None => None,
        };
        Ok(text.unwrap_or_else(|| {
            if key == "MinLength" {
                defaults.0.to_string()
            } else {
                defaults.1.to_string()
            }
        }))
    };
    let min_text = read("MinLength")?;
    let max_text = read("MaxLength")?;
    let parse = |text: &str, key: &str| -> ApiResult<u64> {
        let value = text.parse::<u64>().map_err(|_| {
            invalid(format!(
                "Invalid {key} {text} for attribute {name}: it must be a non-negative integer."
            ))
        })?;
        if value > LENGTH_MAX {
            return Err(invalid(format!(
                "Invalid {key} {text} for attribute {name}: it must be at most {LENGTH_MAX}."
            )));
        }
        Ok(value)
    };
    let min = parse(&min_text, "MinLength")?;
    let max = parse(&max_text, "MaxLength")?;
    if min > max {
        return Err(invalid(format!(
            "MinLength {min} of attribute {name} is greater than its MaxLength {max}."
        )));
    }
    Ok(json!({ "MinLength": min.to_string(), "MaxLength": max.to_string() }))
}

/// Validated `NumberAttributeConstraints` (numbers, MinValue ≤ MaxValue), as given.
fn number_constraints(name: &str, given: Option<&Map<String, Value>>) -> ApiResult<Value> {
    let mut out = Map::new();
    let mut bounds = [None, None];
    for (slot, key) in ["MinValue", "MaxValue"].into_iter().enumerate() {
        let Some(members) = given else { break };
        if let Some(text) = constraint_text(members, key, "NumberAttributeConstraints")? {
            let value = parse_number(&text).ok_or_else(|| {
                invalid(format!(
                    "Invalid {key} {text} for attribute {name}: it must be a number."
                ))
            })?;
            if let Some(bound) = bounds.get_mut(slot) {
                *bound = Some(value);
            }
            out.insert(key.to_string(), json!(text));
        }
    }
    if let [Some(min), Some(max)] = bounds {
        if min > max {
            return Err(invalid(format!(
                "MinValue of attribute {name} is greater than its MaxValue."
            )));
        }
    }
    Ok(Value::Object(out))
}

/// A number as the service reads a Number attribute: a finite decimal.
fn parse_number(text: &str) -> Option<f64> {
    let trimmed = text.trim();
    if trimmed.is_empty() || trimmed != text {
        return None;
    }
    let valid_chars = trimmed
        .bytes()
        .all(|b| b.is_ascii_digit() || b == b'-' || b == b'+' || b == b'.');
    trimmed
        .parse::<f64>()
        .ok()
        .filter(|value| valid_chars && value.is_finite())
}

fn flag(entry: &Map<String, Value>, key: &str) -> ApiResult<Option<bool>> {
    match entry.get(key) {
        None | Some(Value::Null) => Ok(None),
        Some(Value::Bool(value)) => Ok(Some(*value)),
        Some(_) => Err(ApiError::serialization(format!(
            "Member '{key}' must be a boolean"
        ))),
    }
}

/// The declared `Name` of an entry (1–20 characters, no white space).
fn declared_name(entry: &Map<String, Value>) -> ApiResult<String> {
    let name = match entry.get("Name") {
        None | Some(Value::Null) => return Err(ApiError::missing_member("Name")),
        Some(Value::String(name)) => name.clone(),
        Some(_) => return Err(ApiError::serialization("Member 'Name' must be a string")),
    };
    let length = name.chars().count();
    if length == 0 || length > NAME_MAX || name.chars().any(|c| c.is_whitespace() || c.is_control())
    {
        return Err(invalid(format!(
            "1 validation error detected: Value '{name}' at 'name' failed to satisfy constraint: Member must have length between 1 and {NAME_MAX} and satisfy regular expression pattern: [\\p{{L}}\\p{{M}}\\p{{S}}\\p{{N}}\\p{{P}}]+"
        )));
    }
    Ok(name)
}

pub fn entry_object(value: &Value) -> ApiResult<&Map<String, Value>> {
    match value {
        Value::Object(entry) => Ok(entry),
        _ => Err(ApiError::serialization(
            "Member 'Schema' must be a list of schema attributes",
        )),
    }
}

/// The `AttributeDataType` of an entry, `None` when left out. A value outside the enum is the
/// service's validation error naming the member's path `at` (`schema.N.member`, N from 1).
fn data_type<'a>(entry: &'a Map<String, Value>, at: &str) -> ApiResult<Option<&'a str>> {
    match entry.get("AttributeDataType") {
        None | Some(Value::Null) => Ok(None),
        Some(Value::String(kind)) if DATA_TYPES.contains(&kind.as_str()) => Ok(Some(kind)),
        Some(Value::String(other)) => Err(invalid(format!(
            "1 validation error detected: Value '{other}' at '{at}.attributeDataType' failed to satisfy constraint: Member must satisfy enum value set: [{}]",
            DATA_TYPES.join(", ")
        ))),
        Some(_) => Err(ApiError::serialization(
            "Member 'AttributeDataType' must be a string",
        )),
    }
}

/// A custom attribute, validated and normalized (full name, every member present). `at` is the
/// entry's path in the request for validation errors (`schema.N.member`).
pub fn custom_entry(entry: &Map<String, Value>, at: &str) -> ApiResult<Value> {
    let declared = declared_name(entry)?;
    let base = declared
        .strip_prefix("dev:custom:")
        .or_else(|| declared.strip_prefix("custom:"))
        .unwrap_or(&declared)
        .to_string();
    if base.is_empty() {
        return Err(invalid(format!(
            "Invalid custom attribute name {declared}."
        )));
    }
    let data_type = match data_type(entry, at)? {
        Some(kind) => kind.to_string(),
        None => return Err(invalid(
            "Invalid AttributeDataType input, consider using the provided AttributeDataType enum.",
        )),
    };
    if flag(entry, "Required")? == Some(true) {
        return Err(invalid(
            "Required custom attributes are not supported currently.",
        ));
    }
    let developer_only = flag(entry, "DeveloperOnlyAttribute")?.unwrap_or(false);
    let name = if developer_only {
        format!("dev:custom:{base}")
    } else {
        format!("custom:{base}")
    };
    let mut out = json!({
        "Name": name,
        "AttributeDataType": data_type,
        "DeveloperOnlyAttribute": developer_only,
        "Mutable": flag(entry, "Mutable")?.unwrap_or(true),
        "Required": false,
    });
    let strings = constraints_object(entry, "StringAttributeConstraints")?;
    let numbers = constraints_object(entry, "NumberAttributeConstraints")?;
    match data_type.as_str() {
        "String" => {
            out["StringAttributeConstraints"] = string_constraints(&name, strings, ("0", "2048"))?
        }
        "Number" => out["NumberAttributeConstraints"] = number_constraints(&name, numbers)?,
        _ => {}
    }
    Ok(out)
}

/// A standard attribute named in CreateUserPool's schema: its type cannot change and it cannot
/// become developer-only; Required, Mutable and string constraints may be set.
fn standard_entry(name: &str, entry: &Map<String, Value>, at: &str) -> ApiResult<Value> {
    let kind = standard_type(name);
    let type_changed = data_type(entry, at)?.is_some_and(|given| given != kind);
    if type_changed || flag(entry, "DeveloperOnlyAttribute")? == Some(true) {
        return Err(invalid(format!(
            "You can not change AttributeDataType or set developerOnlyAttribute for standard schema attribute {name}"
        )));
    }
    let required = flag(entry, "Required")?.unwrap_or(false);
    let mutable = flag(entry, "Mutable")?.unwrap_or(true);
    let mut out = json!({ "Name": name, "Required": required, "Mutable": mutable });
    if kind == "String" {
        if let Some(strings) = constraints_object(entry, "StringAttributeConstraints")? {
            out["StringAttributeConstraints"] =
                string_constraints(name, Some(strings), standard_lengths(name))?;
        }
    }
    if kind == "Number" {
        if let Some(numbers) = constraints_object(entry, "NumberAttributeConstraints")? {
            out["NumberAttributeConstraints"] = number_constraints(name, Some(numbers))?;
        }
    }
    Ok(out)
}

/// Validates CreateUserPool's `Schema` and returns it normalized.
pub fn validate_schema(entries: &[Value]) -> ApiResult<Vec<Value>> {
    // The reference's SchemaAttributesListType: at most 50 entries.
    if entries.len() > SCHEMA_MAX {
        return Err(invalid(
            "1 validation error detected: Value at 'schema' failed to satisfy constraint: Member must have length less than or equal to 50",
        ));
    }
    let mut out: Vec<Value> = Vec::with_capacity(entries.len());
    for (index, value) in entries.iter().enumerate() {
        let entry = entry_object(value)?;
        let declared = declared_name(entry)?;
        let at = format!("schema.{}.member", index + 1);
        let normalized = if STANDARD_ATTRIBUTES.contains(&declared.as_str()) {
            standard_entry(&declared, entry, &at)?
        } else {
            custom_entry(entry, &at)?
        };
        add_unique(&mut out, normalized)?;
    }
    if out.iter().filter(|e| is_custom(e)).count() > MAX_CUSTOM {
        return Err(too_many());
    }
    Ok(out)
}

pub fn too_many() -> ApiError {
    invalid(format!(
        "A user pool can have at most {MAX_CUSTOM} custom attributes."
    ))
}

fn entry_name(entry: &Value) -> &str {
    entry
        .get("Name")
        .and_then(Value::as_str)
        .unwrap_or_default()
}

pub fn is_custom(entry: &Value) -> bool {
    !STANDARD_ATTRIBUTES.contains(&entry_name(entry))
}

/// The base name of an attribute (`x` of `custom:x` and `dev:custom:x`).
fn base_name(name: &str) -> &str {
    name.strip_prefix("dev:")
        .unwrap_or(name)
        .strip_prefix("custom:")
        .unwrap_or(name)
}

/// Adds `entry` unless an attribute of the same base name is there (`custom:x` and
/// `dev:custom:x` are the same name): "custom:x: Existing attribute already has name
/// dev:custom:x." names the new one, then the one already there.
pub fn add_unique(list: &mut Vec<Value>, entry: Value) -> ApiResult<()> {
    let name = entry_name(&entry).to_string();
    if let Some(existing) = list.iter().find(|other| {
        base_name(entry_name(other)) == base_name(&name) && is_custom(other) == is_custom(&entry)
    }) {
        return Err(invalid(format!(
            "{name}: Existing attribute already has name {}.",
            entry_name(existing)
        )));
    }
    list.push(entry);
    Ok(())
}

/// The pool's declared schema in the normalized form (states saved before normalization keep
/// custom names without their prefix).
pub fn normalized(pool: &Pool) -> Vec<Value> {
    pool.settings
        .schema
        .iter()
        .map(|entry| {
            let name = entry_name(entry);
            if STANDARD_ATTRIBUTES.contains(&name)
                || name.starts_with("custom:")
                || name.starts_with("dev:")
            {
                return entry.clone();
            }
            match entry {
                Value::Object(members) => {
                    custom_entry(members, "schema.member").unwrap_or_else(|_| entry.clone())
                }
                _ => entry.clone(),
            }
        })
        .collect()
}

/// The `SchemaAttributes` of DescribeUserPool: every standard attribute (with the pool's
/// overrides), then the custom ones.
pub fn schema_attributes(pool: &Pool) -> Vec<Value> {
    let declared = normalized(pool);
    let find = |name: &str| declared.iter().find(|e| entry_name(e) == name);
    let mut list: Vec<Value> = STANDARD_ATTRIBUTES
        .iter()
        .map(|name| {
            let data_type = standard_type(name);
            let over = find(name);
            let member = |key: &str, default: bool| {
                over.and_then(|e| e.get(key))
                    .and_then(Value::as_bool)
                    .unwrap_or(default)
            };
            let mut entry = json!({
                "Name": name,
                "AttributeDataType": data_type,
                "DeveloperOnlyAttribute": false,
                "Mutable": *name != "sub" && member("Mutable", true),
                "Required": *name == "sub" || member("Required", false),
            });
            if data_type == "String" {
                let (min, max) = standard_lengths(name);
                entry["StringAttributeConstraints"] = over
                    .and_then(|e| e.get("StringAttributeConstraints"))
                    .cloned()
                    .unwrap_or_else(|| json!({ "MinLength": min, "MaxLength": max }));
            }
            if data_type == "Number" {
                // updated_at: seconds since the epoch, never negative (the service's default).
                entry["NumberAttributeConstraints"] = over
                    .and_then(|e| e.get("NumberAttributeConstraints"))
                    .cloned()
                    .unwrap_or_else(|| json!({ "MinValue": "0" }));
            }
            entry
        })
        .collect();
    list.extend(declared.into_iter().filter(is_custom));
    list
}

/// The schema entry of an attribute name as written (`email`, `custom:x`, `dev:custom:x`).
fn definition<'a>(schema: &'a [Value], name: &str) -> Option<&'a Value> {
    schema.iter().find(|entry| entry_name(entry) == name)
}

fn bound(constraints: Option<&Value>, key: &str) -> Option<String> {
    constraints
        .and_then(|c| c.get(key))
        .and_then(Value::as_str)
        .map(str::to_string)
}

fn nonconforming(name: &str, why: &str) -> ApiError {
    invalid(format!(
        "Attributes did not conform to the schema: {name}: {why}"
    ))
}

/// Checks attribute values against the pool's schema: string lengths, number ranges, booleans.
/// Names must already be known to the pool.
pub fn check_values(pool: &Pool, attributes: &[(String, String)]) -> ApiResult<()> {
    let schema = schema_attributes(pool);
    for (name, value) in attributes {
        let Some(entry) = definition(&schema, name) else {
            continue;
        };
        let data_type = entry
            .get("AttributeDataType")
            .and_then(Value::as_str)
            .unwrap_or("String");
        let length = value.chars().count() as u64;
        if length > LENGTH_MAX {
            return Err(nonconforming(
                name,
                "String must be no longer than 2048 characters",
            ));
        }
        match data_type {
            "String" => {
                let constraints = entry.get("StringAttributeConstraints");
                let min = bound(constraints, "MinLength").and_then(|t| t.parse::<u64>().ok());
                let max = bound(constraints, "MaxLength").and_then(|t| t.parse::<u64>().ok());
                // An empty value clears the attribute; the lengths apply to values.
                if let Some(max) = max.filter(|max| length > *max) {
                    return Err(nonconforming(
                        name,
                        &format!("String must be no longer than {max} characters"),
                    ));
                }
                if let Some(min) = min.filter(|min| length < *min && length > 0) {
                    return Err(nonconforming(
                        name,
                        &format!("String must be no shorter than {min} characters"),
                    ));
                }
            }
            "Number" => {
                if value.is_empty() {
                    continue;
                }
                let number = parse_number(value)
                    .ok_or_else(|| nonconforming(name, "Number must be a valid number"))?;
                let constraints = entry.get("NumberAttributeConstraints");
                if let Some((text, min)) =
                    bound(constraints, "MinValue").and_then(|t| parse_number(&t).map(|v| (t, v)))
                {
                    if number < min {
                        return Err(nonconforming(
                            name,
                            &format!("Number must be no less than {text}"),
                        ));
                    }
                }
                if let Some((text, max)) =
                    bound(constraints, "MaxValue").and_then(|t| parse_number(&t).map(|v| (t, v)))
                {
                    if number > max {
                        return Err(nonconforming(
                            name,
                            &format!("Number must be no greater than {text}"),
                        ));
                    }
                }
            }
            "Boolean"
                if !value.eq_ignore_ascii_case("true") && !value.eq_ignore_ascii_case("false") =>
            {
                return Err(nonconforming(name, "Value must be either true or false"));
            }
            _ => {}
        }
    }
    Ok(())
}

/// Refuses a change of an attribute the schema declares immutable (`Mutable: false`): such an
/// attribute is set when the user is created and never again.
pub fn check_mutable(pool: &Pool, changes: &[(String, String)]) -> ApiResult<()> {
    let schema = schema_attributes(pool);
    for (name, _) in changes {
        let immutable = definition(&schema, name)
            .and_then(|entry| entry.get("Mutable"))
            .and_then(Value::as_bool)
            == Some(false);
        if immutable && name != "sub" {
            return Err(nonconforming(
                name,
                "Attribute cannot be updated. (changing an immutable attribute)",
            ));
        }
    }
    Ok(())
}

/// The columns of the user-import CSV: the standard attributes the service imports (all but
/// `sub`), `cognito:mfa_enabled`, `cognito:username`, then the pool's custom attributes.
pub fn csv_header(pool: &Pool) -> Vec<String> {
    let mut header: Vec<String> = common::STANDARD_ATTRIBUTES
        .iter()
        .filter(|name| **name != "sub")
        .map(|name| name.to_string())
        .collect();
    header.push("cognito:mfa_enabled".to_string());
    header.push("cognito:username".to_string());
    header.extend(common::custom_attributes(pool));
    header
}

#[cfg(test)]
#[allow(clippy::unwrap_used)]
mod tests {
    use super::*;

    #[test]
    fn numbers_are_plain_decimals() {
        assert_eq!(parse_number("42"), Some(42.0));
        assert_eq!(parse_number("-1.5"), Some(-1.5));
        for bad in ["", " 1", "1e3", "NaN", "inf", "abc", "0x10"] {
            assert_eq!(parse_number(bad), None, "{bad}");
        }
    }

    #[test]
    fn custom_names_get_their_prefix_once() {
        let plain = custom_entry(
            json!({ "Name": "tier", "AttributeDataType": "String" })
                .as_object()
                .unwrap(),
            "schema.1.member",
        )
        .unwrap();
        assert_eq!(plain["Name"], "custom:tier");
        let dev = custom_entry(
            json!({ "Name": "custom:tier", "AttributeDataType": "Number", "DeveloperOnlyAttribute": true })
                .as_object()
                .unwrap(),
            "schema.2.member",
        )
        .unwrap();
        assert_eq!(dev["Name"], "dev:custom:tier");
    }
}
