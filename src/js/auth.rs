//! `CognitoAuth` for JavaScript: the async client with Amplify-v6-like names and results.
//! Every method returns a Promise; every failure rejects with a `CognitoError`.

use super::storage::JsStorage;
use super::to_js_error;
use crate::api::operations::{CodeDeliveryDetails, MfaSettings};
use crate::client::{AuthFlow, CognitoAuth, Config, Event, NextStep, Session, SignInOutput};
use crate::error::{Error, MisuseErrorKind, Result};
use crate::flow::{Challenge, UserAnswer};
use crate::secret::ClientSecret;
use crate::transport::FetchRuntime;
use alloc::format;
use alloc::rc::{Rc, Weak};
use alloc::string::{String, ToString};
use alloc::vec::Vec;
use core::future::Future;
use js_sys::{Array, Function, Object, Promise, Reflect};
use wasm_bindgen::prelude::*;

type Inner = CognitoAuth<FetchRuntime, JsStorage>;

#[wasm_bindgen(typescript_custom_section)]
const TS_TYPES: &'static str = r#"
/** Where tokens are kept: Web Storage, memory, or your own object (sync or async). */
export type StorageOption =
  | 'local'
  | 'session'
  | 'memory'
  | {
      getItem(key: string): string | null | Promise<string | null>;
      setItem(key: string, value: string): void | Promise<void>;
      removeItem(key: string): void | Promise<void>;
    };
export interface CognitoAuthOptions {
  /** e.g. `us-east-1_AbCdEf123`. */
  userPoolId: string;
  clientId: string;
  /** Only for app clients with a secret; anything shipped to a browser is visible to its users. */
  clientSecret?: string;
  /** Overrides `https://cognito-idp.{region}.amazonaws.com/` (a proxy, the local emulator). */
  endpoint?: string;
  /** Default `'local'`, falling back to memory where Web Storage is missing. */
  storage?: StorageOption;
  /** The app client rotates refresh tokens: refresh with GetTokensFromRefreshToken. */
  refreshTokenRotation?: boolean;
  /** Name given to a remembered device. */
  deviceName?: string;
  /** Abort a request after this many milliseconds (default 30000; 0 = never). */
  timeoutMs?: number;
  /** Refresh when a token expires within this many seconds (default 60). */
  refreshMarginSeconds?: number;
}
export type AuthFlowType = 'USER_SRP_AUTH' | 'USER_PASSWORD_AUTH' | 'CUSTOM_WITH_SRP' | 'CUSTOM_WITHOUT_SRP';
export interface SignInInput { username: string; password?: string; authFlow?: AuthFlowType }
export interface CodeDeliveryDetails { destination?: string; deliveryMedium?: string; attributeName?: string }
export type MfaType = 'SMS' | 'TOTP' | 'EMAIL';
export type SignInStep =
  | { signInStep: 'DONE' }
  | { signInStep: 'CONFIRM_SIGN_IN_WITH_SMS_CODE'; codeDeliveryDetails: CodeDeliveryDetails }
  | { signInStep: 'CONFIRM_SIGN_IN_WITH_TOTP_CODE' }
  | { signInStep: 'CONFIRM_SIGN_IN_WITH_EMAIL_CODE'; codeDeliveryDetails: CodeDeliveryDetails }
  | { signInStep: 'CONTINUE_SIGN_IN_WITH_MFA_SELECTION'; allowedMFATypes: MfaType[] }
  | { signInStep: 'CONTINUE_SIGN_IN_WITH_TOTP_SETUP'; totpSetupDetails: TotpSetupDetails }
  | { signInStep: 'CONFIRM_SIGN_IN_WITH_NEW_PASSWORD_REQUIRED'; missingAttributes: string[] }
  | { signInStep: 'CONFIRM_SIGN_IN_WITH_CUSTOM_CHALLENGE'; additionalInfo: Record<string, string> }
  | { signInStep: 'CONTINUE_SIGN_IN_WITH_FIRST_FACTOR_SELECTION'; availableChallenges: string[] }
  | { signInStep: 'CONFIRM_SIGN_UP' }
  | { signInStep: 'RESET_PASSWORD' };
export interface SignInOutput { isSignedIn: boolean; nextStep: SignInStep }
export interface ConfirmSignInInput {
  /** The code, the chosen MFA type (`'TOTP'`, `'SMS'`, `'EMAIL'`), the new password, or the custom answer. */
  challengeResponse: string;
  /** With a new password: the attributes the pool requires. */
  userAttributes?: Record<string, string>;
}
export interface AuthSession {
  username: string;
  idToken: string;
  accessToken: string;
  /** When the access token expires, in seconds since the epoch (the service's clock). */
  expiresAt: number;
  /** The ID token's claims, decoded but NOT verified. */
  idTokenClaims: Record<string, unknown>;
}
export interface SignOutInput { global?: boolean }
export interface SignUpInput { username: string; password: string; userAttributes?: Record<string, string> }
export interface SignUpOutput {
  isSignUpComplete: boolean;
  userId?: string;
  nextStep: { signUpStep: 'DONE' | 'CONFIRM_SIGN_UP'; codeDeliveryDetails?: CodeDeliveryDetails };
}
export interface ConfirmSignUpInput { username: string; confirmationCode: string }
export interface ConfirmSignUpOutput { isSignUpComplete: true; nextStep: { signUpStep: 'DONE' } }
export interface UsernameInput { username: string }
export interface ResetPasswordOutput {
  nextStep: { resetPasswordStep: 'CONFIRM_RESET_PASSWORD_WITH_CODE'; codeDeliveryDetails?: CodeDeliveryDetails };
}
export interface ConfirmForgotPasswordInput { username: string; confirmationCode: string; newPassword: string }
export interface ChangePasswordInput { oldPassword: string; newPassword: string }
export interface User { username: string; attributes: Record<string, string>; preferredMfa?: MfaType; enabledMfa: MfaType[] }
export interface UpdateUserAttributesInput { userAttributes: Record<string, string> }
export interface VerifyUserAttributeInput { userAttributeKey: string; confirmationCode: string }
export interface UserAttributeKeyInput { userAttributeKey: string }
export interface DeleteUserAttributesInput { userAttributeKeys: string[] }
export interface SetUpTotpInput { issuer?: string }
export interface TotpSetupDetails { sharedSecret: string; setupUri: string }
export interface VerifyTotpSetupInput { code: string; friendlyDeviceName?: string }
export type MfaPreference = 'ENABLED' | 'DISABLED' | 'PREFERRED' | 'NOT_PREFERRED';
export interface SetMfaPreferenceInput { totp?: MfaPreference; sms?: MfaPreference; email?: MfaPreference }
export interface DeviceKeyInput { deviceKey?: string }
export interface Device {
  id: string;
  name?: string;
  attributes: Record<string, string>;
  createDate?: Date;
  lastModifiedDate?: Date;
  lastAuthenticatedDate?: Date;
}
export type AuthEvent = 'signedIn' | 'signedOut' | 'tokenRefresh' | 'tokenRefreshFailure';
"#;

fn get(obj: &JsValue, key: &str) -> JsValue {
    Reflect::get(obj, &key.into()).unwrap_or(JsValue::UNDEFINED)
}

fn opt_str(obj: &JsValue, key: &str) -> Option<String> {
    get(obj, key).as_string()
}

fn req_str(obj: &JsValue, key: &str) -> Result<String> {
    opt_str(obj, key).ok_or_else(|| {
        Error::misuse(
            MisuseErrorKind::InvalidArgument,
            format!("{key} is required (a string)"),
        )
    })
}

fn object(pairs: &[(&str, JsValue)]) -> JsValue {
    let o = Object::new();
    for (k, v) in pairs {
        let _ = Reflect::set(&o, &(*k).into(), v);
    }
    o.into()
}

fn strings(items: &[String]) -> JsValue {
    items
        .iter()
        .map(|s| JsValue::from(s.as_str()))
        .collect::<Array>()
        .into()
}

/// `{ name: value }` pairs of a plain object (attribute maps).
fn string_pairs(obj: &JsValue) -> Vec<(String, String)> {
    if !obj.is_object() {
        return Vec::new();
    }
    Object::entries(&Object::from(obj.clone()))
        .iter()
        .filter_map(|entry| {
            let pair = Array::from(&entry);
            Some((pair.get(0).as_string()?, pair.get(1).as_string()?))
        })
        .collect()
}

/// Every method's future goes through this one non-generic path: `future_to_promise` and its task
/// machinery exist once instead of once per method.
fn promise(future: impl Future<Output = Result<JsValue>> + 'static) -> Promise {
    settle(Box::pin(future))
}

#[inline(never)]
fn settle(
    future: core::pin::Pin<alloc::boxed::Box<dyn Future<Output = Result<JsValue>>>>,
) -> Promise {
    wasm_bindgen_futures::future_to_promise(
        async move { future.await.map_err(|e| to_js_error(&e)) },
    )
}

fn delivery(d: Option<&CodeDeliveryDetails>) -> JsValue {
    match d {
        None => JsValue::UNDEFINED,
        Some(d) => object(&[
            (
                "destination",
                d.destination
                    .as_deref()
                    .map_or(JsValue::UNDEFINED, JsValue::from),
            ),
            (
                "deliveryMedium",
                d.delivery_medium
                    .as_deref()
                    .map_or(JsValue::UNDEFINED, JsValue::from),
            ),
            (
                "attributeName",
                d.attribute_name
                    .as_deref()
                    .map_or(JsValue::UNDEFINED, JsValue::from),
            ),
        ]),
    }
}

/// Amplify's names for MFA methods.
fn mfa_name(service: &str) -> String {
    match service {
        "SMS_MFA" => "SMS",
        "SOFTWARE_TOKEN_MFA" => "TOTP",
        "EMAIL_OTP" => "EMAIL",
        other => other,
    }
    .to_string()
}

fn mfa_service_name(name: &str) -> String {
    match name {
        "SMS" => "SMS_MFA",
        "TOTP" => "SOFTWARE_TOKEN_MFA",
        "EMAIL" => "EMAIL_OTP",
        other => other,
    }
    .to_string()
}

fn sign_in_result(out: SignInOutput) -> JsValue {
    let step = |name: &str, extra: &[(&str, JsValue)]| {
        let mut pairs = Vec::from([("signInStep", JsValue::from(name))]);
        pairs.extend(extra.iter().cloned());
        object(&pairs)
    };
    let code_destination = |d: &crate::flow::CodeDestination| {
        object(&[
            (
                "destination",
                d.destination
                    .as_deref()
                    .map_or(JsValue::UNDEFINED, JsValue::from),
            ),
            (
                "deliveryMedium",
                d.medium
                    .as_deref()
                    .map_or(JsValue::UNDEFINED, JsValue::from),
            ),
        ])
    };
    let next = match &out.next_step {
        NextStep::Done => step("DONE", &[]),
        NextStep::ConfirmSignInWithSmsCode(d) => step(
            "CONFIRM_SIGN_IN_WITH_SMS_CODE",
            &[("codeDeliveryDetails", code_destination(d))],
        ),
        NextStep::ConfirmSignInWithTotpCode => step("CONFIRM_SIGN_IN_WITH_TOTP_CODE", &[]),
        NextStep::ConfirmSignInWithEmailCode(d) => step(
            "CONFIRM_SIGN_IN_WITH_EMAIL_CODE",
            &[("codeDeliveryDetails", code_destination(d))],
        ),
        NextStep::ContinueSignInWithMfaSelection(options) => {
            let names: Vec<String> = options.iter().map(|o| mfa_name(o)).collect();
            step(
                "CONTINUE_SIGN_IN_WITH_MFA_SELECTION",
                &[("allowedMFATypes", strings(&names))],
            )
        }
        NextStep::ContinueSignInWithTotpSetup {
            shared_secret,
            setup_uri,
        } => step(
            "CONTINUE_SIGN_IN_WITH_TOTP_SETUP",
            &[(
                "totpSetupDetails",
                object(&[
                    ("sharedSecret", shared_secret.as_str().into()),
                    ("setupUri", setup_uri.as_str().into()),
                ]),
            )],
        ),
        NextStep::ConfirmSignInWithNewPasswordRequired(missing) => step(
            "CONFIRM_SIGN_IN_WITH_NEW_PASSWORD_REQUIRED",
            &[("missingAttributes", strings(missing))],
        ),
        NextStep::ConfirmSignInWithCustomChallenge(params) => {
            let info = Object::new();
            for (k, v) in params {
                let _ = Reflect::set(&info, &k.as_str().into(), &v.as_str().into());
            }
            step(
                "CONFIRM_SIGN_IN_WITH_CUSTOM_CHALLENGE",
                &[("additionalInfo", info.into())],
            )
        }
        NextStep::ContinueSignInWithFirstFactorSelection(options) => step(
            "CONTINUE_SIGN_IN_WITH_FIRST_FACTOR_SELECTION",
            &[("availableChallenges", strings(options))],
        ),
        NextStep::ConfirmSignUp => step("CONFIRM_SIGN_UP", &[]),
        NextStep::ResetPassword => step("RESET_PASSWORD", &[]),
    };
    object(&[("isSignedIn", out.is_signed_in.into()), ("nextStep", next)])
}

fn session_result(s: &Session) -> JsValue {
    let claims = crate::tokens::Jwt::decode(s.id_token.expose_secret())
        .ok()
        .map(|jwt| {
            let mut text = String::new();
            jwt.claims().write(&mut text);
            text
        })
        .and_then(|text| js_sys::JSON::parse(&text).ok())
        .unwrap_or(JsValue::UNDEFINED);
    object(&[
        ("username", s.username.as_str().into()),
        ("idToken", s.id_token.expose_secret().into()),
        ("accessToken", s.access_token.expose_secret().into()),
        ("expiresAt", (s.expires_at as f64).into()),
        ("idTokenClaims", claims),
    ])
}

fn device_result(d: &crate::api::operations::DeviceType) -> JsValue {
    let date = |d: Option<f64>| {
        d.map_or(JsValue::UNDEFINED, |s| {
            js_sys::Date::new(&(s * 1000.0).into()).into()
        })
    };
    let attributes = Object::new();
    for a in &d.device_attributes {
        let _ = Reflect::set(
            &attributes,
            &a.name.as_str().into(),
            &a.value.as_str().into(),
        );
    }
    let name = d
        .device_attributes
        .iter()
        .find(|a| a.name == "device_name")
        .map(|a| a.value.as_str());
    object(&[
        ("id", d.device_key.as_str().into()),
        ("name", name.map_or(JsValue::UNDEFINED, JsValue::from)),
        ("attributes", attributes.into()),
        ("createDate", date(d.device_create_date)),
        ("lastModifiedDate", date(d.device_last_modified_date)),
        (
            "lastAuthenticatedDate",
            date(d.device_last_authenticated_date),
        ),
    ])
}

fn flow_of(name: Option<String>) -> Result<AuthFlow> {
    match name.as_deref() {
        None | Some("USER_SRP_AUTH") => Ok(AuthFlow::UserSrp),
        Some("USER_PASSWORD_AUTH") => Ok(AuthFlow::UserPassword),
        Some("CUSTOM_WITH_SRP") => Ok(AuthFlow::CustomWithSrp),
        Some("CUSTOM_WITHOUT_SRP") | Some("CUSTOM_AUTH") => Ok(AuthFlow::CustomWithoutSrp),
        Some(other) => Err(Error::misuse(
            MisuseErrorKind::InvalidArgument,
            format!("unknown authFlow {}", crate::error::quoted(other)),
        )),
    }
}

fn mfa_setting(value: Option<String>) -> Result<Option<MfaSettings>> {
    Ok(match value.as_deref() {
        None => None,
        Some("ENABLED") => Some(MfaSettings {
            enabled: true,
            preferred_mfa: false,
        }),
        Some("DISABLED") => Some(MfaSettings {
            enabled: false,
            preferred_mfa: false,
        }),
        Some("PREFERRED") => Some(MfaSettings {
            enabled: true,
            preferred_mfa: true,
        }),
        Some("NOT_PREFERRED") => Some(MfaSettings {
            enabled: true,
            preferred_mfa: false,
        }),
        Some(other) => {
            return Err(Error::misuse(
                MisuseErrorKind::InvalidArgument,
                format!("unknown MFA setting {}", crate::error::quoted(other)),
            ))
        }
    })
}

/// A client of one user pool app client. See the package README for the API.
#[wasm_bindgen(js_name = CognitoAuth)]
pub struct JsCognitoAuth {
    inner: Rc<Inner>,
}

#[wasm_bindgen(js_class = CognitoAuth)]
impl JsCognitoAuth {
    /// `new CognitoAuth({ userPoolId, clientId, clientSecret?, endpoint?, storage?,
    /// refreshTokenRotation?, deviceName?, timeoutMs?, refreshMarginSeconds? })`.
    #[wasm_bindgen(constructor)]
    pub fn new(
        #[wasm_bindgen(unchecked_param_type = "CognitoAuthOptions")] options: JsValue,
    ) -> core::result::Result<JsCognitoAuth, JsValue> {
        let build = || -> Result<JsCognitoAuth> {
            let mut config = Config::new(
                req_str(&options, "userPoolId")?,
                req_str(&options, "clientId")?,
            );
            config.client_secret = opt_str(&options, "clientSecret").map(ClientSecret::new);
            config.endpoint = opt_str(&options, "endpoint");
            config.refresh_token_rotation = get(&options, "refreshTokenRotation")
                .as_bool()
                .unwrap_or(false);
            config.device_name = opt_str(&options, "deviceName");
            if let Some(margin) = get(&options, "refreshMarginSeconds").as_f64() {
                config.refresh_margin_seconds = margin as i64;
            }
            let mut runtime = FetchRuntime::default();
            if let Some(ms) = get(&options, "timeoutMs").as_f64() {
                runtime.timeout_millis = ms.clamp(0.0, u32::MAX as f64) as u32;
            }
            let storage = JsStorage::from_option(&get(&options, "storage"))?;
            Ok(JsCognitoAuth {
                inner: Rc::new(CognitoAuth::new(config, runtime, storage)?),
            })
        };
        build().map_err(|e| to_js_error(&e))
    }

    /// `signIn({ username, password?, authFlow? })` → `{ isSignedIn, nextStep }`.
    #[wasm_bindgen(js_name = signIn, unchecked_return_type = "Promise<SignInOutput>")]
    pub fn sign_in(
        &self,
        #[wasm_bindgen(unchecked_param_type = "SignInInput")] input: JsValue,
    ) -> Promise {
        let inner = self.inner.clone();
        promise(async move {
            let username = req_str(&input, "username")?;
            let password = opt_str(&input, "password");
            let flow = flow_of(opt_str(&input, "authFlow"))?;
            Ok(sign_in_result(
                inner.sign_in(&username, password.as_deref(), flow).await?,
            ))
        })
    }

    /// `confirmSignIn({ challengeResponse, userAttributes? })` → `{ isSignedIn, nextStep }`.
    #[wasm_bindgen(js_name = confirmSignIn, unchecked_return_type = "Promise<SignInOutput>")]
    pub fn confirm_sign_in(
        &self,
        #[wasm_bindgen(unchecked_param_type = "ConfirmSignInInput")] input: JsValue,
    ) -> Promise {
        let inner = self.inner.clone();
        promise(async move {
            let response = req_str(&input, "challengeResponse")?;
            let answer = match inner.pending_challenge() {
                None => {
                    return Err(Error::misuse(
                        MisuseErrorKind::InvalidState,
                        "no sign-in is waiting for an answer",
                    ))
                }
                Some(Challenge::SelectMfaType(_)) => {
                    UserAnswer::Choice(mfa_service_name(&response))
                }
                Some(Challenge::SelectChallenge(_)) => UserAnswer::Choice(response),
                Some(Challenge::NewPasswordRequired { .. }) => UserAnswer::NewPassword {
                    password: response,
                    attributes: {
                        // Filled by insert: BTreeMap's FromIterator brings a sort routine.
                        let mut map = crate::api::operations::StringMap::new();
                        for (k, v) in string_pairs(&get(&input, "userAttributes")) {
                            map.insert(k, v);
                        }
                        map
                    },
                },
                Some(Challenge::CustomChallenge(_)) => UserAnswer::Custom(response),
                Some(Challenge::WebAuthn(_)) => UserAnswer::Credential(response),
                Some(_) => UserAnswer::Code(response),
            };
            Ok(sign_in_result(inner.confirm_sign_in(answer).await?))
        })
    }

    /// `getSession()` → `{ username, idToken, accessToken, expiresAt, idTokenClaims }`, refreshed
    /// first when needed (one refresh for concurrent callers).
    #[wasm_bindgen(js_name = getSession, unchecked_return_type = "Promise<AuthSession>")]
    pub fn get_session(&self) -> Promise {
        let inner = self.inner.clone();
        promise(async move { Ok(session_result(&inner.get_session().await?)) })
    }

    /// `signOut({ global? })`.
    #[wasm_bindgen(js_name = signOut, unchecked_return_type = "Promise<void>")]
    pub fn sign_out(
        &self,
        #[wasm_bindgen(unchecked_param_type = "SignOutInput | undefined")] input: JsValue,
    ) -> Promise {
        let inner = self.inner.clone();
        promise(async move {
            inner
                .sign_out(get(&input, "global").as_bool().unwrap_or(false))
                .await?;
            Ok(JsValue::UNDEFINED)
        })
    }

    /// `signUp({ username, password, userAttributes? })` →
    /// `{ isSignUpComplete, userId, nextStep: { signUpStep, codeDeliveryDetails } }`.
    #[wasm_bindgen(js_name = signUp, unchecked_return_type = "Promise<SignUpOutput>")]
    pub fn sign_up(
        &self,
        #[wasm_bindgen(unchecked_param_type = "SignUpInput")] input: JsValue,
    ) -> Promise {
        let inner = self.inner.clone();
        promise(async move {
            let reply = inner
                .sign_up(
                    &req_str(&input, "username")?,
                    &req_str(&input, "password")?,
                    &string_pairs(&get(&input, "userAttributes")),
                )
                .await?;
            let step = if reply.user_confirmed {
                "DONE"
            } else {
                "CONFIRM_SIGN_UP"
            };
            Ok(object(&[
                ("isSignUpComplete", reply.user_confirmed.into()),
                (
                    "userId",
                    reply
                        .user_sub
                        .as_deref()
                        .map_or(JsValue::UNDEFINED, JsValue::from),
                ),
                (
                    "nextStep",
                    object(&[
                        ("signUpStep", step.into()),
                        (
                            "codeDeliveryDetails",
                            delivery(reply.code_delivery_details.as_ref()),
                        ),
                    ]),
                ),
            ]))
        })
    }

    /// `confirmSignUp({ username, confirmationCode })`.
    #[wasm_bindgen(js_name = confirmSignUp, unchecked_return_type = "Promise<ConfirmSignUpOutput>")]
    pub fn confirm_sign_up(
        &self,
        #[wasm_bindgen(unchecked_param_type = "ConfirmSignUpInput")] input: JsValue,
    ) -> Promise {
        let inner = self.inner.clone();
        promise(async move {
            inner
                .confirm_sign_up(
                    &req_str(&input, "username")?,
                    &req_str(&input, "confirmationCode")?,
                )
                .await?;
            Ok(object(&[
                ("isSignUpComplete", true.into()),
                ("nextStep", object(&[("signUpStep", "DONE".into())])),
            ]))
        })
    }

    /// `resendSignUpCode({ username })` → code delivery details.
    #[wasm_bindgen(js_name = resendSignUpCode, unchecked_return_type = "Promise<CodeDeliveryDetails | undefined>")]
    pub fn resend_sign_up_code(
        &self,
        #[wasm_bindgen(unchecked_param_type = "UsernameInput")] input: JsValue,
    ) -> Promise {
        let inner = self.inner.clone();
        promise(async move {
            Ok(delivery(
                inner
                    .resend_sign_up_code(&req_str(&input, "username")?)
                    .await?
                    .as_ref(),
            ))
        })
    }

    /// `forgotPassword({ username })` → `{ nextStep: { resetPasswordStep, codeDeliveryDetails } }`.
    #[wasm_bindgen(js_name = forgotPassword, unchecked_return_type = "Promise<ResetPasswordOutput>")]
    pub fn forgot_password(
        &self,
        #[wasm_bindgen(unchecked_param_type = "UsernameInput")] input: JsValue,
    ) -> Promise {
        let inner = self.inner.clone();
        promise(async move {
            let details = inner.forgot_password(&req_str(&input, "username")?).await?;
            Ok(object(&[(
                "nextStep",
                object(&[
                    (
                        "resetPasswordStep",
                        "CONFIRM_RESET_PASSWORD_WITH_CODE".into(),
                    ),
                    ("codeDeliveryDetails", delivery(details.as_ref())),
                ]),
            )]))
        })
    }

    /// `confirmForgotPassword({ username, confirmationCode, newPassword })`.
    #[wasm_bindgen(js_name = confirmForgotPassword, unchecked_return_type = "Promise<void>")]
    pub fn confirm_forgot_password(
        &self,
        #[wasm_bindgen(unchecked_param_type = "ConfirmForgotPasswordInput")] input: JsValue,
    ) -> Promise {
        let inner = self.inner.clone();
        promise(async move {
            inner
                .confirm_forgot_password(
                    &req_str(&input, "username")?,
                    &req_str(&input, "confirmationCode")?,
                    &req_str(&input, "newPassword")?,
                )
                .await?;
            Ok(JsValue::UNDEFINED)
        })
    }

    /// `changePassword({ oldPassword, newPassword })`.
    #[wasm_bindgen(js_name = changePassword, unchecked_return_type = "Promise<void>")]
    pub fn change_password(
        &self,
        #[wasm_bindgen(unchecked_param_type = "ChangePasswordInput")] input: JsValue,
    ) -> Promise {
        let inner = self.inner.clone();
        promise(async move {
            inner
                .change_password(
                    &req_str(&input, "oldPassword")?,
                    &req_str(&input, "newPassword")?,
                )
                .await?;
            Ok(JsValue::UNDEFINED)
        })
    }

    /// `getUser()` → `{ username, attributes, preferredMfa, enabledMfa }`.
    #[wasm_bindgen(js_name = getUser, unchecked_return_type = "Promise<User>")]
    pub fn get_user(&self) -> Promise {
        let inner = self.inner.clone();
        promise(async move {
            let user = inner.get_user().await?;
            let attributes = Object::new();
            for a in &user.user_attributes {
                let _ = Reflect::set(
                    &attributes,
                    &a.name.as_str().into(),
                    &a.value.as_str().into(),
                );
            }
            let enabled: Vec<String> = user
                .user_mfa_setting_list
                .iter()
                .map(|m| mfa_name(m))
                .collect();
            Ok(object(&[
                ("username", user.username.as_str().into()),
                ("attributes", attributes.into()),
                (
                    "preferredMfa",
                    user.preferred_mfa_setting
                        .as_deref()
                        .map(mfa_name)
                        .map_or(JsValue::UNDEFINED, |m| m.as_str().into()),
                ),
                ("enabledMfa", strings(&enabled)),
            ]))
        })
    }

    /// `updateUserAttributes({ userAttributes })` → code deliveries for changed email/phone.
    #[wasm_bindgen(js_name = updateUserAttributes, unchecked_return_type = "Promise<CodeDeliveryDetails[]>")]
    pub fn update_user_attributes(
        &self,
        #[wasm_bindgen(unchecked_param_type = "UpdateUserAttributesInput")] input: JsValue,
    ) -> Promise {
        let inner = self.inner.clone();
        promise(async move {
            let deliveries = inner
                .update_user_attributes(&string_pairs(&get(&input, "userAttributes")))
                .await?;
            Ok(deliveries
                .iter()
                .map(|d| delivery(Some(d)))
                .collect::<Array>()
                .into())
        })
    }

    /// `verifyUserAttribute({ userAttributeKey, confirmationCode })`.
    #[wasm_bindgen(js_name = verifyUserAttribute, unchecked_return_type = "Promise<void>")]
    pub fn verify_user_attribute(
        &self,
        #[wasm_bindgen(unchecked_param_type = "VerifyUserAttributeInput")] input: JsValue,
    ) -> Promise {
        let inner = self.inner.clone();
        promise(async move {
            inner
                .verify_user_attribute(
                    &req_str(&input, "userAttributeKey")?,
                    &req_str(&input, "confirmationCode")?,
                )
                .await?;
            Ok(JsValue::UNDEFINED)
        })
    }

    /// `sendUserAttributeVerificationCode({ userAttributeKey })`.
    #[wasm_bindgen(js_name = sendUserAttributeVerificationCode, unchecked_return_type = "Promise<CodeDeliveryDetails | undefined>")]
    pub fn send_user_attribute_verification_code(
        &self,
        #[wasm_bindgen(unchecked_param_type = "UserAttributeKeyInput")] input: JsValue,
    ) -> Promise {
        let inner = self.inner.clone();
        promise(async move {
            Ok(delivery(
                inner
                    .send_user_attribute_verification_code(&req_str(&input, "userAttributeKey")?)
                    .await?
                    .as_ref(),
            ))
        })
    }

    /// `deleteUserAttributes({ userAttributeKeys })`.
    #[wasm_bindgen(js_name = deleteUserAttributes, unchecked_return_type = "Promise<void>")]
    pub fn delete_user_attributes(
        &self,
        #[wasm_bindgen(unchecked_param_type = "DeleteUserAttributesInput")] input: JsValue,
    ) -> Promise {
        let inner = self.inner.clone();
        promise(async move {
            let keys: Vec<String> = Array::from(&get(&input, "userAttributeKeys"))
                .iter()
                .filter_map(|k| k.as_string())
                .collect();
            let refs: Vec<&str> = keys.iter().map(String::as_str).collect();
            inner.delete_user_attributes(&refs).await?;
            Ok(JsValue::UNDEFINED)
        })
    }

    /// `deleteUser()`.
    #[wasm_bindgen(js_name = deleteUser, unchecked_return_type = "Promise<void>")]
    pub fn delete_user(&self) -> Promise {
        let inner = self.inner.clone();
        promise(async move {
            inner.delete_user().await?;
            Ok(JsValue::UNDEFINED)
        })
    }

    /// `setUpTotp({ issuer? })` → `{ sharedSecret, setupUri }`.
    #[wasm_bindgen(js_name = setUpTotp, unchecked_return_type = "Promise<TotpSetupDetails>")]
    pub fn set_up_totp(
        &self,
        #[wasm_bindgen(unchecked_param_type = "SetUpTotpInput | undefined")] input: JsValue,
    ) -> Promise {
        let inner = self.inner.clone();
        promise(async move {
            let (secret, uri) = inner
                .set_up_totp(opt_str(&input, "issuer").as_deref())
                .await?;
            Ok(object(&[
                ("sharedSecret", secret.as_str().into()),
                ("setupUri", uri.as_str().into()),
            ]))
        })
    }

    /// `verifyTotpSetup({ code, friendlyDeviceName? })`.
    #[wasm_bindgen(js_name = verifyTotpSetup, unchecked_return_type = "Promise<void>")]
    pub fn verify_totp_setup(
        &self,
        #[wasm_bindgen(unchecked_param_type = "VerifyTotpSetupInput")] input: JsValue,
    ) -> Promise {
        let inner = self.inner.clone();
        promise(async move {
            inner
                .verify_totp_setup(
                    &req_str(&input, "code")?,
                    opt_str(&input, "friendlyDeviceName").as_deref(),
                )
                .await?;
            Ok(JsValue::UNDEFINED)
        })
    }

    /// `setMfaPreference({ totp?, sms?, email? })`, each `ENABLED | DISABLED | PREFERRED | NOT_PREFERRED`.
    #[wasm_bindgen(js_name = setMfaPreference, unchecked_return_type = "Promise<void>")]
    pub fn set_mfa_preference(
        &self,
        #[wasm_bindgen(unchecked_param_type = "SetMfaPreferenceInput")] input: JsValue,
    ) -> Promise {
        let inner = self.inner.clone();
        promise(async move {
            let totp = mfa_setting(opt_str(&input, "totp"))?;
            let sms = mfa_setting(opt_str(&input, "sms"))?;
            let email = mfa_setting(opt_str(&input, "email"))?;
            inner.set_mfa_preference(totp, sms, email).await?;
            Ok(JsValue::UNDEFINED)
        })
    }

    /// `rememberDevice()`: later sign-ins from this device use device SRP.
    #[wasm_bindgen(js_name = rememberDevice, unchecked_return_type = "Promise<void>")]
    pub fn remember_device(&self) -> Promise {
        let inner = self.inner.clone();
        promise(async move {
            inner.remember_device().await?;
            Ok(JsValue::UNDEFINED)
        })
    }

    /// `forgetDevice({ deviceKey? })`: this device when no key is given.
    #[wasm_bindgen(js_name = forgetDevice, unchecked_return_type = "Promise<void>")]
    pub fn forget_device(
        &self,
        #[wasm_bindgen(unchecked_param_type = "DeviceKeyInput | undefined")] input: JsValue,
    ) -> Promise {
        let inner = self.inner.clone();
        promise(async move {
            inner
                .forget_device(opt_str(&input, "deviceKey").as_deref())
                .await?;
            Ok(JsValue::UNDEFINED)
        })
    }

    /// `listDevices()` → `[{ id, name, attributes, createDate, lastModifiedDate, lastAuthenticatedDate }]`.
    #[wasm_bindgen(js_name = listDevices, unchecked_return_type = "Promise<Device[]>")]
    pub fn list_devices(&self) -> Promise {
        let inner = self.inner.clone();
        promise(async move {
            let devices = inner.list_devices().await?;
            Ok(devices.iter().map(device_result).collect::<Array>().into())
        })
    }

    /// `getDevice({ deviceKey? })`: this device when no key is given.
    #[wasm_bindgen(js_name = getDevice, unchecked_return_type = "Promise<Device>")]
    pub fn get_device(
        &self,
        #[wasm_bindgen(unchecked_param_type = "DeviceKeyInput | undefined")] input: JsValue,
    ) -> Promise {
        let inner = self.inner.clone();
        promise(async move {
            Ok(device_result(
                &inner
                    .get_device(opt_str(&input, "deviceKey").as_deref())
                    .await?,
            ))
        })
    }

    /// `on(event, listener)` with event `signedIn | signedOut | tokenRefresh | tokenRefreshFailure`;
    /// returns a function that unsubscribes.
    #[wasm_bindgen(unchecked_return_type = "() => void")]
    pub fn on(
        &self,
        #[wasm_bindgen(unchecked_param_type = "AuthEvent")] event: &str,
        #[wasm_bindgen(unchecked_param_type = "(error?: Error) => void")] listener: Function,
    ) -> core::result::Result<JsValue, JsValue> {
        let wanted = match event {
            "signedIn" | "signedOut" | "tokenRefresh" | "tokenRefreshFailure" => event.to_string(),
            other => {
                return Err(to_js_error(&Error::misuse(
                    MisuseErrorKind::InvalidArgument,
                    format!("unknown event {}", crate::error::quoted(other)),
                )))
            }
        };
        let id = self.inner.on(move |e| {
            let (name, payload) = match e {
                Event::SignedIn => ("signedIn", JsValue::UNDEFINED),
                Event::SignedOut => ("signedOut", JsValue::UNDEFINED),
                Event::TokenRefresh => ("tokenRefresh", JsValue::UNDEFINED),
                Event::TokenRefreshFailure(err) => ("tokenRefreshFailure", to_js_error(err)),
            };
            if name == wanted {
                // A listener that throws must not break the client.
                let _ = listener.call1(&JsValue::NULL, &payload);
            }
        });
        let weak: Weak<Inner> = Rc::downgrade(&self.inner);
        let unsubscribe = Closure::wrap(Box::new(move || {
            if let Some(inner) = weak.upgrade() {
                inner.off(id);
            }
        }) as Box<dyn FnMut()>);
        Ok(unsubscribe.into_js_value())
    }
}
