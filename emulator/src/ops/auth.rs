//! Sign-in: InitiateAuth, RespondToAuthChallenge, token issuance, refresh and revocation.

use std::collections::BTreeMap;

use num_bigint::BigUint;
use serde_json::{json, Map, Value};

use crate::app::{real_now, App, ChallengeRound, ChallengeSession, SignInContext, Step};
use crate::crypto;
use crate::error::{ApiError, ApiResult};
use crate::lifecycle::common;
use crate::lifecycle::{challenges, events, hooks, messages, sessions, tokens, users, webauthn};
use crate::model::{status, AppClient, Db, Pool, User};
use crate::params::Params;
use crate::srp;
use crate::triggers;

/// How far a client's TIMESTAMP may be from the server clock.
const TIMESTAMP_TOLERANCE: i64 = 300;
/// Size of the opaque SECRET_BLOCK (the real one is an encrypted blob of similar size).
const SECRET_BLOCK_BYTES: usize = 96;

fn missing(name: &str) -> ApiError {
    ApiError::invalid_parameter(format!("Missing required parameter {name}"))
}

/// Registers a challenge and renders the service's challenge response.
fn challenge(
    app: &App,
    ctx: SignInContext,
    step: Step,
    ttl: i64,
    parameters: Map<String, Value>,
) -> Value {
    let session_id = sessions::new_session_id();
    let name = step.challenge_name();
    app.put_session(
        session_id.clone(),
        ChallengeSession {
            ctx,
            step,
            expires_at: app.now() + ttl,
        },
    );
    json!({ "ChallengeName": name, "Session": session_id, "ChallengeParameters": parameters })
}

/// Where a sign-in call came in: the public API (InitiateAuth, RespondToAuthChallenge) or the
/// IAM-signed one (AdminInitiateAuth, AdminRespondToAuthChallenge). Both run the same state
/// machine; they differ only in the flows they accept, in how the app client is found (the
/// admin path names the pool, and the client must belong to it) and in the context data they
/// carry (`ContextData` on the admin path, `UserContextData` on the public one).
struct Entry<'a> {
    admin: bool,
    client_id: &'a str,
    pool_id: Option<&'a str>,
    /// `EventContextData` for the auth event.
    context: Option<Value>,
    /// `ClientMetadata`: `validationData` of PreAuthentication and UserMigration on
    /// (Admin)InitiateAuth, `clientMetadata` of the triggers on (Admin)RespondToAuthChallenge.
    metadata: BTreeMap<String, String>,
    /// The managed login page of the pool's domain: the client's ExplicitAuthFlows and
    /// SECRET_HASH do not apply (the page signs in on the service's side).
    hosted: bool,
}

impl<'a> Entry<'a> {
    fn read(params: &Params<'a>, admin: bool) -> ApiResult<Self> {
        let pool_id = if admin {
            Some(params.req_str("UserPoolId")?)
        } else {
            None
        };
        let client_id = params.req_str("ClientId")?;
        let metadata = params.opt_str_map("ClientMetadata")?;
        if let Some(analytics) = params.opt_object("AnalyticsMetadata")? {
            analytics.opt_str("AnalyticsEndpointId")?;
        }
        let context = events::context_data(params, admin)?;
        Ok(Self {
            admin,
            client_id,
            pool_id,
            context,
            metadata,
            hosted: false,
        })
    }

    /// The pool and app client of the call.
    fn client<'d>(&self, db: &'d Db) -> ApiResult<(&'d Pool, &'d AppClient)> {
        let Some(pool_id) = self.pool_id else {
            return common::client(db, self.client_id);
        };
        let pool = db.pool(pool_id)?;
        let client = pool.clients.get(self.client_id).ok_or_else(|| {
            ApiError::resource_not_found(format!(
                "User pool client {} does not exist.",
                self.client_id
            ))
        })?;
        Ok((pool, client))
    }
}

/// What InitiateAuth learned before any expensive math.
struct Begin {
    pool_id: String,
    client: AppClient,
    user: Option<User>,
    srp_name: String,
    /// Stand-in for an unknown user when the client hides user existence.
    fake: Option<common::FakeUser>,
}

fn begin(
    app: &App,
    entry: &Entry,
    auth: &BTreeMap<String, String>,
    allow: &str,
    flow_name: &str,
) -> ApiResult<Begin> {
    app.read(|db| {
        let (pool, client) = entry.client(db)?;
        if !entry.hosted && !client.allows(allow) {
            return Err(ApiError::invalid_parameter(format!(
                "{flow_name} flow not enabled for this client"
            )));
        }
        let typed = auth.get("USERNAME").ok_or_else(|| missing("USERNAME"))?;
        let found = pool.find_username(typed);
        let mut candidates = vec![typed.as_str()];
        if let Some(found) = &found {
            candidates.push(found);
        }
        if !entry.hosted {
            common::check_secret_hash(
                client,
                auth.get("SECRET_HASH").map(String::as_str),
                &candidates,
            )?;
        }
        let user = found.and_then(|name| pool.users.get(&name).cloned());
        let fake = if user.is_none() && client.hides_user_existence() {
            Some(common::fake_user(pool, typed))
        } else {
            None
        };
        Ok(Begin {
            pool_id: pool.id.clone(),
            client: client.clone(),
            user,
            srp_name: pool.srp_name().to_string(),
            fake,
        })
    })
}

fn context(
    begin: &Begin,
    entry: &Entry,
    username: &str,
    device_key: Option<&String>,
) -> SignInContext {
    SignInContext {
        pool_id: begin.pool_id.clone(),
        client_id: begin.client.client_id.clone(),
        username: username.to_string(),
        typed_username: username.to_string(),
        device_key: device_key.cloned(),
        device_verified: false,
        custom_flow: false,
        custom_index: 0,
        wrong_answers: 0,
        new_password_done: false,
        mfa_done: false,
        password_verified: false,
        password_stamp: begin
            .user
            .as_ref()
            .map(|u| u.password.verifier_hex.clone())
            .unwrap_or_default(),
        admin: entry.admin,
        event_id: uuid::Uuid::new_v4().to_string(),
        event_context: entry.context.clone(),
        custom_triggers: false,
        custom_done: false,
        rounds: Vec::new(),
        hosted: entry.hosted,
    }
}

/// Records a sign-in step in the user's auth events (see [`events::record_sign_in`]) and
/// passes its result on.
fn settle(
    app: &App,
    ctx: &SignInContext,
    factor: Option<(&'static str, bool)>,
    result: ApiResult<Value>,
) -> ApiResult<Value> {
    events::record_sign_in(app, ctx, factor, &result);
    result
}

/// PreAuthentication for the sign-in `begin` found (an unknown user hidden by
/// PreventUserExistenceErrors included, with `userNotFound`); nothing for an unknown user the
/// client does not hide, who is refused next.
fn pre_authentication(
    app: &App,
    begin: &Begin,
    entry: &Entry,
    auth: &BTreeMap<String, String>,
) -> ApiResult<()> {
    let typed = auth.get("USERNAME").map_or("", String::as_str);
    let user = match (&begin.user, &begin.fake) {
        (Some(user), _) => Ok(user),
        (None, Some(_)) => Err(typed),
        (None, None) => return Ok(()),
    };
    hooks::pre_authentication(
        app,
        &begin.pool_id,
        &begin.client.client_id,
        user,
        begin.client.hides_user_existence(),
        Some(&entry.metadata),
    )
}

/// The password sign-in of the managed login page (`/login` at the pool's domain): the very
/// USER_PASSWORD_AUTH sign-in of the API — UserMigration, PreAuthentication, lockouts, auth
/// events, the new-password and MFA decisions, PostAuthentication — whatever the client's
/// ExplicitAuthFlows, ending without tokens. The reply is a challenge as InitiateAuth gives it,
/// or `{"HostedSignIn": {"Username", "AuthTime"}}` when the user is signed in.
pub fn managed_login(
    app: &App,
    client_id: &str,
    username: &str,
    password: &str,
) -> ApiResult<Value> {
    let entry = Entry {
        admin: false,
        client_id,
        pool_id: None,
        context: None,
        metadata: BTreeMap::new(),
        hosted: true,
    };
    let auth = BTreeMap::from([
        ("USERNAME".to_string(), username.to_string()),
        ("PASSWORD".to_string(), password.to_string()),
    ]);
    password_auth(app, &entry, &auth, "", "USER_PASSWORD_AUTH")
}

/// The next step of a managed-login sign-in (a new password, an MFA code): the very
/// RespondToAuthChallenge of the API on the session [`managed_login`] answered with. The reply
/// is the next challenge or `{"HostedSignIn": …}`.
pub fn managed_respond(
    app: &App,
    client_id: &str,
    session: &str,
    challenge_name: &str,
    responses: &BTreeMap<String, String>,
) -> ApiResult<Value> {
    let body = json!({
        "ClientId": client_id,
        "ChallengeName": challenge_name,
        "Session": session,
        "ChallengeResponses": responses,
    });
    respond(app, &body, false, true)
}

/// InitiateAuth.
pub fn initiate_auth(app: &App, body: &Value) -> ApiResult<Value> {
    initiate(app, body, false)
}

/// AdminInitiateAuth.
pub fn admin_initiate_auth(app: &App, body: &Value) -> ApiResult<Value> {
    initiate(app, body, true)
}

fn initiate(app: &App, body: &Value, admin: bool) -> ApiResult<Value> {
    let params = Params::new(body)?;
    let entry = Entry::read(&params, admin)?;
    let flow = params.req_str("AuthFlow")?;
    let auth = params.opt_str_map("AuthParameters")?;
    match (flow, admin) {
        ("USER_SRP_AUTH", _) => srp_start(app, &entry, &auth, false),
        ("USER_PASSWORD_AUTH", false) => password_auth(
            app,
            &entry,
            &auth,
            "ALLOW_USER_PASSWORD_AUTH",
            "USER_PASSWORD_AUTH",
        ),
        ("ADMIN_USER_PASSWORD_AUTH" | "ADMIN_NO_SRP_AUTH", true) => password_auth(
            app,
            &entry,
            &auth,
            "ALLOW_ADMIN_USER_PASSWORD_AUTH",
            flow,
        ),
        ("REFRESH_TOKEN_AUTH" | "REFRESH_TOKEN", _) => refresh_auth(app, &entry, &auth),
        ("USER_AUTH", _) => user_auth(app, &entry, &auth, params.opt_str("Session")?),
        ("CUSTOM_AUTH", _) => {
            let (pool_id, built_in) = app.read(|db| {
                let (pool, _) = entry.client(db)?;
                Ok((
                    pool.id.clone(),
                    pool.settings.custom_auth.as_ref().is_some_and(|c| !c.challenges.is_empty()),
                ))
            })?;
            if !built_in && !hooks::custom_auth_on_triggers(app, &pool_id)? {
                return Err(ApiError::invalid_parameter(
                    "Custom auth lambda trigger is not configured for the user pool.",
                ));
            }
            if auth.get("CHALLENGE_NAME").map(String::as_str) == Some("SRP_A") {
                srp_start(app, &entry, &auth, true)
            } else {
                custom_start(app, &entry, &auth)
            }
        }
        (
            "ADMIN_NO_SRP_AUTH" | "ADMIN_USER_PASSWORD_AUTH" | "USER_PASSWORD_AUTH",
            _,
        ) => Err(ApiError::invalid_parameter(format!(
            "Initiate Auth method {flow} not supported."
        ))),
        (other, _) => Err(ApiError::invalid_parameter(format!(
            "1 validation error detected: Value '{other}' at 'authFlow' failed to satisfy constraint: Member must satisfy enum value set: [USER_SRP_AUTH, REFRESH_TOKEN_AUTH, REFRESH_TOKEN, CUSTOM_AUTH, ADMIN_NO_SRP_AUTH, USER_PASSWORD_AUTH, ADMIN_USER_PASSWORD_AUTH, USER_AUTH]"
        ))),
    }
}

/// USER_SRP_AUTH (and CUSTOM_AUTH starting with SRP_A): answers PASSWORD_VERIFIER.
fn srp_start(
    app: &App,
    entry: &Entry,
    auth: &BTreeMap<String, String>,
    custom: bool,
) -> ApiResult<Value> {
    let (allow, name) = if custom {
        ("ALLOW_CUSTOM_AUTH", "CUSTOM_AUTH")
    } else {
        ("ALLOW_USER_SRP_AUTH", "USER_SRP_AUTH")
    };
    let begin = begin(app, entry, auth, allow, name)?;
    let srp_a = auth.get("SRP_A").ok_or_else(|| missing("SRP_A"))?;
    pre_authentication(app, &begin, entry, auth)?;
    // Custom auth on triggers that starts with SRP: DefineAuthChallenge sees the SRP_A round and
    // must ask for PASSWORD_VERIFIER.
    let mut rounds = Vec::new();
    let custom_triggers = custom && hooks::custom_auth_on_triggers(app, &begin.pool_id)?;
    if let (true, Some(user)) = (custom_triggers, &begin.user) {
        rounds.push(ChallengeRound {
            name: "SRP_A".into(),
            result: true,
            metadata: None,
        });
        let subject = hooks::ChallengeSubject {
            pool_id: &begin.pool_id,
            client_id: &begin.client.client_id,
            username: &user.username,
            not_found: false,
            hides_existence: begin.client.hides_user_existence(),
        };
        match hooks::define_auth_challenge(app, &subject, &rounds, None)? {
            hooks::Defined::Challenge(name) if name == "PASSWORD_VERIFIER" => {}
            hooks::Defined::Fail => return Err(ApiError::bad_credentials()),
            other => {
                return Err(triggers::invalid_response(
                    triggers::Trigger::DefineAuthChallenge,
                    &format!(
                        "after SRP_A the next challenge must be PASSWORD_VERIFIER, not {other:?}"
                    ),
                ))
            }
        }
    }
    let user_id = match (&begin.user, &begin.fake) {
        (Some(user), _) => user.username.clone(),
        (None, Some(fake)) => fake.user_id.clone(),
        (None, None) => return Err(ApiError::user_not_found()),
    };
    let mut ctx = context(&begin, entry, &user_id, auth.get("DEVICE_KEY"));
    ctx.custom_flow = custom;
    ctx.custom_triggers = custom_triggers;
    ctx.rounds = rounds;
    password_verifier(app, &begin, ctx, srp_a)
}

/// USER_PASSWORD_AUTH and ADMIN_USER_PASSWORD_AUTH (ADMIN_NO_SRP_AUTH): the password travels in
/// clear and is checked against the verifier.
fn password_auth(
    app: &App,
    entry: &Entry,
    auth: &BTreeMap<String, String>,
    allow: &str,
    flow_name: &str,
) -> ApiResult<Value> {
    let mut begin = begin(app, entry, auth, allow, flow_name)?;
    let password = auth.get("PASSWORD").ok_or_else(|| missing("PASSWORD"))?;
    if begin.user.is_none() {
        // A user the pool does not have may be migrated from an old user store (UserMigration).
        let typed = auth.get("USERNAME").map_or("", String::as_str);
        if let Some(migration) = hooks::migrate_user(
            app,
            &begin.pool_id,
            &begin.client.client_id,
            typed,
            Some(password),
            Some(&entry.metadata),
            None,
        )? {
            let now = app.now();
            app.write(|db| {
                let pool = db.pool_mut(&begin.pool_id)?;
                users::create_user(
                    pool,
                    typed,
                    password,
                    &migration.attributes,
                    migration.status,
                    users::Creation::Migration,
                    now,
                )
                .map(|_| ())
            })?;
            begin = self::begin(app, entry, auth, allow, flow_name)?;
        }
    }
    pre_authentication(app, &begin, entry, auth)?;
    let Some(user) = &begin.user else {
        let Some(fake) = &begin.fake else {
            return Err(ApiError::user_not_found());
        };
        // Same work as for a real user, so timing does not tell either.
        let _ = srp::password_matches(
            &begin.srp_name,
            &fake.user_id,
            password,
            &fake.salt_hex,
            &fake.verifier_hex,
        );
        return Err(common::fake_user_failure(
            app,
            &begin.pool_id,
            &fake.user_id,
            app.now(),
        ));
    };
    // The modpow runs outside the database lock.
    let matches = srp::password_matches(
        &begin.srp_name,
        &user.username,
        password,
        &user.password.salt_hex,
        &user.password.verifier_hex,
    );
    let mut ctx = context(&begin, entry, &user.username, auth.get("DEVICE_KEY"));
    let now = app.now();
    // A wrong password writes nothing (see `password_attempt`); a password set since the
    // verifier was read is caught by `next_step`'s stamp check.
    if let Err(error) = common::password_attempt(app, &begin.pool_id, &ctx.username, matches, now) {
        return settle(app, &ctx, Some(("Password", false)), Err(error));
    }
    ctx.password_verified = true;
    let result = proceed(app, &ctx, now, None);
    settle(app, &ctx, Some(("Password", true)), result)
}

/// CUSTOM_AUTH without SRP: the first built-in custom challenge.
fn custom_start(app: &App, entry: &Entry, auth: &BTreeMap<String, String>) -> ApiResult<Value> {
    let begin = begin(app, entry, auth, "ALLOW_CUSTOM_AUTH", "CUSTOM_AUTH")?;
    let Some(user) = &begin.user else {
        return Err(if begin.client.hides_user_existence() {
            ApiError::bad_credentials()
        } else {
            ApiError::user_not_found()
        });
    };
    pre_authentication(app, &begin, entry, auth)?;
    let mut ctx = context(&begin, entry, &user.username, auth.get("DEVICE_KEY"));
    ctx.custom_flow = true;
    ctx.custom_triggers = hooks::custom_auth_on_triggers(app, &begin.pool_id)?;
    let now = app.now();
    let result = proceed(app, &ctx, now, None);
    settle(app, &ctx, None, result)
}

/// What a sign-in does next, as decided under the state lock. The steps that call a Lambda
/// trigger are carried out by [`advance`] once the lock is released.
enum Next {
    /// Answer this (a challenge).
    Reply(Value),
    /// Ask DefineAuthChallenge what comes next (custom auth on triggers).
    Custom(SignInContext),
    /// Send a code (`SMS_MFA`, `EMAIL_OTP` or `SMS_OTP`; CustomMessage may write its text) and
    /// ask for it.
    Code(SignInContext, &'static str),
    /// The sign-in succeeded: PostAuthentication, PreTokenGeneration, then tokens.
    Done(SignInContext),
}

/// Most rounds one custom-auth sign-in may take.
const MAX_CUSTOM_ROUNDS: usize = 30;

/// Decides what a sign-in needs next once a factor succeeded: a new password, a custom
/// challenge, device SRP, MFA — or tokens.
fn next_step(app: &App, db: &mut Db, mut ctx: SignInContext, now: i64) -> ApiResult<Next> {
    let pool = db.pool_mut(&ctx.pool_id)?;
    let client = pool
        .client(&ctx.client_id)
        .map_err(|_| ApiError::invalid_session())?
        .clone();
    let ttl = client.auth_session_validity * 60;
    let user = pool.user(&ctx.username)?.clone();
    if !user.enabled {
        return Err(ApiError::not_authorized("User is disabled."));
    }
    match user.status.as_str() {
        status::UNCONFIRMED => {
            return Err(ApiError::new(
                "UserNotConfirmedException",
                "User is not confirmed.",
            ))
        }
        status::RESET_REQUIRED => {
            return Err(ApiError::new(
                "PasswordResetRequiredException",
                "Password reset required for the user",
            ))
        }
        _ => {}
    }
    // A password set or reset since this sign-in proved the old one ends the sign-in.
    if ctx.password_verified && user.password.verifier_hex != ctx.password_stamp {
        return Err(ApiError::bad_credentials());
    }
    let must_change_password =
        user.status == status::FORCE_CHANGE_PASSWORD && !ctx.new_password_done;
    // NEW_PASSWORD_REQUIRED only once the temporary password was proven in this sign-in.
    if must_change_password && ctx.password_verified {
        let days = pool
            .settings
            .admin_create_user_config
            .as_ref()
            .and_then(|c| c.unused_account_validity_days)
            .unwrap_or(pool.password_policy().temporary_password_validity_days);
        if now.saturating_sub(user.password.set_at) > i64::from(days) * 86_400 {
            return Err(ApiError::not_authorized(
                "Temporary password has expired and must be reset by an administrator.",
            ));
        }
        let required: Vec<String> = common::required_attributes(pool)
            .into_iter()
            .filter(|name| user.attr(name).is_none())
            .map(|name| format!("userAttributes.{name}"))
            .collect();
        let mut parameters = Map::new();
        parameters.insert("USER_ID_FOR_SRP".into(), json!(user.username));
        parameters.insert(
            "requiredAttributes".into(),
            json!(json!(required).to_string()),
        );
        parameters.insert(
            "userAttributes".into(),
            json!(json!(user.attributes).to_string()),
        );
        return Ok(Next::Reply(challenge(
            app,
            ctx,
            Step::NewPasswordRequired,
            ttl,
            parameters,
        )));
    }
    if ctx.custom_flow {
        if ctx.custom_triggers {
            if !ctx.custom_done {
                return Ok(Next::Custom(ctx));
            }
        } else if let Some(parameters) =
            challenges::next_custom_challenge(pool, &user, ctx.custom_index)
        {
            return Ok(Next::Reply(challenge(
                app,
                ctx,
                Step::CustomChallenge,
                ttl,
                parameters,
            )));
        }
    }
    if must_change_password {
        // CUSTOM_AUTH without SRP: the custom challenges passed, but nobody proved the
        // temporary password, so it cannot be replaced (and no tokens without a new password).
        return Err(ApiError::bad_credentials());
    }
    if let (Some(device_key), false, false) =
        (ctx.device_key.clone(), ctx.device_verified, ctx.custom_flow)
    {
        match user.devices.get(&device_key) {
            None => return Err(ApiError::resource_not_found("Device does not exist.")),
            // Like the service, only a remembered device stands in for MFA via device SRP; a
            // confirmed but not remembered one just gets attached to the tokens.
            Some(device) if device.is_confirmed() && device.remembered => {
                return Ok(Next::Reply(challenge(
                    app,
                    ctx,
                    Step::DeviceSrpAuth,
                    ttl,
                    Map::new(),
                )));
            }
            Some(_) => {}
        }
    }
    if !ctx.mfa_done && !ctx.custom_flow {
        // A remembered device stands in for MFA only with ChallengeRequiredOnNewDevice; without
        // it, device SRP may still run but MFA follows.
        let remembered = pool.device_replaces_mfa()
            && ctx.device_verified
            && ctx
                .device_key
                .as_ref()
                .and_then(|key| user.devices.get(key))
                .is_some_and(|device| device.remembered);
        if !remembered {
            if let Some(next) = mfa_challenge(app, pool, &user, &ctx, ttl)? {
                return Ok(next);
            }
        }
    }
    ctx.mfa_done = true;
    Ok(Next::Done(ctx))
}

/// Carries out what [`next_step`] decided, outside the state lock where a trigger runs, until
/// there is something to answer: DefineAuthChallenge / CreateAuthChallenge for custom auth on
/// triggers, CustomMessage for an SMS MFA code, PostAuthentication and PreTokenGeneration
/// before tokens. `metadata` is the `clientMetadata` those triggers get (RespondToAuthChallenge's
/// ClientMetadata; none on InitiateAuth).
fn advance(
    app: &App,
    next: ApiResult<Next>,
    now: i64,
    metadata: Option<&BTreeMap<String, String>>,
) -> ApiResult<Value> {
    let mut next = next?;
    loop {
        match next {
            Next::Reply(reply) => return Ok(reply),
            Next::Done(ctx) => return finish(app, &ctx, now, metadata),
            Next::Code(ctx, kind) => return send_code_challenge(app, ctx, kind, now, metadata),
            Next::Custom(mut ctx) => {
                let hides = app.read(|db| {
                    Ok(db
                        .pool(&ctx.pool_id)?
                        .clients
                        .get(&ctx.client_id)
                        .is_some_and(AppClient::hides_user_existence))
                })?;
                let subject = hooks::ChallengeSubject {
                    pool_id: &ctx.pool_id,
                    client_id: &ctx.client_id,
                    username: &ctx.username,
                    not_found: false,
                    hides_existence: hides,
                };
                match hooks::define_auth_challenge(app, &subject, &ctx.rounds, metadata)? {
                    hooks::Defined::Fail => return Err(ApiError::bad_credentials()),
                    hooks::Defined::IssueTokens => {
                        ctx.custom_done = true;
                        next = app.write(|db| next_step(app, db, ctx, now))?;
                    }
                    hooks::Defined::Challenge(name) if name == "CUSTOM_CHALLENGE" => {
                        if ctx.rounds.len() >= MAX_CUSTOM_ROUNDS {
                            return Err(ApiError::bad_credentials());
                        }
                        let created =
                            hooks::create_auth_challenge(app, &subject, &ctx.rounds, metadata)?;
                        let ttl = app.read(|db| {
                            Ok(db
                                .pool(&ctx.pool_id)?
                                .clients
                                .get(&ctx.client_id)
                                .map_or(180, |c| c.auth_session_validity * 60))
                        })?;
                        let mut parameters = Map::new();
                        for (name, value) in created.public {
                            parameters.insert(name, json!(value));
                        }
                        parameters.insert("USERNAME".into(), json!(ctx.username));
                        let step = Step::TriggeredChallenge {
                            private: created.private,
                            metadata: created.metadata,
                        };
                        return Ok(challenge(app, ctx, step, ttl, parameters));
                    }
                    hooks::Defined::Challenge(name) => {
                        return Err(triggers::invalid_response(
                            triggers::Trigger::DefineAuthChallenge,
                            &format!("{name} cannot be asked at this point of the sign-in"),
                        ))
                    }
                }
            }
        }
    }
}

/// Runs [`next_step`] under the lock and [`advance`] on what it decided.
fn proceed(
    app: &App,
    ctx: &SignInContext,
    now: i64,
    metadata: Option<&BTreeMap<String, String>>,
) -> ApiResult<Value> {
    advance(
        app,
        app.write(|db| next_step(app, db, ctx.clone(), now)),
        now,
        metadata,
    )
}

/// The end of a successful sign-in: PostAuthentication, PreTokenGeneration (outside the lock),
/// then the tokens.
fn finish(
    app: &App,
    ctx: &SignInContext,
    now: i64,
    metadata: Option<&BTreeMap<String, String>>,
) -> ApiResult<Value> {
    let new_device = app.read(|db| Ok(sessions::new_device_used(db.pool(&ctx.pool_id)?, ctx)))?;
    hooks::post_authentication(
        app,
        &ctx.pool_id,
        &ctx.client_id,
        &ctx.username,
        new_device,
        metadata,
    )?;
    if ctx.hosted {
        // The domain's token endpoint makes the tokens (and runs PreTokenGeneration then).
        return app.read(|db| {
            if !db.pool(&ctx.pool_id)?.user(&ctx.username)?.enabled {
                return Err(ApiError::not_authorized("User is disabled."));
            }
            Ok(json!({ "HostedSignIn": { "Username": ctx.username, "AuthTime": now } }))
        });
    }
    let overrides = hooks::token_overrides(
        app,
        &ctx.pool_id,
        &ctx.client_id,
        &ctx.username,
        sessions::token_source(ctx),
        metadata,
    )?;
    app.write(|db| {
        let pool = db.pool_mut(&ctx.pool_id)?;
        let client = pool
            .client(&ctx.client_id)
            .map_err(|_| ApiError::invalid_session())?
            .clone();
        // The user may have been disabled while the triggers ran.
        if !pool.user(&ctx.username)?.enabled {
            return Err(ApiError::not_authorized("User is disabled."));
        }
        sessions::sign_in_succeeded(app, pool, &client, ctx, overrides.as_ref(), now)
    })
}

/// Picks the MFA challenge the pool and user settings call for, if any.
fn mfa_challenge(
    app: &App,
    pool: &mut Pool,
    user: &User,
    ctx: &SignInContext,
    ttl: i64,
) -> ApiResult<Option<Next>> {
    let mode = pool.settings.mfa_configuration.clone();
    if mode == "OFF" {
        return Ok(None);
    }
    let has_phone = user.attributes.contains_key("phone_number");
    let mut methods = Vec::new();
    if pool.sms_mfa_available() && user.sms_mfa_enabled && has_phone {
        methods.push("SMS_MFA".to_string());
    }
    if pool.totp_mfa_available() && user.software_token_mfa_enabled && user.totp_secret.is_some() {
        methods.push("SOFTWARE_TOKEN_MFA".to_string());
    }
    if pool.settings.email_mfa_configuration.is_some()
        && user.email_mfa_enabled
        && user.is_verified("email")
    {
        methods.push("EMAIL_OTP".to_string());
    }
    let chosen = match methods.len() {
        0 if mode == "ON" => {
            if pool.sms_mfa_available() && has_phone {
                "SMS_MFA".to_string()
            } else {
                let mut parameters = Map::new();
                let can_setup = if pool.totp_mfa_available() {
                    json!(["SOFTWARE_TOKEN_MFA"]).to_string()
                } else {
                    json!(["SMS_MFA"]).to_string()
                };
                parameters.insert("MFAS_CAN_SETUP".into(), json!(can_setup));
                let step = Step::MfaSetup {
                    secret: None,
                    verified: false,
                    failed: 0,
                };
                return Ok(Some(Next::Reply(challenge(
                    app,
                    ctx.clone(),
                    step,
                    ttl,
                    parameters,
                ))));
            }
        }
        0 => return Ok(None),
        1 => methods[0].clone(),
        _ => match &user.preferred_mfa {
            Some(preferred) if methods.contains(preferred) => preferred.clone(),
            _ => {
                let mut parameters = Map::new();
                parameters.insert("MFAS_CAN_CHOOSE".into(), json!(json!(methods).to_string()));
                let step = Step::SelectMfaType(methods);
                return Ok(Some(Next::Reply(challenge(
                    app,
                    ctx.clone(),
                    step,
                    ttl,
                    parameters,
                ))));
            }
        },
    };
    Ok(Some(issue_mfa(app, ctx, &chosen, ttl)))
}

/// Sends the SMS code (through [`send_sms_mfa`], once the lock is released) or asks for the
/// TOTP code.
fn issue_mfa(app: &App, ctx: &SignInContext, method: &str, ttl: i64) -> Next {
    if method == "SMS_MFA" {
        Next::Code(ctx.clone(), "SMS_MFA")
    } else if method == "EMAIL_OTP" {
        Next::Code(ctx.clone(), "EMAIL_OTP")
    } else {
        Next::Reply(challenge(
            app,
            ctx.clone(),
            Step::SoftwareTokenMfa { failed: 0 },
            ttl,
            Map::new(),
        ))
    }
}

/// Sends a sign-in code — `SMS_MFA`, `EMAIL_OTP` (a first factor or email MFA) or `SMS_OTP` —,
/// its text from CustomMessage_Authentication when the pool has that trigger, and asks for it.
/// For a user hidden by PreventUserExistenceErrors (`ctx.username` is then the stand-in id)
/// nothing goes out, and the reply looks the same.
fn send_code_challenge(
    app: &App,
    ctx: SignInContext,
    kind: &'static str,
    now: i64,
    metadata: Option<&BTreeMap<String, String>>,
) -> ApiResult<Value> {
    let email = kind == "EMAIL_OTP";
    let medium = if email { "EMAIL" } else { "SMS" };
    let (known, ttl) = app.read(|db| {
        let pool = db.pool(&ctx.pool_id)?;
        let ttl = pool
            .clients
            .get(&ctx.client_id)
            .map_or(180, |c| c.auth_session_validity * 60);
        Ok((pool.users.contains_key(&ctx.username), ttl))
    })?;
    let step = |code: String, fake: bool| match kind {
        "SMS_MFA" => Step::SmsMfa { code, failed: 0 },
        _ => Step::OtpCode {
            email,
            code,
            failed: 0,
            fake,
        },
    };
    let parameters = |destination: String| {
        let mut parameters = Map::new();
        parameters.insert("CODE_DELIVERY_DELIVERY_MEDIUM".into(), json!(medium));
        parameters.insert("CODE_DELIVERY_DESTINATION".into(), json!(destination));
        parameters
    };
    if !known {
        let destination = messages::mask_destination(medium, &ctx.typed_username);
        let step = step(crypto::random_code(), true);
        return Ok(challenge(app, ctx, step, ttl, parameters(destination)));
    }
    let texts = hooks::custom_message_for(
        app,
        &ctx.pool_id,
        Some(&ctx.client_id),
        "CustomMessage_Authentication",
        &ctx.username,
        metadata,
    )?;
    app.write(|db| {
        let pool = db.pool_mut(&ctx.pool_id)?;
        let user = pool.user(&ctx.username)?.clone();
        let (code, destination) =
            messages::send_sign_in_code(pool, &user, kind, texts.as_ref(), now)?;
        Ok(challenge(
            app,
            ctx,
            step(code, false),
            ttl,
            parameters(destination),
        ))
    })
}

/// USER_AUTH (choice-based sign-in): PREFERRED_CHALLENGE starts that factor at once when the
/// user can use it; otherwise SELECT_CHALLENGE lists the factors (AvailableChallenges). With the
/// `Session` of ConfirmSignUp the confirmation code was the first factor.
fn user_auth(
    app: &App,
    entry: &Entry,
    auth: &BTreeMap<String, String>,
    session: Option<&str>,
) -> ApiResult<Value> {
    let begin = begin(app, entry, auth, "ALLOW_USER_AUTH", "USER_AUTH")?;
    let typed = auth.get("USERNAME").map_or("", String::as_str);
    let now = app.now();
    if let Some(session) = session {
        let taken = app.take_session(session)?;
        let same_user = begin
            .user
            .as_ref()
            .is_some_and(|u| u.username == taken.ctx.username);
        if !matches!(taken.step, Step::ConfirmedSignUp)
            || taken.ctx.client_id != begin.client.client_id
            || !same_user
        {
            // Not this sign-in's: the session stays for the one it belongs to.
            app.put_session(session.to_string(), taken);
            return Err(ApiError::invalid_session());
        }
        pre_authentication(app, &begin, entry, auth)?;
        let mut ctx = context(&begin, entry, &taken.ctx.username, auth.get("DEVICE_KEY"));
        ctx.mfa_done = true;
        let result = proceed(app, &ctx, now, None);
        return settle(app, &ctx, None, result);
    }
    pre_authentication(app, &begin, entry, auth)?;
    let (user_id, fake) = match (&begin.user, &begin.fake) {
        (Some(user), _) => (user.username.clone(), false),
        (None, Some(fake)) => (fake.user_id.clone(), true),
        (None, None) => return Err(ApiError::user_not_found()),
    };
    let available = app.read(|db| {
        let pool = db.pool(&begin.pool_id)?;
        Ok(users::first_factors(pool, begin.user.as_ref(), typed))
    })?;
    let mut ctx = context(&begin, entry, &user_id, auth.get("DEVICE_KEY"));
    ctx.typed_username = typed.to_string();
    let ttl = begin.client.auth_session_validity * 60;
    match auth.get("PREFERRED_CHALLENGE").map(String::as_str) {
        Some(preferred) if available.iter().any(|a| a == preferred) => {
            first_factor(app, &begin, ctx, preferred, auth, fake, now, None)
        }
        Some(
            other @ ("PASSWORD" | "PASSWORD_SRP" | "EMAIL_OTP" | "SMS_OTP" | "WEB_AUTHN"),
        ) if available.is_empty() => Err(ApiError::invalid_parameter(format!(
            "{other} is not an available first factor for this user."
        ))),
        Some(
            "PASSWORD" | "PASSWORD_SRP" | "EMAIL_OTP" | "SMS_OTP" | "WEB_AUTHN",
        )
        | None => {
            if available.is_empty() {
                return Err(ApiError::not_authorized(
                    "No sign-in factor is available for this user.",
                ));
            }
            let session_id = sessions::new_session_id();
            let reply = json!({
                "ChallengeName": "SELECT_CHALLENGE",
                "Session": session_id,
                "ChallengeParameters": {},
                "AvailableChallenges": available,
            });
            app.put_session(
                session_id,
                ChallengeSession {
                    ctx,
                    step: Step::SelectChallenge { available, fake },
                    expires_at: now + ttl,
                },
            );
            Ok(reply)
        }
        Some(other) => Err(ApiError::invalid_parameter(format!(
            "1 validation error detected: Value '{other}' at 'PREFERRED_CHALLENGE' failed to satisfy constraint: Member must satisfy enum value set: [PASSWORD, PASSWORD_SRP, EMAIL_OTP, SMS_OTP, WEB_AUTHN]"
        ))),
    }
}

/// Starts or answers one first factor of choice-based sign-in: `responses` carries what the
/// factor needs at once (PASSWORD, SRP_A). `metadata` as in [`advance`].
#[allow(clippy::too_many_arguments)]
fn first_factor(
    app: &App,
    begin: &Begin,
    mut ctx: SignInContext,
    factor: &str,
    responses: &BTreeMap<String, String>,
    fake: bool,
    now: i64,
    metadata: Option<&BTreeMap<String, String>>,
) -> ApiResult<Value> {
    match factor {
        "PASSWORD" => {
            let password = responses
                .get("PASSWORD")
                .ok_or_else(|| missing("PASSWORD"))?;
            let (user_id, salt_hex, verifier_hex) = match (&begin.user, &begin.fake) {
                (Some(user), _) if !fake => (
                    user.username.clone(),
                    user.password.salt_hex.clone(),
                    user.password.verifier_hex.clone(),
                ),
                (_, Some(fake_user)) => (
                    fake_user.user_id.clone(),
                    fake_user.salt_hex.clone(),
                    fake_user.verifier_hex.clone(),
                ),
                _ => return Err(ApiError::bad_credentials()),
            };
            // The same modpow for a real and a hidden unknown user.
            let matches = srp::password_matches(
                &begin.srp_name,
                &user_id,
                password,
                &salt_hex,
                &verifier_hex,
            );
            if fake {
                return Err(common::fake_user_failure(
                    app,
                    &begin.pool_id,
                    &user_id,
                    now,
                ));
            }
            if let Err(error) =
                common::password_attempt(app, &begin.pool_id, &user_id, matches, now)
            {
                return settle(app, &ctx, Some(("Password", false)), Err(error));
            }
            ctx.password_verified = true;
            let result = proceed(app, &ctx, now, metadata);
            settle(app, &ctx, Some(("Password", true)), result)
        }
        "PASSWORD_SRP" => {
            let srp_a = responses.get("SRP_A").ok_or_else(|| missing("SRP_A"))?;
            password_verifier(app, begin, ctx, srp_a)
        }
        "EMAIL_OTP" | "SMS_OTP" => {
            // A passwordless first factor: no MFA after it.
            ctx.mfa_done = true;
            let kind = if factor == "EMAIL_OTP" {
                "EMAIL_OTP"
            } else {
                "SMS_OTP"
            };
            advance(app, Ok(Next::Code(ctx, kind)), now, metadata)
        }
        "WEB_AUTHN" => {
            let (challenge_value, options) = app.read(|db| {
                let pool = db.pool(&ctx.pool_id)?;
                let rp = webauthn::relying_party(pool)?;
                Ok(webauthn::request_options(&rp, begin.user.as_ref()))
            })?;
            let step = Step::WebAuthn {
                challenge: challenge_value,
                fake,
            };
            // SELECT_CHALLENGE may carry the assertion at once (ANSWER WEB_AUTHN + CREDENTIAL).
            if let Some(credential) = responses.get("CREDENTIAL") {
                let Step::WebAuthn { challenge, .. } = &step else {
                    return Err(ApiError::invalid_session());
                };
                return passkey_answer(app, ctx, challenge, fake, credential, now, metadata);
            }
            let mut parameters = Map::new();
            parameters.insert(
                "CREDENTIAL_REQUEST_OPTIONS".into(),
                json!(options.to_string()),
            );
            let ttl = begin.client.auth_session_validity * 60;
            Ok(challenge(app, ctx, step, ttl, parameters))
        }
        other => Err(ApiError::invalid_parameter(format!(
            "{other} is not an available first factor for this user."
        ))),
    }
}

/// Checks a passkey assertion (`credential`, an AuthenticationResponseJSON) against the WEB_AUTHN
/// challenge it answers; on success the sign-in goes on with no MFA (a passkey is a
/// passwordless first factor). Every refusal at sign-in is NotAuthorizedException, as on the
/// service, except malformed input (InvalidParameterException).
#[allow(clippy::too_many_arguments)]
fn passkey_answer(
    app: &App,
    mut ctx: SignInContext,
    challenge_value: &str,
    fake: bool,
    credential: &str,
    now: i64,
    metadata: Option<&BTreeMap<String, String>>,
) -> ApiResult<Value> {
    if fake {
        // Parsed like a real answer, then refused like a wrong passkey.
        webauthn::parse_credential(&Value::String(credential.to_string()))?;
        return Err(ApiError::not_authorized("Incorrect passkey."));
    }
    let verified = app.write(|db| {
        let pool = db.pool_mut(&ctx.pool_id)?;
        let rp = webauthn::relying_party(pool)?;
        let user = pool.user_mut(&ctx.username)?;
        webauthn::verify_assertion(&rp, user, challenge_value, credential)
    });
    if let Err(error) = verified {
        let error = if error.code == "InvalidParameterException" {
            error
        } else {
            ApiError::not_authorized("Incorrect passkey.")
        };
        return settle(app, &ctx, Some(("Passkey", false)), Err(error));
    }
    ctx.mfa_done = true;
    let result = proceed(app, &ctx, now, metadata);
    settle(app, &ctx, Some(("Passkey", true)), result)
}

/// What [`begin`] found, looked up again for a sign-in in progress.
fn begin_again(app: &App, ctx: &SignInContext, fake: bool) -> ApiResult<Begin> {
    app.read(|db| {
        let pool = db.pool(&ctx.pool_id)?;
        let client = pool
            .client(&ctx.client_id)
            .map_err(|_| ApiError::invalid_session())?
            .clone();
        let (user, fake) = if fake {
            (None, Some(common::fake_user(pool, &ctx.typed_username)))
        } else {
            (Some(pool.user(&ctx.username)?.clone()), None)
        };
        Ok(Begin {
            pool_id: pool.id.clone(),
            client,
            user,
            srp_name: pool.srp_name().to_string(),
            fake,
        })
    })
}

/// The PASSWORD_VERIFIER challenge of an SRP sign-in that sent `srp_a` (USER_SRP_AUTH,
/// CUSTOM_AUTH with SRP_A, USER_AUTH's PASSWORD_SRP); a hidden unknown user gets the same
/// answer with a stand-in salt and verifier.
fn password_verifier(
    app: &App,
    begin: &Begin,
    ctx: SignInContext,
    srp_a: &str,
) -> ApiResult<Value> {
    let (user_id, verifier_hex, salt_hex, fake) = match (&begin.user, &begin.fake) {
        (Some(user), _) => (
            user.username.clone(),
            user.password.verifier_hex.clone(),
            user.password.salt_hex.clone(),
            false,
        ),
        // Answer like for a real user (stable salt and user id) so the reply does not reveal
        // that none exists.
        (None, Some(fake)) => (
            fake.user_id.clone(),
            fake.verifier_hex.clone(),
            fake.salt_hex.clone(),
            true,
        ),
        (None, None) => return Err(ApiError::user_not_found()),
    };
    let verifier = srp::parse_hex(&verifier_hex)
        .ok_or_else(|| ApiError::internal("stored verifier is corrupt"))?;
    let ephemeral = srp::start(srp_a, &verifier)
        .ok_or_else(|| ApiError::invalid_parameter("SRP_A is not a valid public value."))?;
    let secret_block = crypto::random_bytes(SECRET_BLOCK_BYTES);
    let secret_block_b64 = crypto::b64(&secret_block);
    let server_public_hex = ephemeral.server_public.to_str_radix(16);
    app.put_session(
        secret_block_b64.clone(),
        ChallengeSession {
            ctx,
            step: Step::PasswordVerifier {
                ephemeral: Box::new(ephemeral),
                verifier,
                user_id: user_id.clone(),
                secret_block,
                fake,
            },
            expires_at: app.now() + begin.client.auth_session_validity * 60,
        },
    );
    Ok(json!({
        "ChallengeName": "PASSWORD_VERIFIER",
        "ChallengeParameters": {
            "SALT": salt_hex,
            "SECRET_BLOCK": secret_block_b64,
            "SRP_B": server_public_hex,
            "USERNAME": user_id,
            "USER_ID_FOR_SRP": user_id,
        },
    }))
}

/// REFRESH_TOKEN_AUTH: new ID and access tokens, same lineage, no new refresh token.
fn refresh_auth(app: &App, entry: &Entry, auth: &BTreeMap<String, String>) -> ApiResult<Value> {
    let token = auth
        .get("REFRESH_TOKEN")
        .ok_or_else(|| missing("REFRESH_TOKEN"))?;
    let now = app.now();
    // PreTokenGeneration runs before the tokens are made, outside the lock; the lineage is
    // checked again when they are.
    let (pool_id, username) = app.read(|db| {
        let (pool, client) = entry.client(db)?;
        let (_, _, origin) = tokens::find_refresh(pool, client, token, now)?;
        Ok((pool.id.clone(), origin.username))
    })?;
    let overrides = hooks::token_overrides(
        app,
        &pool_id,
        entry.client_id,
        &username,
        tokens::TokenSource::RefreshTokens,
        None,
    )?;
    app.write(|db| {
        let (pool, client) = entry.client(db)?;
        if !client.allows("ALLOW_REFRESH_TOKEN_AUTH") {
            return Err(ApiError::invalid_parameter(
                "REFRESH_TOKEN_AUTH flow not enabled for this client",
            ));
        }
        let (_, _, origin) = tokens::find_refresh(pool, client, token, now)?;
        let user = pool.user(&origin.username)?;
        let mut candidates = vec![user.username.as_str(), user.sub.as_str()];
        if let Some(typed) = auth.get("USERNAME") {
            candidates.push(typed);
        }
        common::check_secret_hash(
            client,
            auth.get("SECRET_HASH").map(String::as_str),
            &candidates,
        )?;
        let client = client.clone();
        let pool_id = pool.id.clone();
        let pool = db.pool_mut(&pool_id)?;
        let refreshed = tokens::refresh(app, pool, &client, token, false, overrides.as_ref(), now)?;
        let (access, id) = (refreshed.access_token, refreshed.id_token);
        Ok(json!({
            "AuthenticationResult": {
                "AccessToken": access,
                "ExpiresIn": client.access_ttl(),
                "TokenType": "Bearer",
                "IdToken": id,
            },
            "ChallengeParameters": {},
        }))
    })
}

/// GetTokensFromRefreshToken: like REFRESH_TOKEN_AUTH, plus a new refresh token when the client
/// rotates them (the old one keeps working for the grace period).
pub fn get_tokens_from_refresh_token(app: &App, body: &Value) -> ApiResult<Value> {
    let params = Params::new(body)?;
    let token = params.req_str("RefreshToken")?;
    let client_id = params.req_str("ClientId")?;
    let client_secret = params.opt_str("ClientSecret")?;
    let metadata = params.opt_str_map("ClientMetadata")?;
    let now = app.now();
    let (pool_id, username) = app.read(|db| {
        let (pool, client) = common::client(db, client_id)?;
        common::check_client_secret(client, client_secret)?;
        let (_, _, origin) = tokens::find_refresh(pool, client, token, now)?;
        Ok((pool.id.clone(), origin.username))
    })?;
    let overrides = hooks::token_overrides(
        app,
        &pool_id,
        client_id,
        &username,
        tokens::TokenSource::RefreshTokens,
        Some(&metadata),
    )?;
    app.write(|db| {
        let pool_id = common::client(db, client_id)?.0.id.clone();
        let pool = db.pool_mut(&pool_id)?;
        let client = pool.client(client_id)?.clone();
        common::check_client_secret(&client, client_secret)?;
        let refreshed = tokens::refresh(app, pool, &client, token, true, overrides.as_ref(), now)?;
        let mut result = Map::new();
        if let Some(fresh) = refreshed.refresh_token {
            result.insert("RefreshToken".into(), json!(fresh));
        }
        result.insert("AccessToken".into(), json!(refreshed.access_token));
        result.insert("ExpiresIn".into(), json!(client.access_ttl()));
        result.insert("TokenType".into(), json!("Bearer"));
        result.insert("IdToken".into(), json!(refreshed.id_token));
        Ok(json!({ "AuthenticationResult": result }))
    })
}

/// RevokeToken: ends the refresh token's lineage (its access tokens stop working too).
pub fn revoke_token(app: &App, body: &Value) -> ApiResult<Value> {
    let params = Params::new(body)?;
    let token = params.req_str("Token")?;
    let client_id = params.req_str("ClientId")?;
    let client_secret = params.opt_str("ClientSecret")?;
    app.write(|db| {
        let pool_id = common::client(db, client_id)?.0.id.clone();
        let pool = db.pool_mut(&pool_id)?;
        let client = pool.client(client_id)?.clone();
        common::check_client_secret(&client, client_secret)?;
        if !client.enable_token_revocation {
            return Err(ApiError::new(
                "UnsupportedOperationException",
                "Token revocation is not enabled for this client.",
            ));
        }
        if token.split('.').count() == 3 {
            return Err(ApiError::new(
                "UnsupportedTokenTypeException",
                "Only refresh tokens can be revoked.",
            ));
        }
        let Some(record) = pool.refresh_tokens.get(&tokens::hash_token(token)).cloned() else {
            // Unknown or already purged tokens: revocation is idempotent.
            return Ok(json!({}));
        };
        if let Some(origin) = pool.origins.get_mut(&record.origin_jti) {
            if origin.client_id != client_id {
                return Err(ApiError::not_authorized("Invalid Refresh Token"));
            }
            origin.revoked = true;
        }
        Ok(json!({}))
    })
}

/// RespondToAuthChallenge.
pub fn respond_to_auth_challenge(app: &App, body: &Value) -> ApiResult<Value> {
    respond(app, body, false, false)
}

/// AdminRespondToAuthChallenge.
pub fn admin_respond_to_auth_challenge(app: &App, body: &Value) -> ApiResult<Value> {
    respond(app, body, true, false)
}

/// `hosted`: the managed login page answers (its sessions never serve the API, nor the API's it).
fn respond(app: &App, body: &Value, admin: bool, hosted: bool) -> ApiResult<Value> {
    let params = Params::new(body)?;
    let entry = Entry::read(&params, admin)?;
    let name = params.req_str("ChallengeName")?;
    // An unknown client (or, on the admin path, one of another pool) is refused before the
    // session is looked at, so it cannot use the session up.
    app.read(|db| entry.client(db).map(|_| ()))?;
    let responses = params.opt_str_map("ChallengeResponses")?;
    let session_param = params.opt_str("Session")?;
    let key = match name {
        "PASSWORD_VERIFIER" | "DEVICE_PASSWORD_VERIFIER" => responses
            .get("PASSWORD_CLAIM_SECRET_BLOCK")
            .map(String::as_str)
            .ok_or_else(|| missing("PASSWORD_CLAIM_SECRET_BLOCK"))?,
        _ => session_param.ok_or_else(|| missing("Session"))?,
    }
    .to_string();
    let session = app.take_session(&key)?;
    // A request the service refuses before it looks at the answer (another client or path, the
    // wrong challenge name, a bad SECRET_HASH, a missing member) leaves the session as it was, so
    // that the corrected request can still use it; only an answer that was checked uses it up.
    if let Err(error) = check_request(app, &entry, &session, name, &responses, admin, hosted) {
        app.put_session(key, session);
        return Err(error);
    }
    let now = app.now();
    let ChallengeSession {
        mut ctx,
        step,
        expires_at,
    } = session;
    match step {
        Step::PasswordVerifier {
            ephemeral,
            verifier,
            user_id,
            secret_block,
            fake,
        } => {
            let srp_name = app.read(|db| Ok(db.pool(&ctx.pool_id)?.srp_name().to_string()))?;
            if fake {
                // No such user: do the same SRP work as for a real one, then fail the same way.
                let _ = proof_is_valid(
                    &responses,
                    &ephemeral,
                    &verifier,
                    &srp_name,
                    &user_id,
                    &secret_block,
                    now,
                );
                return Err(common::fake_user_failure(
                    app,
                    &ctx.pool_id,
                    &ctx.username,
                    now,
                ));
            }
            if let Err(error) = common::check_lockout(app, &ctx.pool_id, &ctx.username, now) {
                return settle(app, &ctx, None, Err(error));
            }
            let valid = proof_is_valid(
                &responses,
                &ephemeral,
                &verifier,
                &srp_name,
                &user_id,
                &secret_block,
                now,
            );
            if let Some(device_key) = responses.get("DEVICE_KEY") {
                ctx.device_key = Some(device_key.clone());
            }
            // Counted in memory, as for unknown users: a wrong proof writes nothing. The proof
            // was made against the verifier captured at InitiateAuth; `next_step` refuses it
            // when the password was set or reset since.
            if let Err(error) =
                common::password_attempt(app, &ctx.pool_id, &ctx.username, valid, now)
            {
                return settle(app, &ctx, Some(("Password", false)), Err(error));
            }
            ctx.password_verified = true;
            if ctx.custom_triggers {
                ctx.rounds.push(ChallengeRound {
                    name: "PASSWORD_VERIFIER".into(),
                    result: true,
                    metadata: None,
                });
            }
            let result = proceed(app, &ctx, now, Some(&entry.metadata));
            settle(app, &ctx, Some(("Password", true)), result)
        }
        Step::DeviceSrpAuth => device_srp_auth(app, ctx, &responses),
        Step::DevicePasswordVerifier {
            ephemeral,
            verifier,
            device_key,
            group_key,
            secret_block,
        } => {
            let valid = proof_is_valid(
                &responses,
                &ephemeral,
                &verifier,
                &group_key,
                &device_key,
                &secret_block,
                now,
            );
            if !valid {
                return settle(app, &ctx, None, Err(ApiError::bad_credentials()));
            }
            ctx.device_verified = true;
            let result = proceed(app, &ctx, now, Some(&entry.metadata));
            settle(app, &ctx, None, result)
        }
        Step::NewPasswordRequired => {
            if !ctx.password_verified {
                // Never reachable without a proven password; refuse rather than trust the session.
                return Err(ApiError::bad_credentials());
            }
            let result = app.write(|db| {
                let new_password = responses
                    .get("NEW_PASSWORD")
                    .ok_or_else(|| missing("NEW_PASSWORD"))?;
                let pool = db.pool_mut(&ctx.pool_id)?;
                if pool.user(&ctx.username)?.password.verifier_hex != ctx.password_stamp {
                    // The temporary password was replaced since it was proven.
                    return Err(ApiError::bad_credentials());
                }
                common::check_password(&pool.password_policy(), new_password)?;
                let changes: Vec<(String, String)> = responses
                    .iter()
                    .filter_map(|(name, value)| {
                        name.strip_prefix("userAttributes.")
                            .map(|attr| (attr.to_string(), value.clone()))
                    })
                    .collect();
                if changes.iter().any(|(name, _)| name.ends_with("_verified")) {
                    return Err(ApiError::not_authorized(
                        "A client attempted to write unauthorized attribute",
                    ));
                }
                common::check_attribute_names(pool, &changes)?;
                let user = pool.user(&ctx.username)?;
                for required in common::required_attributes(pool) {
                    if user.attr(&required).is_none()
                        && !changes.iter().any(|(n, _)| *n == required)
                    {
                        return Err(ApiError::invalid_parameter(format!(
                            "Invalid attributes given, {required} is missing"
                        )));
                    }
                }
                users::apply_attribute_changes(pool, &ctx.username, &changes, now)?;
                users::set_password(pool, &ctx.username, new_password, now)?;
                let user = pool.user_mut(&ctx.username)?;
                user.status = status::CONFIRMED.to_string();
                let stamp = user.password.verifier_hex.clone();
                let mut next = ctx.clone();
                next.new_password_done = true;
                next.password_stamp = stamp;
                next_step(app, db, next, now)
            });
            let result = advance(app, result, now, Some(&entry.metadata));
            let retry = matches!(&result, Err(e) if e.code == "InvalidPasswordException" || e.code == "InvalidParameterException");
            if !retry {
                events::record_sign_in(app, &ctx, None, &result);
            }
            if retry {
                // Let the user correct the new password within the same session.
                app.put_session(
                    key,
                    ChallengeSession {
                        ctx,
                        step: Step::NewPasswordRequired,
                        expires_at,
                    },
                );
            }
            result
        }
        Step::SmsMfa { code, failed } => {
            let given = responses
                .get("SMS_MFA_CODE")
                .ok_or_else(|| missing("SMS_MFA_CODE"))?;
            if !crypto::ct_eq(code.as_bytes(), given.trim().as_bytes()) {
                let error = mfa_mismatch();
                events::record_sign_in(app, &ctx, Some(("Mfa", false)), &Err(error));
                retry_or_fail(
                    app,
                    key,
                    ctx,
                    Step::SmsMfa {
                        code,
                        failed: failed + 1,
                    },
                    expires_at,
                    failed + 1,
                );
                return Err(mfa_mismatch());
            }
            ctx.mfa_done = true;
            let result = proceed(app, &ctx, now, Some(&entry.metadata));
            settle(app, &ctx, Some(("Mfa", true)), result)
        }
        Step::SoftwareTokenMfa { failed } => {
            let given = responses
                .get("SOFTWARE_TOKEN_MFA_CODE")
                .ok_or_else(|| missing("SOFTWARE_TOKEN_MFA_CODE"))?;
            let secret = app.read(|db| {
                Ok(db
                    .pool(&ctx.pool_id)?
                    .user(&ctx.username)?
                    .totp_secret
                    .clone())
            })?;
            let valid = secret.is_some_and(|s| crypto::totp_matches(&s, given, now));
            if !valid {
                let error = mfa_mismatch();
                events::record_sign_in(app, &ctx, Some(("Mfa", false)), &Err(error));
                let step = Step::SoftwareTokenMfa { failed: failed + 1 };
                retry_or_fail(app, key, ctx, step, expires_at, failed + 1);
                return Err(mfa_mismatch());
            }
            ctx.mfa_done = true;
            let result = proceed(app, &ctx, now, Some(&entry.metadata));
            settle(app, &ctx, Some(("Mfa", true)), result)
        }
        Step::SelectMfaType(_) => {
            // One of the offered types: `check_request` made sure.
            let answer = responses.get("ANSWER").ok_or_else(|| missing("ANSWER"))?;
            let next = app.write(|db| {
                let pool = db.pool_mut(&ctx.pool_id)?;
                let ttl = pool
                    .clients
                    .get(&ctx.client_id)
                    .map_or(180, |c| c.auth_session_validity * 60);
                Ok(issue_mfa(app, &ctx, answer, ttl))
            });
            advance(app, next, now, Some(&entry.metadata))
        }
        Step::MfaSetup {
            secret, verified, ..
        } => {
            let Some(secret) = secret.filter(|_| verified) else {
                return Err(ApiError::invalid_parameter(
                    "Software token MFA has not been verified for this session.",
                ));
            };
            ctx.mfa_done = true;
            let result = app.write(|db| {
                let user = db.pool_mut(&ctx.pool_id)?.user_mut(&ctx.username)?;
                user.totp_secret = Some(secret);
                user.pending_totp_secret = None;
                user.software_token_mfa_enabled = true;
                user.preferred_mfa = Some("SOFTWARE_TOKEN_MFA".to_string());
                next_step(app, db, ctx.clone(), now)
            });
            let result = advance(app, result, now, Some(&entry.metadata));
            settle(app, &ctx, Some(("Mfa", true)), result)
        }
        Step::CustomChallenge => {
            let answer = responses.get("ANSWER").ok_or_else(|| missing("ANSWER"))?;
            let started = ctx.clone();
            let result = app.write(|db| {
                let pool = db.pool(&ctx.pool_id)?;
                let config = pool.settings.custom_auth.clone().unwrap_or_default();
                if challenges::verify_custom_answer(pool, ctx.custom_index, answer) {
                    ctx.custom_index += 1;
                } else {
                    ctx.wrong_answers = ctx.wrong_answers.saturating_add(1);
                    if ctx.wrong_answers >= config.max_wrong_answers {
                        return Err(ApiError::bad_credentials());
                    }
                }
                next_step(app, db, ctx, now)
            });
            let result = advance(app, result, now, Some(&entry.metadata));
            settle(app, &started, None, result)
        }
        Step::SelectChallenge { fake, .. } => {
            // One of the available challenges: `check_request` made sure.
            let answer = responses.get("ANSWER").ok_or_else(|| missing("ANSWER"))?;
            let begin = begin_again(app, &ctx, fake)?;
            first_factor(
                app,
                &begin,
                ctx,
                answer,
                &responses,
                fake,
                now,
                Some(&entry.metadata),
            )
        }
        Step::OtpCode {
            email,
            code,
            failed,
            fake,
        } => {
            let name = if email {
                "EMAIL_OTP_CODE"
            } else {
                "SMS_OTP_CODE"
            };
            let given = responses.get(name).ok_or_else(|| missing(name))?;
            if fake || !crypto::ct_eq(code.as_bytes(), given.trim().as_bytes()) {
                let error = mfa_mismatch();
                events::record_sign_in(app, &ctx, Some(("Mfa", false)), &Err(error));
                let step = Step::OtpCode {
                    email,
                    code,
                    failed: failed + 1,
                    fake,
                };
                retry_or_fail(app, key, ctx, step, expires_at, failed + 1);
                return Err(mfa_mismatch());
            }
            ctx.mfa_done = true;
            let result = proceed(app, &ctx, now, Some(&entry.metadata));
            settle(app, &ctx, Some(("Mfa", true)), result)
        }
        Step::WebAuthn { challenge, fake } => {
            let credential = responses
                .get("CREDENTIAL")
                .ok_or_else(|| missing("CREDENTIAL"))?;
            passkey_answer(
                app,
                ctx,
                &challenge,
                fake,
                credential,
                now,
                Some(&entry.metadata),
            )
        }
        Step::ConfirmedSignUp => Err(ApiError::invalid_session()),
        Step::TriggeredChallenge { private, metadata } => {
            let answer = responses.get("ANSWER").ok_or_else(|| missing("ANSWER"))?;
            let hides = app.read(|db| {
                let (_, client) = entry.client(db)?;
                Ok(client.hides_user_existence())
            })?;
            let subject = hooks::ChallengeSubject {
                pool_id: &ctx.pool_id,
                client_id: &ctx.client_id,
                username: &ctx.username,
                not_found: false,
                hides_existence: hides,
            };
            let correct = hooks::verify_auth_challenge(
                app,
                &subject,
                &private,
                answer,
                Some(&entry.metadata),
            );
            let correct = match correct {
                Ok(correct) => correct,
                Err(error) => return settle(app, &ctx, None, Err(error)),
            };
            ctx.rounds.push(ChallengeRound {
                name: "CUSTOM_CHALLENGE".into(),
                result: correct,
                metadata,
            });
            let result = proceed(app, &ctx, now, Some(&entry.metadata));
            settle(app, &ctx, None, result)
        }
    }
}

/// What `respond` checks before it takes an answer: the path and client the sign-in started on,
/// the challenge name, the SECRET_HASH, and the members the awaited step needs.
fn check_request(
    app: &App,
    entry: &Entry,
    session: &ChallengeSession,
    name: &str,
    responses: &BTreeMap<String, String>,
    admin: bool,
    hosted: bool,
) -> ApiResult<()> {
    // A sign-in continues on the path it started on (the API, the admin API or the managed login
    // page), with the client it started with.
    if session.ctx.client_id != entry.client_id
        || session.ctx.admin != admin
        || session.ctx.hosted != hosted
    {
        return Err(ApiError::invalid_session());
    }
    if session.step.challenge_name() != name {
        return Err(ApiError::invalid_parameter(format!(
            "Invalid challenge name {name}; the session expects {}",
            session.step.challenge_name()
        )));
    }
    // The managed login page answers on the service's side: no SECRET_HASH.
    if !session.ctx.hosted {
        app.read(|db| {
            let (_, client) = entry.client(db)?;
            let mut candidates = vec![session.ctx.username.as_str()];
            if let Some(typed) = responses.get("USERNAME") {
                candidates.push(typed);
            }
            common::check_secret_hash(
                client,
                responses.get("SECRET_HASH").map(String::as_str),
                &candidates,
            )
        })?;
    }
    let require = |member: &str| match responses.get(member) {
        Some(_) => Ok(()),
        None => Err(missing(member)),
    };
    match &session.step {
        Step::PasswordVerifier { .. } | Step::DevicePasswordVerifier { .. } => {
            require("PASSWORD_CLAIM_SIGNATURE")?;
            require("TIMESTAMP")
        }
        Step::DeviceSrpAuth => {
            require("SRP_A")?;
            require("DEVICE_KEY")
        }
        Step::NewPasswordRequired => require("NEW_PASSWORD"),
        Step::SmsMfa { .. } => require("SMS_MFA_CODE"),
        Step::SoftwareTokenMfa { .. } => require("SOFTWARE_TOKEN_MFA_CODE"),
        Step::OtpCode { email: true, .. } => require("EMAIL_OTP_CODE"),
        Step::OtpCode { email: false, .. } => require("SMS_OTP_CODE"),
        Step::WebAuthn { .. } => require("CREDENTIAL"),
        Step::SelectMfaType(options) => {
            require("ANSWER")?;
            let answer = &responses["ANSWER"];
            if !options.contains(answer) {
                return Err(ApiError::invalid_parameter(format!(
                    "Invalid MFA type {answer}"
                )));
            }
            Ok(())
        }
        Step::SelectChallenge { available, .. } => {
            require("ANSWER")?;
            let answer = &responses["ANSWER"];
            if !available.iter().any(|a| a == answer) {
                return Err(ApiError::invalid_parameter(format!(
                    "{answer} is not one of the available challenges."
                )));
            }
            // The one-step forms: the chosen factor's credential comes with the choice.
            match answer.as_str() {
                "PASSWORD" => require("PASSWORD"),
                "PASSWORD_SRP" => require("SRP_A"),
                _ => Ok(()),
            }
        }
        Step::CustomChallenge | Step::TriggeredChallenge { .. } => require("ANSWER"),
        _ => Ok(()),
    }
}

fn mfa_mismatch() -> ApiError {
    ApiError::new("CodeMismatchException", "Invalid code received for user")
}

/// Puts an MFA session back after a wrong code, unless too many codes were wrong.
fn retry_or_fail(
    app: &App,
    key: String,
    ctx: SignInContext,
    step: Step,
    expires_at: i64,
    failed: u32,
) {
    if failed < 3 {
        app.put_session(
            key,
            ChallengeSession {
                ctx,
                step,
                expires_at,
            },
        );
    }
}

/// Checks PASSWORD_CLAIM_SIGNATURE and TIMESTAMP of a (device) password verifier answer.
fn proof_is_valid(
    responses: &BTreeMap<String, String>,
    ephemeral: &srp::ServerEphemeral,
    verifier: &BigUint,
    pool_name: &str,
    user_id: &str,
    secret_block: &[u8],
    now: i64,
) -> bool {
    let (Some(timestamp), Some(signature)) = (
        responses.get("TIMESTAMP"),
        responses.get("PASSWORD_CLAIM_SIGNATURE"),
    ) else {
        return false;
    };
    let Some(sent_at) = crypto::parse_srp_timestamp(timestamp) else {
        return false;
    };
    // The TIMESTAMP comes from the client's real clock, so it is checked against the real clock
    // as well as the emulator's (which tests may have moved forward).
    let skew = (sent_at - now).abs().min((sent_at - real_now()).abs());
    if skew > TIMESTAMP_TOLERANCE {
        return false;
    }
    let Some(provided) = crypto::b64_decode(signature) else {
        return false;
    };
    let Some(key) = srp::session_key(ephemeral, verifier) else {
        return false;
    };
    let expected = srp::expected_signature(&key, pool_name, user_id, secret_block, timestamp);
    crypto::ct_eq(&expected, &provided)
}

/// DEVICE_SRP_AUTH: the device's SRP_A arrives; answer DEVICE_PASSWORD_VERIFIER.
fn device_srp_auth(
    app: &App,
    ctx: SignInContext,
    responses: &BTreeMap<String, String>,
) -> ApiResult<Value> {
    let srp_a = responses.get("SRP_A").ok_or_else(|| missing("SRP_A"))?;
    let device_key = responses
        .get("DEVICE_KEY")
        .ok_or_else(|| missing("DEVICE_KEY"))?;
    if ctx.device_key.as_ref() != Some(device_key) {
        return Err(ApiError::resource_not_found("Device does not exist."));
    }
    let (device, ttl) = app.read(|db| {
        let pool = db.pool(&ctx.pool_id)?;
        let device = pool
            .user(&ctx.username)?
            .devices
            .get(device_key)
            .cloned()
            .ok_or_else(|| ApiError::resource_not_found("Device does not exist."))?;
        let ttl = pool
            .clients
            .get(&ctx.client_id)
            .map_or(180, |c| c.auth_session_validity * 60);
        Ok((device, ttl))
    })?;
    let (Some(salt_hex), Some(verifier_hex)) = (&device.salt_hex, &device.verifier_hex) else {
        return Err(ApiError::resource_not_found("Device does not exist."));
    };
    let verifier = srp::parse_hex(verifier_hex)
        .ok_or_else(|| ApiError::internal("stored device verifier is corrupt"))?;
    let ephemeral = srp::start(srp_a, &verifier)
        .ok_or_else(|| ApiError::invalid_parameter("SRP_A is not a valid public value."))?;
    let secret_block = crypto::random_bytes(SECRET_BLOCK_BYTES);
    let secret_block_b64 = crypto::b64(&secret_block);
    let username = ctx.username.clone();
    let server_public_hex = ephemeral.server_public.to_str_radix(16);
    app.put_session(
        secret_block_b64.clone(),
        ChallengeSession {
            ctx,
            step: Step::DevicePasswordVerifier {
                ephemeral: Box::new(ephemeral),
                verifier,
                device_key: device.device_key.clone(),
                group_key: device.device_group_key.clone(),
                secret_block,
            },
            expires_at: app.now() + ttl,
        },
    );
    Ok(json!({
        "ChallengeName": "DEVICE_PASSWORD_VERIFIER",
        "ChallengeParameters": {
            "SRP_B": server_public_hex,
            "SALT": salt_hex,
            "SECRET_BLOCK": secret_block_b64,
            "USERNAME": username,
            "DEVICE_KEY": device.device_key,
        },
    }))
}
