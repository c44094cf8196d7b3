//! Sign-in with a redirect through the pool's domain: the authorization code flow with PKCE
//! (RFC 6749, RFC 7636) and OpenID Connect's `nonce`. [`SignInWithRedirect`] keeps the verifier,
//! `state` and `nonce` in the tab's own storage and sends the browser to `/oauth2/authorize`;
//! [`HandleRedirect`], on the callback page, takes them back (once), checks `state`, exchanges the
//! code at `/oauth2/token`, checks the ID token's `nonce`, `aud`, `iss` and `exp`, and stores the
//! session in the same record as any sign-in — so the session, its refresh, events, devices and
//! sign-out work unchanged. [`UserInfo`] reads `/oauth2/userInfo`; [`SignOutRedirect`] signs out,
//! then ends the domain's session through `/logout`.

use super::machine::{read_record, record_text, Ctx, Flow, HttpRequest, Input, Io, Step};
use super::session::{GetSession, SignOut};
use super::sign_in::SignIn;
use super::*;
use crate::encoding::base64url_encode;
use crate::error::ProtocolErrorKind;
use crate::json::{Json, ObjectWriter, ShapeError, Slots, Want, WriteJson};
use crate::text::{cat, cut, pieces};

/// How long a callback may take after the ID token's expiry, for clocks that run ahead.
const EXPIRY_LEEWAY_SECONDS: i64 = 300;

fn oauth<'a>(cx: &Ctx<'a>) -> Result<&'a OAuthConfig> {
    cx.core.config.oauth.as_ref().ok_or_else(|| {
        Error::misuse(
            MisuseErrorKind::InvalidArgument,
            "sign-in with a redirect needs the oauth option (domain, redirectSignIn)",
        )
    })
}

fn mismatch(field: &'static str, detail: &str) -> Error {
    Error::protocol(ProtocolErrorKind::UnexpectedResponse, field, detail)
}

/// `count` random bytes as base64url.
fn random_text(cx: &Ctx<'_>, count: usize) -> Result<Zeroizing<String>> {
    let mut bytes = Zeroizing::new([0u8; 32]);
    cx.env.fill_random(&mut bytes[..count])?;
    Ok(Zeroizing::new(base64url_encode(&bytes[..count])))
}

/// What the tab keeps between the redirect and the callback.
struct Transit {
    state: String,
    verifier: String,
    nonce: String,
    redirect_uri: String,
    custom_state: Option<String>,
}

impl WriteJson for Transit {
    fn write_json(&self, w: &mut ObjectWriter) {
        w.str("state", &self.state);
        w.str("verifier", &self.verifier);
        w.str("nonce", &self.nonce);
        w.str("redirect_uri", &self.redirect_uri);
        w.opt_str("custom_state", self.custom_state.as_deref());
    }
}

impl crate::json::FromJson for Transit {
    fn from_json(value: Json) -> core::result::Result<Self, ShapeError> {
        let mut s = Slots::of(
            value,
            &[
                ("state", Want::Str),
                ("verifier", Want::Str),
                ("nonce", Want::Str),
                ("redirect_uri", Want::Str),
                ("custom_state", Want::OptStr),
            ],
        )?;
        Ok(Transit {
            state: s.string(0),
            verifier: s.string(1),
            nonce: s.string(2),
            redirect_uri: s.string(3),
            custom_state: s.text(4),
        })
    }
}

impl Drop for Transit {
    fn drop(&mut self) {
        use zeroize::Zeroize;
        self.verifier.zeroize();
        self.state.zeroize();
        self.nonce.zeroize();
    }
}

/// What a sign-in with a redirect asks the domain for.
#[derive(Debug, Clone, Default)]
pub struct RedirectOptions {
    /// The identity provider (`identity_provider`): `COGNITO`, `Google`, `LoginWithAmazon`, a
    /// SAML or OIDC provider's name, … `None`: the managed login, which lists them all.
    pub provider: Option<String>,
    /// Given back by [`CognitoAuth::handle_redirect`].
    pub custom_state: Option<String>,
    /// `login_hint`: the username to fill in.
    pub login_hint: Option<String>,
    /// `lang`: the managed login's language.
    pub lang: Option<String>,
    /// `prompt`: `login` to ask again, `none` to never show a form.
    pub prompt: Option<String>,
}

/// Keeps the PKCE verifier, `state` and `nonce` in the tab and sends the browser to the domain's
/// `/oauth2/authorize`.
pub(crate) struct SignInWithRedirect {
    options: RedirectOptions,
    url: Option<String>,
}

impl SignInWithRedirect {
    pub(crate) fn new(options: RedirectOptions) -> Self {
        SignInWithRedirect { options, url: None }
    }

    fn authorize_url(&self, cx: &Ctx<'_>) -> Result<(String, Transit)> {
        let oauth = oauth(cx)?;
        if cx.config.client_secret.is_some() {
            return Err(Error::misuse(
                MisuseErrorKind::InvalidArgument,
                "a client with a secret cannot sign in with a redirect here: its secret would \
                 ship to every browser (use a public app client)",
            ));
        }
        if !oauth.scopes.iter().any(|s| s == "openid") {
            return Err(Error::misuse(
                MisuseErrorKind::InvalidArgument,
                "oauth.scopes must include \"openid\" (the sign-in's ID token is checked)",
            ));
        }
        let verifier = random_text(cx, 32)?;
        let transit = Transit {
            state: random_text(cx, 16)?.to_string(),
            verifier: verifier.to_string(),
            nonce: random_text(cx, 16)?.to_string(),
            redirect_uri: oauth.redirect_sign_in.clone(),
            custom_state: self.options.custom_state.clone(),
        };
        let challenge = base64url_encode(&crate::hash::sha256(&[verifier.as_bytes()]));
        let mut url = cat!(oauth.domain, "/oauth2/authorize?response_type=code");
        let mut scope = String::new();
        for (i, s) in oauth.scopes.iter().enumerate() {
            if i > 0 {
                scope.push(' ');
            }
            scope.push_str(s);
        }
        let o = &self.options;
        for (name, value) in [
            ("client_id", Some(cx.config.client_id.as_str())),
            ("redirect_uri", Some(transit.redirect_uri.as_str())),
            ("scope", Some(scope.as_str())),
            ("state", Some(transit.state.as_str())),
            ("nonce", Some(transit.nonce.as_str())),
            ("code_challenge", Some(challenge.as_str())),
            ("code_challenge_method", Some("S256")),
            ("identity_provider", o.provider.as_deref()),
            ("login_hint", o.login_hint.as_deref()),
            ("lang", o.lang.as_deref()),
            ("prompt", o.prompt.as_deref()),
        ] {
            if let Some(value) = value {
                url.push('&');
                url.push_str(name);
                url.push('=');
                url.push_str(&percent_encode(value));
            }
        }
        Ok((url, transit))
    }
}

impl Flow for SignInWithRedirect {
    type Output = ();

    fn resume(&mut self, cx: &Ctx<'_>, input: Input) -> Step<()> {
        match (input, self.url.take()) {
            (Input::Start, _) => match self.authorize_url(cx) {
                Ok((url, transit)) => {
                    self.url = Some(url);
                    Step::Io(Io::SetTransient(cx.keys.oauth(), record_text(&transit)))
                }
                Err(e) => Step::Done(Err(e)),
            },
            (Input::Stored(Ok(())), Some(url)) => Step::Io(Io::Navigate {
                url,
                replace: false,
            }),
            (Input::Stored(Err(e)), _) => Step::Done(Err(e)),
            (Input::Navigated(result), _) => Step::Done(result),
            _ => Step::Done(Err(invalid_state(
                "the redirect was resumed with an input it did not ask for",
            ))),
        }
    }
}

/// The callback's query: `code` and `state`, or `error` and `error_description`.
#[derive(Default)]
struct Callback {
    code: Option<Zeroizing<String>>,
    state: Option<String>,
    error: Option<String>,
    error_description: Option<String>,
}

fn hex_value(b: u8) -> Option<u8> {
    match b {
        b'0'..=b'9' => Some(b - b'0'),
        b'a'..=b'f' => Some(b - b'a' + 10),
        b'A'..=b'F' => Some(b - b'A' + 10),
        _ => None,
    }
}

/// A `application/x-www-form-urlencoded` value decoded; malformed escapes are kept as they are.
fn form_decode(text: &str) -> String {
    let bytes = text.as_bytes();
    let mut out = Vec::with_capacity(bytes.len());
    let mut i = 0;
    while i < bytes.len() {
        match bytes[i] {
            b'+' => out.push(b' '),
            b'%' if i + 2 < bytes.len() => {
                match (hex_value(bytes[i + 1]), hex_value(bytes[i + 2])) {
                    (Some(h), Some(l)) => {
                        out.push(h << 4 | l);
                        i += 2;
                    }
                    _ => out.push(b'%'),
                }
            }
            b => out.push(b),
        }
        i += 1;
    }
    // Invalid UTF-8 reads as empty: no value the flow compares with is then matched. (Such bytes
    // are no code the service issued; zeroing them measured +100 B of wasm and was not kept.)
    String::from_utf8(out).unwrap_or_default()
}

impl Callback {
    /// The parameters of `url`'s query (the code flow answers in the query).
    fn parse(url: &str) -> Callback {
        let mut out = Callback::default();
        let Some(query) = cut(cut(url, b'#').0, b'?').1 else {
            return out;
        };
        for pair in pieces(query, b'&') {
            let (name, value) = cut(pair, b'=');
            let value = form_decode(value.unwrap_or(""));
            match name {
                "code" => out.code = Some(Zeroizing::new(value)),
                "state" => out.state = Some(value),
                "error" => out.error = Some(value),
                "error_description" => out.error_description = Some(value),
                _ => {}
            }
        }
        out
    }

    fn is_callback(&self) -> bool {
        self.code.is_some() || self.error.is_some()
    }
}

/// `url` without the callback's parameters, for the address bar.
fn without_callback(url: &str) -> String {
    let (rest, fragment) = cut(url, b'#');
    let (base, query) = cut(rest, b'?');
    let mut out = String::from(base);
    let kept = pieces(query.unwrap_or(""), b'&').filter(|p| {
        !p.is_empty()
            && !matches!(
                cut(p, b'=').0,
                "code" | "state" | "error" | "error_description"
            )
    });
    for (i, pair) in kept.enumerate() {
        out.push(if i == 0 { '?' } else { '&' });
        out.push_str(pair);
    }
    if let Some(f) = fragment {
        out.push('#');
        out.push_str(f);
    }
    out
}

/// What [`CognitoAuth::handle_redirect`] ends with.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Redirected {
    /// Whether this page was a callback that signed the user in.
    pub signed_in: bool,
    /// What the sign-in with a redirect was given as `custom_state`.
    pub custom_state: Option<String>,
}

/// A reply of the domain's endpoints: a JSON object, or its error (RFC 6749 §5.2, RFC 6750 §3:
/// `error`, `error_description`) as the service's error.
fn domain_reply(reply: &HttpReply, what: &'static str) -> Result<Json> {
    let value = match crate::json::parse(&reply.body) {
        Ok(v @ Json::Object(_)) => v,
        // A proxy's page or a truncated body: its status still says what happened (and whether
        // to try again).
        _ => {
            return Err(crate::api::reply_error(
                ProtocolErrorKind::NotJson,
                what,
                cat!(
                    "HTTP ",
                    reply.status,
                    " with a body that is not a JSON object"
                ),
                reply.status,
                &reply.body,
            ))
        }
    };
    if (200..300).contains(&reply.status) {
        return Ok(value);
    }
    let text = |key: &str| value.get(key).and_then(Json::as_str).map(String::from);
    Err(Error::Service(crate::error::ServiceError {
        code: text("error").unwrap_or_else(|| String::from("invalid_request")),
        message: text("error_description").unwrap_or_default(),
        status: reply.status,
    }))
}

/// The reply of `/oauth2/token` (RFC 6749 §5.1).
fn token_reply(reply: &HttpReply) -> Result<AuthenticationResult> {
    let value = domain_reply(reply, "token reply")?;
    let shape =
        |e: ShapeError| Error::protocol(ProtocolErrorKind::InvalidJson, "token reply", e.field);
    let mut s = Slots::of(
        value,
        &[
            ("id_token", Want::Str),
            ("access_token", Want::Str),
            ("refresh_token", Want::OptStr),
            ("expires_in", Want::OptInt),
            ("token_type", Want::OptStr),
        ],
    )
    .map_err(shape)?;
    let token_type = s.text(4);
    if token_type
        .as_deref()
        .is_some_and(|t| !t.eq_ignore_ascii_case("Bearer"))
    {
        return Err(mismatch("token_type", "not Bearer"));
    }
    Ok(AuthenticationResult {
        id_token: Some(crate::secret::IdToken::new(s.string(0))),
        access_token: AccessToken::new(s.string(1)),
        refresh_token: s.text(2).map(crate::secret::RefreshToken::new),
        expires_in: s.int(3),
        token_type,
        new_device_metadata: None,
    })
}

/// The ID token from the token endpoint is the one this sign-in asked for: its `nonce`, for this
/// client, from this pool, not expired.
fn check_id_token(cx: &Ctx<'_>, result: &AuthenticationResult, nonce: &str) -> Result<String> {
    let Some(id_token) = &result.id_token else {
        return Err(mismatch("id_token", "absent"));
    };
    let id = Jwt::decode(id_token.expose_secret())?;
    Jwt::decode(result.access_token.expose_secret())?;
    if id.string_claim("nonce") != Some(nonce) {
        return Err(mismatch("id_token.nonce", "not the nonce of this sign-in"));
    }
    if id.string_claim("aud") != Some(cx.config.client_id.as_str()) {
        return Err(mismatch("id_token.aud", "not this app client"));
    }
    let pool = &cx.config.user_pool_id;
    let issuer = id.string_claim("iss").unwrap_or("");
    let region = cut(pool, b'_').0;
    // The pool's issuer, in the form of its `IssuerConfiguration` (`LEGACY` or `UPDATED`), or
    // the configured endpoint's (the emulator's, a proxy's).
    let service = |host: &str| cat!("https://", host, region, ".amazonaws.com/", pool);
    let base = cx.endpoint.as_str();
    let base = match base.as_bytes().last() {
        Some(b'/') => base.get(..base.len() - 1).unwrap_or(base),
        _ => base,
    };
    let endpoint = cat!(base, "/", pool);
    if issuer != service("cognito-idp.")
        && issuer != service("issuer-cognito-idp.")
        && issuer != endpoint
    {
        return Err(mismatch("id_token.iss", "not this user pool"));
    }
    match id.expires_at()? {
        Some(exp) if exp.saturating_add(EXPIRY_LEEWAY_SECONDS) > cx.now_seconds() => {}
        _ => return Err(mismatch("id_token.exp", "expired")),
    }
    id.username()
        .map(String::from)
        .ok_or_else(|| mismatch("id_token", "no cognito:username"))
}

enum Handling {
    Start,
    Reading,
    Removing(Option<Transit>),
    Cleaning(Option<Transit>),
    Exchanging(Transit),
    Storing(Box<SignIn>, Option<String>),
    Over,
}

/// The callback page: takes the tab's record back (once), checks `state`, exchanges the code,
/// checks the ID token and stores the session as any sign-in does.
pub(crate) struct HandleRedirect {
    callback: Callback,
    /// The callback's address, its code included: zeroed with the flow.
    url: Zeroizing<String>,
    state: Handling,
    /// The sign-in generation taken when the callback took the tab's record: a sign-out or another
    /// sign-in while the code is exchanged wins, and nothing is stored.
    epoch: u64,
    /// Why the tab's record could not be read or removed.
    failed: Option<Error>,
}

impl HandleRedirect {
    pub(crate) fn new(url: &str) -> Self {
        HandleRedirect {
            callback: Callback::parse(url),
            url: Zeroizing::new(url.into()),
            state: Handling::Start,
            epoch: 0,
            failed: None,
        }
    }

    /// The record read back, the address cleaned: what the callback says.
    fn exchange(&mut self, cx: &Ctx<'_>, transit: Option<Transit>) -> Step<Redirected> {
        if let Some(e) = self.failed.take() {
            return Step::Done(Err(e));
        }
        let Some(transit) = transit else {
            return Step::Done(Err(invalid_state(
                "no sign-in with a redirect was started in this tab (or it was handled already)",
            )));
        };
        // `state` first, also for an error: a link that was not this tab's own redirect reports
        // nothing of what it carries.
        if self.callback.state.as_deref() != Some(transit.state.as_str()) {
            return Step::Done(Err(mismatch(
                "state",
                "the callback's state is not the one this tab sent",
            )));
        }
        if let Some(error) = self.callback.error.take() {
            return Step::Done(Err(Error::Service(crate::error::ServiceError {
                code: if error.is_empty() {
                    String::from("invalid_request")
                } else {
                    error
                },
                message: self.callback.error_description.take().unwrap_or_default(),
                status: 400,
            })));
        }
        let oauth = match oauth(cx) {
            Ok(o) => o,
            Err(e) => return Step::Done(Err(e)),
        };
        let code = self.callback.code.take().unwrap_or_default();
        let fields = [
            ("client_id", cx.config.client_id.as_str()),
            ("code", code.as_str()),
            ("redirect_uri", transit.redirect_uri.as_str()),
            ("code_verifier", transit.verifier.as_str()),
        ];
        // Sized once for the longest encoding (3 bytes a byte): the code and the verifier are
        // written into this buffer only, and it is zeroed when the request is dropped.
        let size = fields.iter().map(|(_, v)| 3 * v.len()).sum::<usize>();
        let mut form = Zeroizing::new(String::with_capacity(80 + size));
        form.push_str("grant_type=authorization_code");
        for (name, value) in fields {
            form.push('&');
            form.push_str(name);
            form.push('=');
            percent_encode_into(&mut form, value);
        }
        let request = HttpRequest {
            method: "POST",
            url: cat!(oauth.domain, "/oauth2/token"),
            authorization: None,
            form: Some(form),
        };
        self.state = Handling::Exchanging(transit);
        Step::Io(Io::Http(request))
    }
}

impl Flow for HandleRedirect {
    type Output = Redirected;

    fn resume(&mut self, cx: &Ctx<'_>, input: Input) -> Step<Redirected> {
        use Handling as H;
        match (core::mem::replace(&mut self.state, H::Over), input) {
            (H::Start, Input::Start) => {
                if !self.callback.is_callback() {
                    return Step::Done(Ok(Redirected {
                        signed_in: false,
                        custom_state: None,
                    }));
                }
                self.state = H::Reading;
                Step::Io(Io::GetTransient(cx.keys.oauth()))
            }
            // The record serves once, whatever follows: a reload or a second tab finds none, and
            // a second callback of this client that read it before it was removed finds it taken.
            (H::Reading, Input::Value(read)) => {
                let transit = match read {
                    Ok(text) => read_record::<Transit>(text),
                    Err(e) => {
                        self.failed = Some(e);
                        None
                    }
                };
                let mut last = cx.redirect_taken.borrow_mut();
                let taken = transit.filter(|t| last.as_deref() != Some(t.state.as_str()));
                if let Some(t) = &taken {
                    *last = Some(t.state.clone());
                    // This callback's sign-in begins here.
                    self.epoch = cx.next_epoch();
                }
                self.state = H::Removing(taken);
                Step::Io(Io::RemoveTransient(cx.keys.oauth()))
            }
            // The code leaves the address bar (and the history) before it is used. A record that
            // could not be removed ends the sign-in: it must not serve twice.
            (H::Removing(transit), Input::Stored(removed)) => {
                if let Err(e) = removed {
                    self.failed.get_or_insert(e);
                }
                self.state = H::Cleaning(transit);
                Step::Io(Io::Navigate {
                    url: without_callback(&self.url),
                    replace: true,
                })
            }
            (H::Cleaning(transit), Input::Navigated(_)) => self.exchange(cx, transit),
            (H::Exchanging(transit), Input::Reply(reply)) => {
                let checked = reply.and_then(|r| token_reply(&r)).and_then(|result| {
                    check_id_token(cx, &result, &transit.nonce).map(|user| (user, result))
                });
                match checked {
                    Ok((username, result)) => {
                        let (flow, step) = SignIn::store(cx, username, result, self.epoch);
                        self.keep_storing(flow, transit.custom_state.clone(), step)
                    }
                    Err(e) => Step::Done(Err(e)),
                }
            }
            (H::Storing(mut flow, custom), input) => {
                let step = flow.resume(cx, input);
                self.keep_storing(flow, custom, step)
            }
            _ => Step::Done(Err(invalid_state(
                "the redirect was resumed with an input it did not ask for",
            ))),
        }
    }
}

impl HandleRedirect {
    fn keep_storing(
        &mut self,
        flow: Box<SignIn>,
        custom_state: Option<String>,
        step: Step<SignInOutput>,
    ) -> Step<Redirected> {
        match step {
            Step::Io(io) => {
                self.state = Handling::Storing(flow, custom_state);
                Step::Io(io)
            }
            Step::Done(result) => Step::Done(result.map(|out| Redirected {
                signed_in: out.is_signed_in,
                custom_state,
            })),
        }
    }
}

/// `/oauth2/userInfo` with the session's access token: the user's claims as the domain gives
/// them (a JSON object, as text).
pub(crate) struct UserInfo {
    session: Option<Box<GetSession>>,
}

impl UserInfo {
    pub(crate) fn new() -> Self {
        UserInfo {
            session: Some(Box::new(GetSession::new())),
        }
    }
}

impl Flow for UserInfo {
    type Output = Zeroizing<String>;

    fn resume(&mut self, cx: &Ctx<'_>, input: Input) -> Step<Zeroizing<String>> {
        if let Some(mut session) = self.session.take() {
            return match session.resume(cx, input) {
                Step::Io(io) => {
                    self.session = Some(session);
                    Step::Io(io)
                }
                Step::Done(Err(e)) => Step::Done(Err(e)),
                Step::Done(Ok(s)) => match oauth(cx) {
                    Ok(oauth) => {
                        let mut bearer = Zeroizing::new(String::from("Bearer "));
                        bearer.push_str(s.access_token.expose_secret());
                        Step::Io(Io::Http(HttpRequest {
                            method: "GET",
                            url: cat!(oauth.domain, "/oauth2/userInfo"),
                            authorization: Some(bearer),
                            form: None,
                        }))
                    }
                    Err(e) => Step::Done(Err(e)),
                },
            };
        }
        let Input::Reply(reply) = input else {
            return Step::Done(Err(invalid_state(
                "userInfo was resumed with an input it did not ask for",
            )));
        };
        Step::Done(reply.and_then(|r| {
            let value = domain_reply(&r, "userInfo reply")?;
            let mut text = Zeroizing::new(String::new());
            value.write(&mut text);
            Ok(text)
        }))
    }
}

/// Signs out, then sends the browser to the domain's `/logout`, which ends its session and
/// returns to `redirectSignOut`.
pub(crate) struct SignOutRedirect {
    sign_out: Option<SignOut>,
}

impl SignOutRedirect {
    pub(crate) fn new(global: bool) -> Self {
        SignOutRedirect {
            sign_out: Some(SignOut::new(global)),
        }
    }

    fn logout_url(cx: &Ctx<'_>) -> Result<String> {
        let oauth = oauth(cx)?;
        let back = oauth.redirect_sign_out.as_deref().ok_or_else(|| {
            Error::misuse(
                MisuseErrorKind::InvalidArgument,
                "signing out with a redirect needs oauth.redirectSignOut",
            )
        })?;
        Ok(cat!(
            oauth.domain,
            "/logout?client_id=",
            percent_encode(&cx.config.client_id),
            "&logout_uri=",
            percent_encode(back)
        ))
    }
}

impl Flow for SignOutRedirect {
    type Output = ();

    fn resume(&mut self, cx: &Ctx<'_>, input: Input) -> Step<()> {
        if let Input::Start = input {
            // Checked before anything is signed out.
            if let Err(e) = Self::logout_url(cx) {
                self.sign_out = None;
                return Step::Done(Err(e));
            }
        }
        if let Some(mut sign_out) = self.sign_out.take() {
            return match sign_out.resume(cx, input) {
                Step::Io(io) => {
                    self.sign_out = Some(sign_out);
                    Step::Io(io)
                }
                Step::Done(Err(e)) => Step::Done(Err(e)),
                Step::Done(Ok(())) => match Self::logout_url(cx) {
                    Ok(url) => Step::Io(Io::Navigate {
                        url,
                        replace: false,
                    }),
                    Err(e) => Step::Done(Err(e)),
                },
            };
        }
        match input {
            Input::Navigated(result) => Step::Done(result),
            _ => Step::Done(Err(invalid_state(
                "the sign-out was resumed with an input it did not ask for",
            ))),
        }
    }
}

impl<R: Runtime, S: Storage> CognitoAuth<R, S> {
    // ---------------------------------------------------------------- sign-in with a redirect

    /// Sends the browser to the pool's domain to sign in ([`Config::oauth`]), through the
    /// runtime's [`Runtime::navigate`]; the PKCE verifier, `state` and `nonce` are kept in the
    /// storage for [`CognitoAuth::handle_redirect`].
    pub async fn sign_in_with_redirect(&self, options: RedirectOptions) -> Result<()> {
        self.drive(&mut SignInWithRedirect::new(options)).await
    }

    /// On the callback page (`url`, its address): checks `state`, exchanges the code, checks the
    /// ID token and stores the session like any sign-in. Not a callback: `signed_in` false.
    pub async fn handle_redirect(&self, url: &str) -> Result<Redirected> {
        self.drive(&mut HandleRedirect::new(url)).await
    }

    /// The user's claims from the domain's `/oauth2/userInfo` (a JSON object).
    pub async fn get_user_info(&self) -> Result<Json> {
        let text = self.drive(&mut UserInfo::new()).await?;
        crate::json::parse(text.as_bytes())
            .map_err(|e| Error::protocol(ProtocolErrorKind::NotJson, "userInfo reply", e.what))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_callback_is_read_from_the_query_and_cleaned_from_the_address() {
        let url = "https://app.example/cb?code=ab%2Bc&state=s%20t+u&keep=1#top";
        let c = Callback::parse(url);
        assert_eq!(c.code.as_deref().map(String::as_str), Some("ab+c"));
        assert_eq!(c.state.as_deref(), Some("s t u"));
        assert_eq!(without_callback(url), "https://app.example/cb?keep=1#top");
        let e = Callback::parse("http://localhost/cb?error=access_denied&error_description=no%21");
        assert_eq!(e.error.as_deref(), Some("access_denied"));
        assert_eq!(e.error_description.as_deref(), Some("no!"));
        assert_eq!(
            without_callback("http://localhost/cb?error=access_denied&state=x"),
            "http://localhost/cb"
        );
        assert!(!Callback::parse("http://localhost/").is_callback());
        // Malformed escapes stay as they are instead of failing or panicking.
        assert_eq!(form_decode("%zz%4"), "%zz%4");
        assert_eq!(form_decode("%"), "%");
    }
}
