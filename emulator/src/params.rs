//! Typed, panic-free access to a request's JSON members.
//!
//! Wrong JSON types become `SerializationException` (as the service's JSON protocol does) and
//! missing required members become the service's `InvalidParameterException` validation message.

use std::collections::BTreeMap;

use serde_json::{Map, Value};

use crate::error::{ApiError, ApiResult};

/// The top-level members of one request body.
pub struct Params<'a> {
    members: &'a Map<String, Value>,
}

fn wrong_type(key: &str, expected: &str) -> ApiError {
    ApiError::serialization(format!("Member '{key}' must be {expected}"))
}

impl<'a> Params<'a> {
    /// Wraps a request body, which must be a JSON object.
    pub fn new(body: &'a Value) -> ApiResult<Self> {
        match body {
            Value::Object(members) => Ok(Self { members }),
            _ => Err(ApiError::serialization(
                "Request body must be a JSON object",
            )),
        }
    }

    /// The raw value of a member, `None` when missing or null.
    pub fn raw(&self, key: &str) -> Option<&'a Value> {
        match self.members.get(key) {
            None | Some(Value::Null) => None,
            Some(value) => Some(value),
        }
    }

    /// An optional string member.
    pub fn opt_str(&self, key: &str) -> ApiResult<Option<&'a str>> {
        match self.raw(key) {
            None => Ok(None),
            Some(Value::String(text)) => Ok(Some(text.as_str())),
            Some(_) => Err(wrong_type(key, "a string")),
        }
    }

    /// A required string member; an empty string counts as missing, like the service's length check.
    pub fn req_str(&self, key: &str) -> ApiResult<&'a str> {
        match self.opt_str(key)? {
            Some(text) if !text.is_empty() => Ok(text),
            Some(_) => Err(ApiError::invalid_parameter(format!(
                "1 validation error detected: Value at '{key}' failed to satisfy constraint: Member must have length greater than or equal to 1"
            ))),
            None => Err(ApiError::missing_member(key)),
        }
    }

    /// An optional boolean member.
    pub fn opt_bool(&self, key: &str) -> ApiResult<Option<bool>> {
        match self.raw(key) {
            None => Ok(None),
            Some(Value::Bool(flag)) => Ok(Some(*flag)),
            Some(_) => Err(wrong_type(key, "a boolean")),
        }
    }

    /// An optional integer member.
    pub fn opt_i64(&self, key: &str) -> ApiResult<Option<i64>> {
        match self.raw(key) {
            None => Ok(None),
            Some(Value::Number(number)) => number
                .as_i64()
                .map(Some)
                .ok_or_else(|| wrong_type(key, "an integer")),
            Some(_) => Err(wrong_type(key, "an integer")),
        }
    }

    /// An optional list of strings.
    pub fn opt_str_list(&self, key: &str) -> ApiResult<Option<Vec<String>>> {
        match self.raw(key) {
            None => Ok(None),
            Some(Value::Array(items)) => items
                .iter()
                .map(|item| match item {
                    Value::String(text) => Ok(text.clone()),
                    _ => Err(wrong_type(key, "a list of strings")),
                })
                .collect::<ApiResult<Vec<_>>>()
                .map(Some),
            Some(_) => Err(wrong_type(key, "a list of strings")),
        }
    }

    /// An optional string-to-string map (ChallengeResponses, AuthParameters, ClientMetadata).
    pub fn opt_str_map(&self, key: &str) -> ApiResult<BTreeMap<String, String>> {
        match self.raw(key) {
            None => Ok(BTreeMap::new()),
            Some(Value::Object(entries)) => entries
                .iter()
                .filter(|(_, value)| !value.is_null())
                .map(|(name, value)| match value {
                    Value::String(text) => Ok((name.clone(), text.clone())),
                    _ => Err(wrong_type(key, "a map of strings")),
                })
                .collect(),
            Some(_) => Err(wrong_type(key, "a map of strings")),
        }
    }

    /// An optional nested object, wrapped again as parameters.
    pub fn opt_object(&self, key: &str) -> ApiResult<Option<Params<'a>>> {
        match self.raw(key) {
            None => Ok(None),
            Some(value @ Value::Object(_)) => Params::new(value).map(Some),
            Some(_) => Err(wrong_type(key, "an object")),
        }
    }

    /// An optional `[{"Name": ..., "Value": ...}]` attribute list, in request order.
    pub fn opt_attributes(&self, key: &str) -> ApiResult<Option<Vec<(String, String)>>> {
        let items = match self.raw(key) {
            None => return Ok(None),
            Some(Value::Array(items)) => items,
            Some(_) => return Err(wrong_type(key, "a list of attributes")),
        };
        let mut attributes = Vec::with_capacity(items.len());
        for item in items {
            let entry = Params::new(item).map_err(|_| wrong_type(key, "a list of attributes"))?;
            let name = entry.req_str("Name")?.to_string();
            let value = entry.opt_str("Value")?.unwrap_or_default().to_string();
            attributes.push((name, value));
        }
        Ok(Some(attributes))
    }
}
