//! The scripted runtime the native client tests drive the engine with: it checks every request
//! (operation, exact body) and answers from a script; time and randomness are the test's.
#![allow(dead_code, unreachable_pub, unused_imports)]

use cognito_kit::api::ApiRequest;
use cognito_kit::client::{AuthFlow, CognitoAuth, Config, Event, NextStep};
use cognito_kit::encoding::base64url_encode;
use cognito_kit::error::{Error, Result, TransportError, TransportErrorKind};
use cognito_kit::flow::UserAnswer;
use cognito_kit::secret::ClientSecret;
use cognito_kit::storage::{MemoryStorage, Storage};
use cognito_kit::transport::{HttpReply, Runtime};
use serde_json::{json, Value};
use std::cell::{Cell, RefCell};
use std::collections::VecDeque;
use std::future::Future;
use std::pin::Pin;
use std::rc::Rc;
use std::task::{Context, Poll};

/// One expected request and the reply to give.
pub struct Step {
    pub operation: &'static str,
    pub reply: std::result::Result<(u16, String), TransportErrorKind>,
}

/// A request to the domain: method, url, authorization, form.
pub type DomainRequest = (String, String, Option<String>, Option<String>);

#[derive(Default)]
pub struct Script {
    pub steps: RefCell<VecDeque<Step>>,
    pub sent: RefCell<Vec<(String, Value)>>,
    pub now_millis: Cell<f64>,
    pub random: RefCell<VecDeque<u8>>,
    pub counter: Cell<u8>,
    /// What the authenticator answers, in order; and the ceremonies asked for (create, options).
    pub passkeys: RefCell<VecDeque<Result<String>>>,
    pub ceremonies: RefCell<Vec<(bool, Value)>>,
    /// The domain's replies (status, body), in order; the requests made (method, url,
    /// authorization, form); the navigations (url, replace).
    pub domain: RefCell<VecDeque<(u16, String)>>,
    pub domain_sent: RefCell<Vec<DomainRequest>>,
    pub navigated: RefCell<Vec<(String, bool)>>,
}

#[derive(Clone, Default)]
pub struct Mock(pub Rc<Script>);

impl Mock {
    pub fn expect(&self, operation: &'static str, status: u16, body: Value) {
        self.0.steps.borrow_mut().push_back(Step {
            operation,
            reply: Ok((status, body.to_string())),
        });
    }
    pub fn expect_raw(&self, operation: &'static str, status: u16, body: &str) {
        self.0.steps.borrow_mut().push_back(Step {
            operation,
            reply: Ok((status, body.into())),
        });
    }
    pub fn expect_failure(&self, operation: &'static str, kind: TransportErrorKind) {
        self.0.steps.borrow_mut().push_back(Step {
            operation,
            reply: Err(kind),
        });
    }
    pub fn sent(&self) -> Vec<(String, Value)> {
        self.0.sent.borrow().clone()
    }
    pub fn body(&self, index: usize) -> Value {
        self.sent()[index].1.clone()
    }
    pub fn done(&self) {
        assert!(
            self.0.steps.borrow().is_empty(),
            "unused scripted replies remain"
        );
    }
}

/// Returns Pending once, so that concurrent callers interleave at every request.
pub struct YieldOnce(bool);
impl Future for YieldOnce {
    type Output = ();
    fn poll(mut self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<()> {
        if self.0 {
            Poll::Ready(())
        } else {
            self.0 = true;
            cx.waker().wake_by_ref();
            Poll::Pending
        }
    }
}

impl Runtime for Mock {
    async fn send(&self, endpoint: &str, request: &ApiRequest) -> Result<HttpReply> {
        assert_eq!(endpoint, "http://emulator.test/");
        assert_eq!(
            request.target(),
            format!("AWSCognitoIdentityProviderService.{}", request.operation)
        );
        self.0.sent.borrow_mut().push((
            request.operation.to_string(),
            serde_json::from_str(&request.body).unwrap(),
        ));
        YieldOnce(false).await;
        let step = self
            .0
            .steps
            .borrow_mut()
            .pop_front()
            .unwrap_or_else(|| panic!("unexpected request {}", request.operation));
        assert_eq!(request.operation, step.operation, "request order");
        match step.reply {
            Ok((status, body)) => Ok(HttpReply {
                status,
                error_type: None,
                body: body.into_bytes().into(),
            }),
            Err(kind) => Err(Error::Transport(TransportError {
                kind,
                message: "scripted".into(),
            })),
        }
    }
    fn now_millis(&self) -> f64 {
        self.0.now_millis.get()
    }
    fn fill_random(&self, buffer: &mut [u8]) -> Result<()> {
        for b in buffer.iter_mut() {
            *b = self.0.random.borrow_mut().pop_front().unwrap_or_else(|| {
                self.0.counter.set(self.0.counter.get().wrapping_add(37));
                self.0.counter.get() | 1
            });
        }
        Ok(())
    }
    async fn sleep(&self, _millis: u32) {}
    async fn request(
        &self,
        method: &str,
        url: &str,
        authorization: Option<&str>,
        form: Option<&str>,
    ) -> Result<HttpReply> {
        self.0.domain_sent.borrow_mut().push((
            method.into(),
            url.into(),
            authorization.map(String::from),
            form.map(String::from),
        ));
        let (status, body) = self
            .0
            .domain
            .borrow_mut()
            .pop_front()
            .unwrap_or_else(|| panic!("unexpected request to {url}"));
        Ok(HttpReply {
            status,
            error_type: None,
            body: body.into_bytes().into(),
        })
    }
    fn navigate(&self, url: &str, replace: bool) -> Result<()> {
        self.0.navigated.borrow_mut().push((url.into(), replace));
        Ok(())
    }
    async fn passkey(&self, create: bool, options: &str) -> Result<String> {
        self.0
            .ceremonies
            .borrow_mut()
            .push((create, serde_json::from_str(options).unwrap()));
        self.0
            .passkeys
            .borrow_mut()
            .pop_front()
            .unwrap_or_else(|| panic!("unexpected passkey ceremony"))
    }
}

pub fn jwt(claims: Value) -> String {
    format!(
        "{}.{}.c2ln",
        base64url_encode(br#"{"alg":"RS256","kid":"k"}"#),
        base64url_encode(claims.to_string().as_bytes())
    )
}

pub fn tokens(iat: i64, lifetime: i64, refresh: Option<&str>) -> Value {
    let mut result = json!({
        "AccessToken": jwt(json!({"sub": "sub-1", "username": "u-1", "token_use": "access", "iat": iat, "exp": iat + lifetime})),
        "IdToken": jwt(json!({"sub": "sub-1", "cognito:username": "u-1", "email": "alice@example.com", "token_use": "id", "iat": iat, "exp": iat + lifetime})),
        "ExpiresIn": lifetime,
        "TokenType": "Bearer",
    });
    if let Some(r) = refresh {
        result["RefreshToken"] = json!(r);
    }
    json!({"AuthenticationResult": result, "ChallengeParameters": {}})
}

pub fn vector() -> Value {
    let doc: Value = serde_json::from_str(include_str!("../vectors/srp_user.json")).unwrap();
    doc["cases"][10].clone()
}

pub fn client(
    mock: &Mock,
    pool_name: &str,
    secret: Option<&str>,
) -> CognitoAuth<Mock, MemoryStorage> {
    let mut config = Config::new(format!("us-east-1_{pool_name}"), "client123");
    config.endpoint = Some("http://emulator.test/".into());
    config.client_secret = secret.map(ClientSecret::new);
    CognitoAuth::new(config, mock.clone(), MemoryStorage::new()).unwrap()
}

pub fn block_on<T>(f: impl Future<Output = T>) -> T {
    futures::executor::block_on(f)
}

/// Starts an SRP sign-in whose random `a` and clock are the vector's, so the answer is known.
pub fn srp_sign_in_to_verifier(mock: &Mock, v: &Value) {
    verifier_challenge_after(mock, v, "InitiateAuth", "s-1");
}

/// The vector's random `a` and clock for the next SRP client, and its PASSWORD_VERIFIER challenge
/// (with `session`) as the reply to `operation`.
pub fn verifier_challenge_after(mock: &Mock, v: &Value, operation: &'static str, session: &str) {
    let a = hex::decode(v["inputs"]["a"].as_str().unwrap());
    mock.0.random.borrow_mut().extend(a);
    mock.0
        .now_millis
        .set(v["inputs"]["nowMillis"].as_f64().unwrap());
    let i = &v["inputs"];
    mock.expect(
        operation,
        200,
        json!({"ChallengeName": "PASSWORD_VERIFIER", "Session": session, "ChallengeParameters": {
            "SRP_B": i["srpB"], "SALT": i["salt"], "SECRET_BLOCK": i["secretBlock"],
            "USER_ID_FOR_SRP": i["userIdForSrp"], "USERNAME": i["userIdForSrp"]}}),
    );
}

pub mod hex {
    pub fn decode(s: &str) -> Vec<u8> {
        cognito_kit::encoding::hex_decode(s, "hex").unwrap()
    }
}

pub fn signed_in(mock: &Mock, auth: &CognitoAuth<Mock, MemoryStorage>, iat: i64, lifetime: i64) {
    mock.expect(
        "InitiateAuth",
        200,
        tokens(iat, lifetime, Some("refresh-1")),
    );
    mock.0.now_millis.set(iat as f64 * 1000.0);
    block_on(auth.sign_in("alice", Some("pw"), AuthFlow::UserPassword)).unwrap();
}
