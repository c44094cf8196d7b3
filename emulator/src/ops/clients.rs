//! UpdateUserPoolClient and ListUserPoolClients (the client settings' rules live in
//! `crate::lifecycle::clients` and `crate::lifecycle::pools`).

use serde_json::{json, Value};

use crate::app::App;
use crate::error::{ApiError, ApiResult};
use crate::lifecycle::common;
use crate::lifecycle::pools::build_client;
use crate::model::AppClient;
use crate::params::Params;

/// UpdateUserPoolClient. Like the service, every member left out returns to its default; the
/// client id, its secret and its creation date stay, and so does the name when none is given.
pub fn update_user_pool_client(app: &App, body: &Value) -> ApiResult<Value> {
    let params = Params::new(body)?;
    let pool_id = params.req_str("UserPoolId")?;
    let client_id = params.req_str("ClientId")?;
    let name = params.opt_str("ClientName")?;
    let now = app.now();
    app.write(|db| {
        let pool = db.pool_mut(pool_id)?;
        let old = pool.clients.get(client_id).cloned().ok_or_else(|| {
            ApiError::resource_not_found(format!("User pool client {client_id} does not exist."))
        })?;
        let mut request = body.clone();
        if let Value::Object(members) = &mut request {
            // Not a member of this operation: the secret cannot be changed here.
            members.remove("GenerateSecret");
            if name.is_none() {
                members.insert("ClientName".into(), json!(old.client_name));
            }
        }
        let merged = Params::new(&request)?;
        let mut client = build_client(
            pool,
            &merged,
            Some(&old.client_id),
            old.client_secret.as_deref(),
            now,
        )?;
        client.creation_date = old.creation_date;
        let out = json!({ "UserPoolClient": client });
        pool.clients.insert(client.client_id.clone(), client);
        Ok(out)
    })
}

/// ListUserPoolClients: pages of `MaxResults` (1–60, 60 by default) with `NextToken`.
pub fn list_user_pool_clients(app: &App, body: &Value) -> ApiResult<Value> {
    let params = Params::new(body)?;
    let pool_id = params.req_str("UserPoolId")?;
    let max = params.opt_i64("MaxResults")?.unwrap_or(60);
    if !(1..=60).contains(&max) {
        return Err(ApiError::out_of_range("maxResults", max, 1, 60));
    }
    let limit = usize::try_from(max).unwrap_or(60);
    let token = params.opt_str("NextToken")?;
    app.read(|db| {
        let pool = db.pool(pool_id)?;
        let all: Vec<&AppClient> = pool.clients.values().collect();
        let scope = format!("ListUserPoolClients {pool_id}");
        let (range, next) = common::page(&scope, token, limit, all.len())?;
        let clients: Vec<Value> = all
            .get(range)
            .unwrap_or(&[])
            .iter()
            .map(|c| json!({ "ClientId": c.client_id, "UserPoolId": c.user_pool_id, "ClientName": c.client_name }))
            .collect();
        let mut out = json!({ "UserPoolClients": clients });
        if let Some(next) = next {
            out["NextToken"] = json!(next);
        }
        Ok(out)
    })
}
