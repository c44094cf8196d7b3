//! The package's `CognitoAuth` methods as JSON over [`CognitoAuth`]: Amplify-v6-shaped inputs in,
//! results out, in the shapes of `pkg-template/client.d.ts`. The wasm entry (`js::package`) runs
//! this for the npm package; it is host-neutral (no JavaScript in it), so any host that speaks JSON
//! can drive the same engine, and `tests/methods.rs` checks every shape natively, byte for byte.

use crate::api::operations::{
    AttributeType, CodeDeliveryDetails, CodeDeliveryReply, DeviceType, Empty,
    GetUserAuthFactorsReply, GetUserReply, ListWebAuthnCredentialsReply, MfaSettings, SignUpReply,
    StringMap, UpdateUserAttributesReply,
};
use crate::client::machine::{Ctx, Flow, Input as FlowInput, Step};
use crate::client::{
    answer_for, reply_as, totp_verified, write_attributes, write_mfa, Account, AuthFlow, Call,
    CognitoAuth, Config, Core, FirstFactor, GetSession, HandleRedirect, Local, LocalAction,
    LocalOutput, Need, NextStep, OAuthConfig, RedirectOptions, Redirected, Refresh, Session,
    SignIn, SignInOutput, SignInWithRedirect, SignOut, SignOutRedirect, UserInfo,
};
use crate::error::{Error, MisuseErrorKind, Result};
use crate::flow::{mfa_name, CodeDestination};
use crate::json::{self, write_str, Json, ObjectWriter};
use crate::secret::ClientSecret;
use crate::storage::Storage;
use crate::text::cat;
use crate::transport::{HttpReply, Runtime};
use alloc::boxed::Box;
use alloc::string::{String, ToString};
use alloc::vec::Vec;
use zeroize::Zeroizing;

fn invalid(message: String) -> Error {
    Error::misuse(MisuseErrorKind::InvalidArgument, message)
}

/// A required string argument that is missing (or not a string): the package's methods and its
/// `SrpClient` and `secretHash` say it the same way.
#[inline(never)]
pub(crate) fn missing_string(key: &str) -> Error {
    invalid(cat!(key, " is required (a string)"))
}

/// The members of a method's input (an object, or nothing). It holds passwords and codes: its text
/// is zeroed when it is dropped.
struct Input(Json);

impl Drop for Input {
    fn drop(&mut self) {
        json::wipe(&mut self.0);
    }
}

impl Input {
    fn parse(text: &str) -> Result<Input> {
        match json::parse(text.as_bytes()) {
            Ok(v @ (Json::Object(_) | Json::Null)) => Ok(Input(v)),
            _ => Err(invalid("the input must be an object".into())),
        }
    }

    fn get(&self, key: &str) -> Option<&Json> {
        self.0.get(key).filter(|v| **v != Json::Null)
    }

    /// A required string member.
    fn str(&self, key: &str) -> Result<&str> {
        self.get(key)
            .and_then(Json::as_str)
            .ok_or_else(|| missing_string(key))
    }

    /// An optional string member; anything but a string counts as absent.
    fn opt_str(&self, key: &str) -> Option<&str> {
        self.get(key).and_then(Json::as_str)
    }

    /// An optional string member that must be a string when given.
    fn typed_str(&self, key: &str) -> Result<Option<&str>> {
        match self.get(key) {
            None => Ok(None),
            Some(Json::String(s)) => Ok(Some(s)),
            Some(_) => Err(invalid(cat!(key, " must be a string"))),
        }
    }

    fn bool(&self, key: &str) -> bool {
        matches!(self.get(key), Some(Json::Bool(true)))
    }

    /// Whether a member is set as JavaScript's truthiness has it (`global: 1` counts).
    fn truthy(&self, key: &str) -> bool {
        match self.get(key) {
            None | Some(Json::Bool(false)) => false,
            Some(Json::String(s)) => !s.is_empty(),
            Some(n @ Json::Number(_)) => n.as_f64().is_some_and(|n| n != 0.0),
            Some(_) => true,
        }
    }

    /// A finite number member, else `fallback`.
    fn number(&self, key: &str, fallback: f64) -> f64 {
        self.get(key)
            .and_then(Json::as_f64)
            .filter(|n| n.is_finite())
            .unwrap_or(fallback)
    }

    /// An object of attribute names to values (absent is empty; members that are not strings are
    /// left out).
    fn attributes(&self, key: &str) -> Result<Vec<(String, String)>> {
        match self.get(key) {
            None => Ok(Vec::new()),
            Some(Json::Object(members)) => {
                let mut out = Vec::with_capacity(members.len());
                for (k, v) in members {
                    if let Some(v) = v.as_str() {
                        out.push((k.clone(), v.to_string()));
                    }
                }
                Ok(out)
            }
            Some(_) => Err(invalid(cat!(key, " must be an object of strings"))),
        }
    }

    /// `ENABLED | DISABLED | PREFERRED | NOT_PREFERRED` as the service's MFA settings.
    fn mfa_setting(&self, key: &str) -> Result<Option<MfaSettings>> {
        let Some(value) = self.get(key) else {
            return Ok(None);
        };
        let (enabled, preferred) = match value.as_str() {
            Some("ENABLED") => (true, false),
            Some("DISABLED") => (false, false),
            Some("PREFERRED") => (true, true),
            Some("NOT_PREFERRED") => (true, false),
            _ => {
                // The value as JSON (a string shows in its quotes), as JSON.stringify would.
                let mut shown = String::new();
                value.write(&mut shown);
                return Err(invalid(cat!("unknown MFA setting ", shown, " for ", key)));
            }
        };
        Ok(Some(MfaSettings {
            enabled,
            preferred_mfa: preferred,
        }))
    }
}

/// Writes a result as JSON text: members are appended by the helpers below.
pub(crate) struct Out(Zeroizing<String>);

impl Out {
    #[inline(never)]
    pub(crate) fn new() -> Self {
        // Room for the largest result (a session: two tokens and the claims) up front: a buffer
        // that regrows leaves a copy of what it held (tokens) in freed memory.
        Out(Zeroizing::new(String::with_capacity(16384)))
    }
    #[inline(never)]
    pub(crate) fn raw(&mut self, text: &str) -> &mut Self {
        self.0.push_str(text);
        self
    }
    #[inline(never)]
    pub(crate) fn str(&mut self, text: &str) -> &mut Self {
        write_str(text, &mut self.0);
        self
    }
    /// `"key":` after a `{` or `,` the caller wrote.
    #[inline(never)]
    pub(crate) fn key(&mut self, key: &str) -> &mut Self {
        self.str(key).raw(":")
    }
    #[inline(never)]
    pub(crate) fn opt(&mut self, key: &str, value: Option<&str>) -> &mut Self {
        if let Some(v) = value {
            self.raw(",").key(key).str(v);
        }
        self
    }
    /// The `n`th entry of an array (`key` none) or object being written; `n` counts on. Lists and
    /// maps of every kind are written through this one function, not a generic one per kind.
    #[inline(never)]
    pub(crate) fn entry(&mut self, n: &mut usize, key: Option<&str>, value: &str) -> &mut Self {
        if *n > 0 {
            self.raw(",");
        }
        *n += 1;
        if let Some(key) = key {
            self.key(key);
        }
        self.str(value)
    }
    pub(crate) fn strs(&mut self, items: &[String]) -> &mut Self {
        self.raw("[");
        let mut n = 0;
        for item in items {
            self.entry(&mut n, None, item);
        }
        self.raw("]")
    }
    pub(crate) fn map(&mut self, pairs: &[(&str, &str)]) -> &mut Self {
        self.raw("{");
        let mut n = 0;
        for (k, v) in pairs {
            self.entry(&mut n, Some(k), v);
        }
        self.raw("}")
    }
    /// `{…}` of attributes' names and values.
    fn attributes(&mut self, attributes: &[AttributeType]) -> &mut Self {
        self.raw("{");
        let mut n = 0;
        for a in attributes {
            self.entry(&mut n, Some(&a.name), &a.value);
        }
        self.raw("}")
    }
    /// `{…}` of a string map's members.
    pub(crate) fn string_map(&mut self, map: &StringMap) -> &mut Self {
        self.raw("{");
        let mut n = 0;
        for (k, v) in map {
            self.entry(&mut n, Some(k), v);
        }
        self.raw("}")
    }
    #[inline(never)]
    pub(crate) fn int(&mut self, value: i64) -> &mut Self {
        crate::text::Piece::put(&value, &mut self.0);
        self
    }
    #[inline(never)]
    pub(crate) fn done(self) -> Option<Zeroizing<String>> {
        Some(self.0)
    }
}

/// `,"preferredMfa"?,"enabledMfa"` with Amplify's names of the methods.
fn mfa_settings(out: &mut Out, preferred: Option<&str>, enabled: &[String]) {
    out.opt("preferredMfa", preferred.map(mfa_name));
    out.raw(",").key("enabledMfa").raw("[");
    let mut n = 0;
    for m in enabled {
        out.entry(&mut n, None, mfa_name(m));
    }
    out.raw("]");
}

/// `{ destination?, deliveryMedium?, attributeName? }`.
fn delivery(out: &mut Out, d: &CodeDeliveryDetails) {
    let members = [
        ("destination", d.destination.as_deref()),
        ("deliveryMedium", d.delivery_medium.as_deref()),
        ("attributeName", d.attribute_name.as_deref()),
    ];
    out.raw("{");
    let mut n = 0;
    for (k, v) in members {
        if let Some(v) = v {
            out.entry(&mut n, Some(k), v);
        }
    }
    out.raw("}");
}

fn destination(out: &mut Out, d: &CodeDestination) {
    delivery(
        out,
        &CodeDeliveryDetails {
            destination: d.destination.clone(),
            delivery_medium: d.medium.clone(),
            attribute_name: None,
        },
    );
}

fn sign_in_output(o: &SignInOutput) -> Option<Zeroizing<String>> {
    let mut out = Out::new();
    out.raw("{")
        .key("isSignedIn")
        .raw(if o.is_signed_in { "true" } else { "false" })
        .raw(",")
        .key("nextStep")
        .raw("{")
        .key("signInStep");
    match &o.next_step {
        NextStep::Done => out.str("DONE"),
        NextStep::ConfirmSignInWithSmsCode(d) => {
            out.str("CONFIRM_SIGN_IN_WITH_SMS_CODE")
                .raw(",")
                .key("codeDeliveryDetails");
            destination(&mut out, d);
            &mut out
        }
        NextStep::ConfirmSignInWithTotpCode => out.str("CONFIRM_SIGN_IN_WITH_TOTP_CODE"),
        NextStep::ConfirmSignInWithEmailCode(d) => {
            out.str("CONFIRM_SIGN_IN_WITH_EMAIL_CODE")
                .raw(",")
                .key("codeDeliveryDetails");
            destination(&mut out, d);
            &mut out
        }
        NextStep::ContinueSignInWithMfaSelection(types) => out
            .str("CONTINUE_SIGN_IN_WITH_MFA_SELECTION")
            .raw(",")
            .key("allowedMFATypes")
            .strs(types),
        NextStep::ContinueSignInWithTotpSetup {
            shared_secret,
            setup_uri,
        } => out
            .str("CONTINUE_SIGN_IN_WITH_TOTP_SETUP")
            .raw(",")
            .key("totpSetupDetails")
            .map(&[
                ("sharedSecret", shared_secret.as_str()),
                ("setupUri", setup_uri.as_str()),
            ]),
        NextStep::ConfirmSignInWithNewPasswordRequired(missing) => out
            .str("CONFIRM_SIGN_IN_WITH_NEW_PASSWORD_REQUIRED")
            .raw(",")
            .key("missingAttributes")
            .strs(missing),
        NextStep::ConfirmSignInWithCustomChallenge(params) => out
            .str("CONFIRM_SIGN_IN_WITH_CUSTOM_CHALLENGE")
            .raw(",")
            .key("additionalInfo")
            .string_map(params),
        NextStep::ContinueSignInWithFirstFactorSelection(options) => out
            .str("CONTINUE_SIGN_IN_WITH_FIRST_FACTOR_SELECTION")
            .raw(",")
            .key("availableChallenges")
            .strs(options),
        NextStep::ConfirmSignInWithPassword => out.str("CONFIRM_SIGN_IN_WITH_PASSWORD"),
        NextStep::ConfirmSignUp => out.str("CONFIRM_SIGN_UP"),
        NextStep::ResetPassword => out.str("RESET_PASSWORD"),
    };
    out.raw("}}");
    out.done()
}

fn session(s: &Session) -> Option<Zeroizing<String>> {
    let mut out = Out::new();
    out.raw("{")
        .key("username")
        .str(&s.username)
        .raw(",")
        .key("idToken")
        .str(s.id_token.expose_secret())
        .raw(",")
        .key("accessToken")
        .str(s.access_token.expose_secret())
        .raw(",")
        .key("expiresAt")
        .int(s.expires_at)
        .raw(",")
        .key("idTokenClaims");
    s.id_token_claims.write(&mut out.0);
    out.raw("}");
    out.done()
}

fn device(out: &mut Out, d: &DeviceType) {
    out.raw("{").key("id").str(&d.device_key);
    let mut name = None;
    for a in &d.device_attributes {
        if a.name == "device_name" {
            name = Some(a.value.as_str());
            break;
        }
    }
    out.opt("name", name);
    out.raw(",")
        .key("attributes")
        .attributes(&d.device_attributes);
    // Milliseconds, which the package turns into `Date`s (members named `…Date`).
    for (key, seconds) in [
        ("createDate", d.device_create_date),
        ("lastModifiedDate", d.device_last_modified_date),
        ("lastAuthenticatedDate", d.device_last_authenticated_date),
    ] {
        if let Some(s) = seconds {
            out.raw(",").key(key).int((s * 1000.0) as i64);
        }
    }
    out.raw("}");
}

/// The flow of `authFlow`, with `preferredChallenge` for `USER_AUTH` (and only there).
fn flow_of(name: Option<&str>, preferred: Option<&str>) -> Result<AuthFlow> {
    let flow = match name {
        None | Some("USER_SRP_AUTH") => AuthFlow::UserSrp,
        Some("USER_PASSWORD_AUTH") => AuthFlow::UserPassword,
        Some("CUSTOM_WITH_SRP") => AuthFlow::CustomWithSrp,
        Some("CUSTOM_WITHOUT_SRP" | "CUSTOM_AUTH") => AuthFlow::CustomWithoutSrp,
        Some("USER_AUTH") => {
            let factor = match preferred {
                None => None,
                Some(name) => Some(FirstFactor::from_name(name).ok_or_else(|| {
                    invalid(cat!(
                        "unknown preferredChallenge ",
                        crate::error::quoted(name),
                        " (PASSWORD, PASSWORD_SRP, EMAIL_OTP, \
                         SMS_OTP or WEB_AUTHN)"
                    ))
                })?),
            };
            return Ok(AuthFlow::UserAuth(factor));
        }
        Some(other) => {
            return Err(invalid(cat!(
                "unknown authFlow ",
                crate::error::quoted(other)
            )))
        }
    };
    match preferred {
        Some(_) => Err(invalid(
            "preferredChallenge goes with authFlow USER_AUTH".into(),
        )),
        None => Ok(flow),
    }
}

/// Runs one method of the package's `CognitoAuth` on `auth`: its input as JSON (an object, or
/// `null`), its result as JSON text (`None` for methods that return nothing), in the shapes of the
/// package's `client.d.ts`; a device's dates are milliseconds since the epoch. The method is a
/// `Method` flow; this drives it with `auth`'s runtime and storage.
pub async fn call<R: Runtime, S: Storage>(
    auth: &CognitoAuth<R, S>,
    method: &str,
    input: &str,
) -> Result<Option<Zeroizing<String>>> {
    auth.drive_method(method, input).await
}

/// One method of the package's `CognitoAuth` as a flow: its input read, the client's flow that does
/// it, and its result written as JSON. The methods that are one request are rows of [`CALLS`]: a
/// [`Call`] sent by the one [`Account`] flow, its reply written by [`shaped`] as the row's [`Shape`]
/// says.
pub(crate) enum Method {
    Call(Box<Account>, Shape),
    SignIn(Box<SignIn>),
    Session(Box<GetSession>),
    Refresh(Box<Refresh>),
    SignOut(Box<SignOut>),
    Local(Box<Local>),
    Redirect(Box<SignInWithRedirect>),
    HandleRedirect(Box<HandleRedirect>),
    UserInfo(Box<UserInfo>),
    SignOutRedirect(Box<SignOutRedirect>),
}

/// How a member of a method's input goes into its request.
#[derive(Clone, Copy)]
enum Kind {
    /// A string, required.
    Str,
    /// A string or nothing (anything else is refused).
    OptStr,
    /// A string or nothing (anything else counts as nothing).
    LooseStr,
    /// An object of strings, sent as the service's attribute list (always, maybe empty).
    Attributes,
    /// An array of strings, required.
    Names,
    /// `ENABLED | DISABLED | PREFERRED | NOT_PREFERRED`, sent as one MFA method's settings.
    Mfa,
    /// A page size: 1 to 20 sent (a larger one as 20); anything else leaves it out.
    PageSize,
}

/// What a method that is one request returns, read from the reply.
#[derive(Clone, Copy)]
pub(crate) enum Shape {
    Nothing,
    SignUp,
    Confirmed,
    Delivery,
    Reset,
    User,
    Updated,
    Totp,
    Factors,
    Passkeys,
}

/// How a request is made: without a session (for the input's `username`), or with the access
/// token and only reading (retried) or changing something.
const PUBLIC: u8 = 0;
const READ: u8 = 1;
const WRITE: u8 = 2;

/// A method of the package that is one request ([`Call`]): its name, the operation, how it is
/// made, what it returns, and the members of its input (input name, request name, kind) in the
/// order they are read and sent.
type Row = (
    &'static str,
    &'static str,
    u8,
    Shape,
    &'static [(&'static str, &'static str, Kind)],
);

#[rustfmt::skip]
const CALLS: &[Row] = {
    use Kind::*;
    use Shape::*;
    &[
        ("signUp", "SignUp", PUBLIC, SignUp,
            &[("password", "Password", OptStr), ("userAttributes", "UserAttributes", Attributes)]),
        ("confirmSignUp", "ConfirmSignUp", PUBLIC, Confirmed,
            &[("confirmationCode", "ConfirmationCode", Str)]),
        ("resendSignUpCode", "ResendConfirmationCode", PUBLIC, Delivery, &[]),
        ("forgotPassword", "ForgotPassword", PUBLIC, Reset, &[]),
        ("confirmForgotPassword", "ConfirmForgotPassword", PUBLIC, Nothing,
            &[("confirmationCode", "ConfirmationCode", Str), ("newPassword", "Password", Str)]),
        ("changePassword", "ChangePassword", WRITE, Nothing,
            &[("oldPassword", "PreviousPassword", Str), ("newPassword", "ProposedPassword", Str)]),
        ("getUser", "GetUser", READ, User, &[]),
        ("updateUserAttributes", "UpdateUserAttributes", WRITE, Updated,
            &[("userAttributes", "UserAttributes", Attributes)]),
        ("verifyUserAttribute", "VerifyUserAttribute", WRITE, Nothing,
            &[("userAttributeKey", "AttributeName", Str), ("confirmationCode", "Code", Str)]),
        ("sendUserAttributeVerificationCode", "GetUserAttributeVerificationCode", WRITE, Delivery,
            &[("userAttributeKey", "AttributeName", Str)]),
        ("deleteUserAttributes", "DeleteUserAttributes", WRITE, Nothing,
            &[("userAttributeKeys", "UserAttributeNames", Names)]),
        ("verifyTotpSetup", "VerifySoftwareToken", WRITE, Totp,
            &[("code", "UserCode", Str), ("friendlyDeviceName", "FriendlyDeviceName", LooseStr)]),
        ("setMfaPreference", "SetUserMFAPreference", WRITE, Nothing, &[
            ("totp", "SoftwareTokenMfaSettings", Mfa),
            ("sms", "SMSMfaSettings", Mfa),
            ("email", "EmailMfaSettings", Mfa),
        ]),
        ("getUserAuthFactors", "GetUserAuthFactors", READ, Factors, &[]),
        ("listWebAuthnCredentials", "ListWebAuthnCredentials", READ, Passkeys,
            &[("nextToken", "NextToken", OptStr), ("pageSize", "MaxResults", PageSize)]),
        ("deleteWebAuthnCredential", "DeleteWebAuthnCredential", WRITE, Nothing,
            &[("credentialId", "CredentialId", Str)]),
    ]
};

/// The request of a row of [`CALLS`] with the method's input.
fn call_of(row: &Row, i: &Input) -> Result<Call> {
    let (_, operation, access, _, members) = *row;
    let mut w = ObjectWriter::new();
    let username = match access {
        PUBLIC => {
            let username = i.str("username")?;
            w.str("Username", username);
            Some(String::from(username))
        }
        _ => None,
    };
    for &(key, wire, kind) in members {
        match kind {
            Kind::Str => w.str(wire, i.str(key)?),
            Kind::OptStr => w.opt_str(wire, i.typed_str(key)?),
            Kind::LooseStr => w.opt_str(wire, i.opt_str(key)),
            Kind::Attributes => write_attributes(&mut w, wire, &i.attributes(key)?),
            Kind::Names => {
                let mut names = Vec::new();
                let ok = match i.get(key) {
                    Some(Json::Array(items)) => items.iter().all(|item| match item.as_str() {
                        Some(name) => {
                            names.push(name);
                            true
                        }
                        None => false,
                    }),
                    _ => false,
                };
                if !ok {
                    return Err(invalid(cat!(key, " is required (an array of strings)")));
                }
                w.strs(wire, &names);
            }
            Kind::Mfa => write_mfa(&mut w, wire, i.mfa_setting(key)?),
            Kind::PageSize => {
                let size = i.number(key, 0.0);
                if size >= 1.0 {
                    w.number(wire, size.min(20.0) as i64);
                }
            }
        }
    }
    let access = match access {
        PUBLIC => None,
        a => Some(a == READ),
    };
    Ok(Call::new(operation, access, username, w))
}

impl Method {
    /// The flow of `method` with its `input`; a waiting sign-in step is read from `core` to know
    /// what kind of answer `confirmSignIn` gives.
    pub(crate) fn new(core: &Core, method: &str, input: &str) -> Result<Method> {
        let input = Input::parse(input)?;
        let i = &input;
        let s = |key: &str| i.str(key).map(String::from);
        let opt = |key: &str| i.typed_str(key).map(|v| v.map(String::from));
        if let Some(row) = CALLS.iter().find(|row| row.0 == method) {
            return Ok(Method::Call(
                Box::new(Account::new(call_of(row, i)?)),
                row.3,
            ));
        }
        Ok(match method {
            "signIn" => {
                let username = i.str("username")?;
                let flow = flow_of(i.typed_str("authFlow")?, i.typed_str("preferredChallenge")?)?;
                let password = i.opt_str("password");
                Method::SignIn(Box::new(SignIn::begin(username, password, flow)))
            }
            "confirmSignIn" => {
                let response = s("challengeResponse")?;
                let attributes: StringMap = i.attributes("userAttributes")?.into_iter().collect();
                Method::SignIn(Box::new(SignIn::confirm(answer_for(
                    core, response, attributes,
                )?)))
            }
            "autoSignIn" => Method::SignIn(Box::new(SignIn::after_sign_up(core)?)),
            "getSession" => Method::Session(Box::new(GetSession::new())),
            "refreshSession" => Method::Refresh(Box::new(Refresh::new(Need::Always))),
            "signOut" if i.truthy("redirect") => {
                Method::SignOutRedirect(Box::new(SignOutRedirect::new(i.truthy("global"))))
            }
            "signOut" => Method::SignOut(Box::new(SignOut::new(i.truthy("global")))),
            "signInWithRedirect" => {
                let provider = match i.get("provider") {
                    None | Some(Json::Null) => None,
                    Some(Json::String(p)) => Some(provider_name(p)),
                    Some(other) => Some(
                        other
                            .get("custom")
                            .and_then(Json::as_str)
                            .map(String::from)
                            .ok_or_else(|| {
                                invalid("provider must be a name or { custom: name }".into())
                            })?,
                    ),
                };
                Method::Redirect(Box::new(SignInWithRedirect::new(RedirectOptions {
                    provider,
                    custom_state: opt("customState")?,
                    login_hint: opt("loginHint")?,
                    lang: opt("lang")?,
                    prompt: opt("prompt")?,
                })))
            }
            "handleRedirect" => {
                Method::HandleRedirect(Box::new(HandleRedirect::new(i.str("url")?)))
            }
            "getUserInfo" => Method::UserInfo(Box::new(UserInfo::new())),
            // The device, TOTP and passkey methods are one flow: its action built here, the flow
            // once (each arm boxing its own flow was 18 B brotli more).
            other => {
                let action = match other {
                    "deleteUser" => LocalAction::DeleteUser,
                    "setUpTotp" => LocalAction::SetUpTotp(opt("issuer")?),
                    "rememberDevice" => LocalAction::RememberDevice,
                    "forgetDevice" => LocalAction::ForgetDevice(opt("deviceKey")?),
                    "getDevice" => LocalAction::GetDevice(opt("deviceKey")?),
                    "listDevices" => LocalAction::ListDevices,
                    "associateWebAuthnCredential" => LocalAction::AssociatePasskey,
                    other => {
                        return Err(invalid(cat!(
                            "unknown method ",
                            crate::error::quoted(other)
                        )))
                    }
                };
                Method::Local(Box::new(Local::new(action)))
            }
        })
    }
}

impl Flow for Method {
    type Output = Option<Zeroizing<String>>;

    fn resume(&mut self, cx: &Ctx<'_>, input: FlowInput) -> Step<Self::Output> {
        fn then<T>(
            step: Step<T>,
            write: impl FnOnce(T) -> Result<Option<Zeroizing<String>>>,
        ) -> Step<Option<Zeroizing<String>>> {
            match step {
                Step::Io(io) => Step::Io(io),
                Step::Done(result) => Step::Done(result.and_then(write)),
            }
        }
        match self {
            Method::Call(account, shape) => then(account.resume(cx, input), |reply| {
                shaped(cx, *shape, account.call(), &reply)
            }),
            Method::SignIn(flow) => then(flow.resume(cx, input), |mut o| {
                let out = sign_in_output(&o);
                o.next_step.wipe();
                Ok(out)
            }),
            Method::Session(flow) => then(flow.resume(cx, input), |s| Ok(session(&s))),
            Method::Refresh(flow) => then(flow.resume(cx, input), |s| Ok(session(&s))),
            Method::SignOut(flow) => then(flow.resume(cx, input), |()| Ok(None)),
            Method::Local(flow) => then(flow.resume(cx, input), |out| Ok(local_output(out))),
            Method::Redirect(flow) => then(flow.resume(cx, input), |()| Ok(None)),
            Method::SignOutRedirect(flow) => then(flow.resume(cx, input), |()| Ok(None)),
            Method::HandleRedirect(flow) => then(flow.resume(cx, input), |r| Ok(redirected(&r))),
            Method::UserInfo(flow) => then(flow.resume(cx, input), |claims| Ok(Some(claims))),
        }
    }
}

/// Amplify's names of the social providers, as the domain knows them; any other name (a SAML or
/// OIDC provider of the pool, `COGNITO`) as it is.
fn provider_name(name: &str) -> String {
    match name {
        "Amazon" => "LoginWithAmazon",
        "Apple" => "SignInWithApple",
        other => other,
    }
    .to_string()
}

/// `{ isSignedIn, customState? }`.
fn redirected(r: &Redirected) -> Option<Zeroizing<String>> {
    let mut out = Out::new();
    out.raw("{")
        .key("isSignedIn")
        .raw(if r.signed_in { "true" } else { "false" });
    out.opt("customState", r.custom_state.as_deref());
    out.raw("}");
    out.done()
}

/// The result of a [`Local`] flow.
fn local_output(out: LocalOutput) -> Option<Zeroizing<String>> {
    match out {
        LocalOutput::Nothing => None,
        LocalOutput::Totp(secret, uri) => {
            let mut out = Out::new();
            out.map(&[
                ("sharedSecret", secret.as_str()),
                ("setupUri", uri.as_str()),
            ]);
            out.done()
        }
        LocalOutput::Device(d) => {
            let mut out = Out::new();
            device(&mut out, &d);
            out.done()
        }
        LocalOutput::Devices(list) => {
            let mut out = Out::new();
            out.raw("[");
            for (n, d) in list.iter().enumerate() {
                if n > 0 {
                    out.raw(",");
                }
                device(&mut out, d);
            }
            out.raw("]");
            out.done()
        }
    }
}

/// The result of a method that is one request, from the request's reply.
fn shaped(
    cx: &Ctx<'_>,
    shape: Shape,
    call: &Call,
    reply: &HttpReply,
) -> Result<Option<Zeroizing<String>>> {
    Ok(match shape {
        Shape::SignUp => {
            let r: SignUpReply = reply_as(reply)?;
            let mut out = Out::new();
            out.raw("{")
                .key("isSignUpComplete")
                .raw(if r.user_confirmed { "true" } else { "false" })
                .opt("userId", r.user_sub.as_deref())
                .raw(",")
                .key("nextStep")
                .raw("{")
                .key("signUpStep")
                .str(if r.user_confirmed {
                    "DONE"
                } else {
                    "CONFIRM_SIGN_UP"
                });
            if let Some(d) = &r.code_delivery_details {
                out.raw(",").key("codeDeliveryDetails");
                delivery(&mut out, d);
            }
            out.raw("}}");
            out.done()
        }
        Shape::Confirmed => {
            reply_as::<Empty>(reply)?;
            // With a session kept for the user, `autoSignIn()` signs them in (Amplify's step).
            let auto = matches!((&*cx.sign_up_session.borrow(), &call.username),
                (Some((u, _)), Some(username)) if u == username);
            let mut out = Out::new();
            out.raw(r#"{"isSignUpComplete":true,"nextStep":{"signUpStep":""#)
                .raw(if auto {
                    "COMPLETE_AUTO_SIGN_IN"
                } else {
                    "DONE"
                })
                .raw(r#""}}"#);
            out.done()
        }
        Shape::Delivery => {
            let d = reply_as::<CodeDeliveryReply>(reply)?.code_delivery_details;
            d.and_then(|d| {
                let mut out = Out::new();
                delivery(&mut out, &d);
                out.done()
            })
        }
        Shape::Reset => {
            let d = reply_as::<CodeDeliveryReply>(reply)?.code_delivery_details;
            let mut out = Out::new();
            out.raw(r#"{"nextStep":{"resetPasswordStep":"CONFIRM_RESET_PASSWORD_WITH_CODE""#);
            if let Some(d) = &d {
                out.raw(",").key("codeDeliveryDetails");
                delivery(&mut out, d);
            }
            out.raw("}}");
            out.done()
        }
        Shape::User => {
            let u: GetUserReply = reply_as(reply)?;
            let mut out = Out::new();
            out.raw("{").key("username").str(&u.username);
            out.raw(",")
                .key("attributes")
                .attributes(&u.user_attributes);
            mfa_settings(
                &mut out,
                u.preferred_mfa_setting.as_deref(),
                &u.user_mfa_setting_list,
            );
            out.raw("}");
            out.done()
        }
        Shape::Updated => {
            let list = reply_as::<UpdateUserAttributesReply>(reply)?.code_delivery_details_list;
            let mut out = Out::new();
            out.raw("[");
            for (n, d) in list.iter().enumerate() {
                if n > 0 {
                    out.raw(",");
                }
                delivery(&mut out, d);
            }
            out.raw("]");
            out.done()
        }
        Shape::Totp => {
            totp_verified(reply_as(reply)?)?;
            None
        }
        Shape::Factors => {
            let f: GetUserAuthFactorsReply = reply_as(reply)?;
            let mut out = Out::new();
            out.raw("{").key("username").str(&f.username);
            mfa_settings(
                &mut out,
                f.preferred_mfa_setting.as_deref(),
                &f.user_mfa_setting_list,
            );
            out.raw(",")
                .key("configuredUserAuthFactors")
                .strs(&f.configured_user_auth_factors)
                .raw("}");
            out.done()
        }
        Shape::Passkeys => {
            let list: ListWebAuthnCredentialsReply = reply_as(reply)?;
            let mut out = Out::new();
            out.raw("{").key("credentials").raw("[");
            for (n, c) in list.credentials.iter().enumerate() {
                if n > 0 {
                    out.raw(",");
                }
                out.raw("{").key("credentialId").str(&c.credential_id);
                out.opt(
                    "friendlyCredentialName",
                    c.friendly_credential_name.as_deref(),
                );
                out.raw(",").key("relyingPartyId").str(&c.relying_party_id);
                out.opt(
                    "authenticatorAttachment",
                    c.authenticator_attachment.as_deref(),
                );
                out.raw(",")
                    .key("authenticatorTransports")
                    .strs(&c.authenticator_transports);
                // Milliseconds, which the package turns into a `Date`.
                if let Some(s) = c.created_at {
                    out.raw(",").key("createdAt").int((s * 1000.0) as i64);
                }
                out.raw("}");
            }
            out.raw("]");
            out.opt("nextToken", list.next_token.as_deref());
            out.raw("}");
            out.done()
        }
        Shape::Nothing => {
            reply_as::<Empty>(reply)?;
            None
        }
    })
}

/// `oauth: { domain, redirectSignIn, redirectSignOut?, scopes?, responseType? }`; the redirects may
/// be arrays (Amplify's shape), of which the first is used.
fn oauth_options(value: Option<&Json>) -> Result<Option<OAuthConfig>> {
    let Some(o @ Json::Object(_)) = value else {
        return Ok(None);
    };
    let text = |key: &str| -> Option<&str> {
        match o.get(key) {
            Some(Json::String(s)) => Some(s),
            Some(Json::Array(items)) => items.first().and_then(Json::as_str),
            _ => None,
        }
    };
    let (Some(domain), Some(redirect)) = (text("domain"), text("redirectSignIn")) else {
        return Err(invalid(
            "oauth needs domain and redirectSignIn (strings)".into(),
        ));
    };
    if let Some(kind) = text("responseType").filter(|t| *t != "code") {
        return Err(invalid(cat!(
            "oauth.responseType ",
            crate::error::quoted(kind),
            " is not supported: the kit signs in with the code flow and PKCE"
        )));
    }
    let mut oauth = OAuthConfig::new(domain, redirect);
    oauth.redirect_sign_out = text("redirectSignOut").map(String::from);
    if let Some(Json::Array(items)) = o.get("scopes") {
        oauth.scopes.clear();
        for scope in items.iter().filter_map(Json::as_str) {
            oauth.scopes.push(scope.into());
        }
    }
    Ok(Some(oauth))
}

/// The options of the package's `new CognitoAuth({ … })` but `storage` (the host's), as JSON.
#[derive(Debug)]
pub struct Options {
    /// The client's configuration.
    pub config: Config,
    /// `timeoutMs`: abort a request after this many milliseconds (0: never).
    pub timeout_millis: u32,
}

impl Options {
    /// Reads `{ userPoolId, clientId, clientSecret?, endpoint?, refreshTokenRotation?, deviceName?,
    /// timeoutMs?, refreshMarginSeconds?, oauth? }`; a member of the wrong type counts as absent, as the
    /// package always read its options.
    pub fn parse(options: &str) -> Result<Options> {
        let o = Input::parse(options)?;
        let mut config = Config::new(o.str("userPoolId")?, o.str("clientId")?);
        config.client_secret = o
            .opt_str("clientSecret")
            .filter(|s| !s.is_empty())
            .map(|s| ClientSecret::new(s.to_string()));
        config.endpoint = o.opt_str("endpoint").map(ToString::to_string);
        config.refresh_token_rotation = o.bool("refreshTokenRotation");
        config.device_name = o.opt_str("deviceName").map(ToString::to_string);
        config.refresh_margin_seconds = o.number("refreshMarginSeconds", 60.0) as i64;
        config.oauth = oauth_options(o.get("oauth"))?;
        // Timers hold at most 2^31 - 1 ms.
        let millis = o.number("timeoutMs", 30_000.0).clamp(0.0, 2_147_483_647.0);
        // Rounded up (f64::ceil is std's): a fraction of a millisecond is one more.
        let whole = millis as u32;
        let timeout_millis = whole + u32::from(f64::from(whole) < millis);
        Ok(Options {
            config,
            timeout_millis,
        })
    }
}
