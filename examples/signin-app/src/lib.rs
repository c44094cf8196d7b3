//! A Rust web app on cognito-kit: the same engine the npm package runs, driven from Rust. It signs
//! in with SRP (answering an authenticator-app code when the pool asks) or with a passkey, adds a
//! passkey for the signed-in user, shows who is signed in from the session's ID token, and signs out — `fetch`, Web Storage and the DOM all called from Rust
//! through wasm-bindgen and web-sys, no JavaScript of its own. A Leptos, Yew or Dioxus app holds
//! the client the same way (one `Rc<CognitoAuth<…>>`) and calls the same async methods.
//!
//! `index.html` next to this crate is the page; `scripts/build-example.sh` builds it into
//! `target/signin-app/`, and `tests/node/example_app.test.mjs` signs in with it in Chromium.
#![cfg(target_arch = "wasm32")]

use cognito_kit::client::{AuthFlow, CognitoAuth, Config, FirstFactor, NextStep};
use cognito_kit::flow::UserAnswer;
use cognito_kit::js::storage::JsStorage;
use cognito_kit::transport::FetchRuntime;
use std::rc::Rc;
use wasm_bindgen::prelude::*;
use wasm_bindgen::JsCast;
use web_sys::{Document, HtmlInputElement};

type Auth = CognitoAuth<FetchRuntime, JsStorage>;

fn document() -> Document {
    // A page always has a window and a document; this app only ever runs in one.
    web_sys::window()
        .and_then(|w| w.document())
        .unwrap_or_else(|| wasm_bindgen::throw_str("no document"))
}

fn value(id: &str) -> String {
    document()
        .get_element_by_id(id)
        .and_then(|e| e.dyn_into::<HtmlInputElement>().ok())
        .map(|i| i.value())
        .unwrap_or_default()
}

fn show(id: &str, text: &str) {
    if let Some(e) = document().get_element_by_id(id) {
        e.set_text_content(Some(text));
    }
}

fn set_hidden(id: &str, hidden: bool) {
    if let Some(e) = document().get_element_by_id(id) {
        let _ = if hidden {
            e.set_attribute("hidden", "")
        } else {
            e.remove_attribute("hidden")
        };
    }
}

/// Shows the signed-in user, read from the session (refreshed by the engine when needed).
async fn show_session(auth: &Auth) {
    match auth.get_session().await {
        Ok(session) => {
            let email = session
                .id_token_claims
                .get("email")
                .and_then(|v| v.as_str())
                .unwrap_or(&session.username);
            show("status", &format!("Signed in as {email}"));
            set_hidden("sign-in", true);
            set_hidden("code-form", true);
            set_hidden("sign-out", false);
            set_hidden("add-passkey", false);
        }
        Err(e) => {
            show("status", &format!("Signed out ({})", e.code()));
            set_hidden("sign-in", false);
            set_hidden("sign-out", true);
            set_hidden("add-passkey", true);
        }
    }
}

fn on_submit(id: &str, handler: impl Fn() + 'static) {
    on(id, "submit", handler);
}

fn on(id: &str, event: &str, handler: impl Fn() + 'static) {
    let handler = Closure::<dyn Fn(web_sys::Event)>::new(move |event: web_sys::Event| {
        event.prevent_default();
        handler();
    });
    if let Some(element) = document().get_element_by_id(id) {
        let _ = element.add_event_listener_with_callback(event, handler.as_ref().unchecked_ref());
    }
    // The page lives as long as the app: the listener is never removed.
    handler.forget();
}

/// Starts the app: reads the pool from the page's `data-*` attributes and wires the forms.
#[wasm_bindgen(start)]
pub fn start() -> Result<(), JsValue> {
    let root = document()
        .get_element_by_id("app")
        .ok_or_else(|| JsValue::from_str("no #app element"))?;
    let attr = |name: &str| root.get_attribute(name).unwrap_or_default();
    let mut config = Config::new(attr("data-user-pool-id"), attr("data-client-id"));
    config.endpoint = root.get_attribute("data-endpoint");
    let storage = JsStorage::from_option(&JsValue::from_str("local"))
        .map_err(|e| JsValue::from_str(&e.to_string()))?;
    let auth: Rc<Auth> = Rc::new(
        CognitoAuth::new(config, FetchRuntime::default(), storage)
            .map_err(|e| JsValue::from_str(&e.to_string()))?,
    );

    let signing_in = auth.clone();
    on_submit("sign-in", move || {
        let auth = signing_in.clone();
        wasm_bindgen_futures::spawn_local(async move {
            show("status", "Signing in…");
            let (username, password) = (value("username"), value("password"));
            match auth
                .sign_in(&username, Some(&password), AuthFlow::UserSrp)
                .await
            {
                Ok(out) if out.is_signed_in => show_session(&auth).await,
                Ok(out) if out.next_step == NextStep::ConfirmSignInWithTotpCode => {
                    show("status", "Enter the code from your authenticator app");
                    set_hidden("code-form", false);
                }
                Ok(out) => show("status", &format!("Next step: {:?}", out.next_step)),
                Err(e) => show("status", &format!("Could not sign in ({})", e.code())),
            }
        });
    });

    // A passkey: choice-based sign-in with WEB_AUTHN preferred. The engine asks the runtime for the
    // ceremony (FetchRuntime calls navigator.credentials.get) and sends the credential.
    let with_passkey = auth.clone();
    on("passkey-sign-in", "click", move || {
        let auth = with_passkey.clone();
        wasm_bindgen_futures::spawn_local(async move {
            show("status", "Waiting for your passkey…");
            let flow = AuthFlow::UserAuth(Some(FirstFactor::WebAuthn));
            match auth.sign_in(&value("username"), None, flow).await {
                Ok(out) if out.is_signed_in => show_session(&auth).await,
                Ok(out) => show("status", &format!("Next step: {:?}", out.next_step)),
                Err(e) => show("status", &format!("Could not sign in ({})", e.code())),
            }
        });
    });

    let adding = auth.clone();
    on_submit("add-passkey", move || {
        let auth = adding.clone();
        wasm_bindgen_futures::spawn_local(async move {
            match auth.associate_webauthn_credential().await {
                Ok(()) => show("passkey-status", "Passkey added"),
                Err(e) => show(
                    "passkey-status",
                    &format!("No passkey added ({})", e.code()),
                ),
            }
        });
    });

    let confirming = auth.clone();
    on_submit("code-form", move || {
        let auth = confirming.clone();
        wasm_bindgen_futures::spawn_local(async move {
            match auth.confirm_sign_in(UserAnswer::Code(value("code"))).await {
                Ok(out) if out.is_signed_in => show_session(&auth).await,
                Ok(out) => show("status", &format!("Next step: {:?}", out.next_step)),
                Err(e) => show("status", &format!("Could not sign in ({})", e.code())),
            }
        });
    });

    let signing_out = auth.clone();
    on_submit("sign-out", move || {
        let auth = signing_out.clone();
        wasm_bindgen_futures::spawn_local(async move {
            let _ = auth.sign_out(false).await;
            show_session(&auth).await;
        });
    });

    wasm_bindgen_futures::spawn_local(async move { show_session(&auth).await });
    Ok(())
}
