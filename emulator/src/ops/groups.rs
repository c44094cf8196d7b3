//! Groups (SigV4-signed): CRUD, memberships, and the group claims of tokens.

use std::collections::BTreeSet;

use serde_json::{json, Map, Value};

use crate::app::App;
use crate::error::{ApiError, ApiResult};
use crate::lifecycle::common::{self, date, Owner};
use crate::lifecycle::{tokens, users};
use crate::model::{Group, Pool};
use crate::params::Params;

/// Groups a pool may hold (the service's quota).
pub const GROUPS_PER_POOL: usize = 10_000;
/// Groups a user may be in (the service's quota).
pub const GROUPS_PER_USER: usize = 100;
/// Largest `Limit` of the group list operations, also their default page size.
const PAGE_MAX: i64 = 60;

fn validation(message: String) -> ApiError {
    ApiError::invalid_parameter(format!("1 validation error detected: {message}"))
}

/// The `GroupType` shape.
fn group_type(pool_id: &str, group: &Group) -> Value {
    let mut out = json!({
        "GroupName": group.group_name,
        "UserPoolId": pool_id,
        "LastModifiedDate": date(group.last_modified),
        "CreationDate": date(group.created),
    });
    if let Some(description) = &group.description {
        out["Description"] = json!(description);
    }
    if let Some(role_arn) = &group.role_arn {
        out["RoleArn"] = json!(role_arn);
    }
    if let Some(precedence) = group.precedence {
        out["Precedence"] = json!(precedence);
    }
    out
}

/// A group by name, or the service's ResourceNotFoundException.
fn group<'a>(pool: &'a Pool, name: &str) -> ApiResult<&'a Group> {
    pool.groups.get(name).ok_or_else(group_not_found)
}

fn group_not_found() -> ApiError {
    ApiError::resource_not_found("Group not found.")
}

/// Whether `text` is a character class `[\w+=/,.@-]` run (`\w` being Java's ASCII word class).
fn arn_word(text: &str) -> bool {
    text.bytes()
        .all(|b| b.is_ascii_alphanumeric() || b"_+=/,.@-".contains(&b))
}

/// The reference's RoleArn pattern
/// `arn:[\w+=/,.@-]+:[\w+=/,.@-]+:([\w+=/,.@-]*)?:[0-9]+:[\w+=/,.@-]+(:[\w+=/,.@-]+)?(:[\w+=/,.@-]+)?`
/// and length 20–2048.
fn check_role_arn(arn: &str) -> ApiResult<()> {
    let length = arn.chars().count();
    if !(20..=2048).contains(&length) {
        let bound = if length < 20 {
            "greater than or equal to 20"
        } else {
            "less than or equal to 2048"
        };
        return Err(validation(format!(
            "Value at 'roleArn' failed to satisfy constraint: Member must have length {bound}"
        )));
    }
    let parts: Vec<&str> = arn.split(':').collect();
    let shaped = (6..=8).contains(&parts.len())
        && parts[0] == "arn"
        && parts.iter().all(|part| arn_word(part))
        && [1, 2].iter().all(|&i| !parts[i].is_empty())
        && !parts[4].is_empty()
        && parts[4].bytes().all(|b| b.is_ascii_digit())
        && parts[5..].iter().all(|part| !part.is_empty());
    if shaped {
        Ok(())
    } else {
        Err(validation(
            "Value at 'roleArn' failed to satisfy constraint: Member must satisfy regular expression pattern: arn:[\\w+=/,.@-]+:[\\w+=/,.@-]+:([\\w+=/,.@-]*)?:[0-9]+:[\\w+=/,.@-]+(:[\\w+=/,.@-]+)?(:[\\w+=/,.@-]+)?".to_string(),
        ))
    }
}

/// The settable members of CreateGroup / UpdateGroup, validated; `None` = not given.
struct GroupFields {
    description: Option<String>,
    role_arn: Option<String>,
    precedence: Option<i64>,
}

fn group_fields(params: &Params) -> ApiResult<GroupFields> {
    let description = params.opt_str("Description")?;
    if description.is_some_and(|d| d.chars().count() > 2048) {
        return Err(validation(
            "Value at 'description' failed to satisfy constraint: Member must have length less than or equal to 2048".to_string(),
        ));
    }
    let role_arn = params.opt_str("RoleArn")?;
    if let Some(arn) = role_arn {
        check_role_arn(arn)?;
    }
    let precedence = params.opt_i64("Precedence")?;
    if let Some(value) = precedence {
        if value < 0 {
            return Err(validation(format!(
                "Value '{value}' at 'precedence' failed to satisfy constraint: Member must have value greater than or equal to 0"
            )));
        }
        if value > i64::from(i32::MAX) {
            return Err(validation(format!(
                "Value '{value}' at 'precedence' failed to satisfy constraint: Member must have value less than or equal to 2147483647"
            )));
        }
    }
    Ok(GroupFields {
        description: description.map(str::to_string),
        role_arn: role_arn.map(str::to_string),
        precedence,
    })
}

/// `Limit` of the group list operations: 0–60, where 0 (or none) means a full page.
fn page_limit(params: &Params) -> ApiResult<usize> {
    let limit = params.opt_i64("Limit")?.unwrap_or(0);
    if !(0..=PAGE_MAX).contains(&limit) {
        return Err(ApiError::out_of_range("limit", limit, 0, PAGE_MAX));
    }
    Ok(usize::try_from(if limit == 0 { PAGE_MAX } else { limit }).unwrap_or(60))
}

/// One page of `items` under `key`, with `NextToken` when more follow.
fn paged(
    scope: &str,
    key: &str,
    items: Vec<Value>,
    token: Option<&str>,
    limit: usize,
) -> ApiResult<Value> {
    let (range, next) = common::page(scope, token, limit, items.len())?;
    let mut out = Map::new();
    out.insert(key.into(), json!(items.get(range).unwrap_or(&[])));
    if let Some(next) = next {
        out.insert("NextToken".into(), json!(next));
    }
    Ok(Value::Object(out))
}

/// CreateGroup.
pub fn create_group(app: &App, body: &Value) -> ApiResult<Value> {
    let params = Params::new(body)?;
    let name = params.req_str("GroupName")?;
    let pool_id = params.req_str("UserPoolId")?;
    let fields = group_fields(&params)?;
    let now = app.now();
    app.write(|db| {
        let pool = db.pool_mut(pool_id)?;
        if pool.groups.contains_key(name) {
            return Err(ApiError::new(
                "GroupExistsException",
                "A group with the name already exists.",
            ));
        }
        if pool.groups.len() >= GROUPS_PER_POOL {
            return Err(ApiError::new(
                "LimitExceededException",
                "The user pool has reached its limit of groups.",
            ));
        }
        let group = Group {
            group_name: name.to_string(),
            description: fields.description,
            role_arn: fields.role_arn,
            precedence: fields.precedence,
            created: now,
            last_modified: now,
        };
        let out = json!({ "Group": group_type(pool_id, &group) });
        pool.groups.insert(name.to_string(), group);
        Ok(out)
    })
}

/// GetGroup.
pub fn get_group(app: &App, body: &Value) -> ApiResult<Value> {
    let params = Params::new(body)?;
    let name = params.req_str("GroupName")?;
    let pool_id = params.req_str("UserPoolId")?;
    app.read(|db| {
        let pool = db.pool(pool_id)?;
        Ok(json!({ "Group": group_type(pool_id, group(pool, name)?) }))
    })
}

/// UpdateGroup: the members given replace the stored ones; members left out keep their value.
pub fn update_group(app: &App, body: &Value) -> ApiResult<Value> {
    let params = Params::new(body)?;
    let name = params.req_str("GroupName")?;
    let pool_id = params.req_str("UserPoolId")?;
    let fields = group_fields(&params)?;
    let now = app.now();
    app.write(|db| {
        let pool = db.pool_mut(pool_id)?;
        let group = pool.groups.get_mut(name).ok_or_else(group_not_found)?;
        if fields.description.is_some() {
            group.description = fields.description;
        }
        if fields.role_arn.is_some() {
            group.role_arn = fields.role_arn;
        }
        if fields.precedence.is_some() {
            group.precedence = fields.precedence;
        }
        group.last_modified = now;
        Ok(json!({ "Group": group_type(pool_id, group) }))
    })
}

/// DeleteGroup: the group's memberships go with it.
pub fn delete_group(app: &App, body: &Value) -> ApiResult<Value> {
    let params = Params::new(body)?;
    let name = params.req_str("GroupName")?;
    let pool_id = params.req_str("UserPoolId")?;
    app.write(|db| {
        let pool = db.pool_mut(pool_id)?;
        pool.groups.remove(name).ok_or_else(group_not_found)?;
        pool.users.update_each(|_, user| user.groups.remove(name));
        Ok(json!({}))
    })
}

/// ListGroups, by name.
pub fn list_groups(app: &App, body: &Value) -> ApiResult<Value> {
    let params = Params::new(body)?;
    let pool_id = params.req_str("UserPoolId")?;
    let limit = page_limit(&params)?;
    let token = params.opt_str("NextToken")?;
    app.read(|db| {
        let pool = db.pool(pool_id)?;
        let groups = pool
            .groups
            .values()
            .map(|g| group_type(pool_id, g))
            .collect();
        paged(
            &format!("ListGroups {pool_id}"),
            "Groups",
            groups,
            token,
            limit,
        )
    })
}

/// Runs a membership change on the named user's groups for an existing group; the user's
/// LastModifiedDate moves only when `change` reports a change.
fn change_membership(
    app: &App,
    body: &Value,
    change: impl FnOnce(&mut BTreeSet<String>, &str) -> ApiResult<bool>,
) -> ApiResult<Value> {
    let params = Params::new(body)?;
    let owner = Owner::from(&params, true)?;
    let name = params.req_str("GroupName")?;
    let now = app.now();
    owner.write_in_pool(app, |pool, username| {
        group(pool, name)?;
        let user = pool.user_mut(username)?;
        if change(&mut user.groups, name)? {
            user.last_modified = now;
        }
        Ok(json!({}))
    })
}

/// AdminAddUserToGroup (adding a member again changes nothing).
pub fn admin_add_user_to_group(app: &App, body: &Value) -> ApiResult<Value> {
    change_membership(app, body, |groups, name| {
        if groups.contains(name) {
            return Ok(false);
        }
        if groups.len() >= GROUPS_PER_USER {
            return Err(ApiError::new(
                "LimitExceededException",
                "The user has reached its limit of groups.",
            ));
        }
        Ok(groups.insert(name.to_string()))
    })
}

/// AdminRemoveUserFromGroup (removing a non-member changes nothing).
pub fn admin_remove_user_from_group(app: &App, body: &Value) -> ApiResult<Value> {
    change_membership(app, body, |groups, name| Ok(groups.remove(name)))
}

/// AdminListGroupsForUser.
pub fn admin_list_groups_for_user(app: &App, body: &Value) -> ApiResult<Value> {
    let params = Params::new(body)?;
    let typed = params.req_str("Username")?;
    let pool_id = params.req_str("UserPoolId")?;
    let limit = page_limit(&params)?;
    let token = params.opt_str("NextToken")?;
    app.read(|db| {
        let pool = db.pool(pool_id)?;
        let user = pool.user(&users::lookup(pool, typed)?)?;
        let groups = tokens::groups_of(pool, user)
            .into_iter()
            .map(|g| group_type(pool_id, g))
            .collect();
        paged(
            &format!("AdminListGroupsForUser {pool_id} {typed}"),
            "Groups",
            groups,
            token,
            limit,
        )
    })
}

/// ListUsersInGroup.
pub fn list_users_in_group(app: &App, body: &Value) -> ApiResult<Value> {
    let params = Params::new(body)?;
    let pool_id = params.req_str("UserPoolId")?;
    let name = params.req_str("GroupName")?;
    let limit = page_limit(&params)?;
    let token = params.opt_str("NextToken")?;
    app.read(|db| {
        let pool = db.pool(pool_id)?;
        group(pool, name)?;
        let users = pool
            .users
            .values()
            .filter(|u| u.groups.contains(name))
            .map(users::user_type)
            .collect();
        paged(
            &format!("ListUsersInGroup {pool_id} {name}"),
            "Users",
            users,
            token,
            limit,
        )
    })
}
