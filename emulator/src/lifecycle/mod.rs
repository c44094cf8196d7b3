//! The user lifecycle: the layer below the operations.
//!
//! Operations (`crate::ops`) read a request, call this layer and shape the reply; no operation
//! module calls another. Everything that happens to a user whichever operation caused it lives
//! here, each event in exactly one function, which is where a Lambda trigger hooks:
//!
//! | event | function | triggers |
//! |---|---|---|
//! | a user is created | [`users::create_user`] ([`users::create_external_user`] at a first sign-in through a provider) | PreSignUp |
//! | a user is confirmed | [`users::confirm_user`] | PostConfirmation |
//! | a sign-in starts | [`sessions::sign_in_attempted`] | PreAuthentication, UserMigration |
//! | a sign-in succeeds | [`sessions::sign_in_succeeded`] | PostAuthentication |
//! | tokens are issued | [`tokens::issue_tokens`] | PreTokenGeneration |
//! | a message is composed / sent | [`messages::compose_message`] / [`messages::deliver_message`] | CustomMessage / custom senders |
//! | a password reset code is sent | [`messages::send_reset_code`] | CustomMessage_ForgotPassword |
//! | a custom-auth challenge step | [`challenges`] | Define/Create/VerifyAuthChallenge |
//!
//! Modules: `users` (lookup, creation, confirmation, passwords, attributes, MFA settings),
//! `messages` (codes and the outbox), `tokens` (minting, refresh lineages, revocation),
//! `sessions` (sign-in start and end, challenge sessions), `challenges` (the custom-auth
//! sequence), `schema` (the attribute schema and its checks), `events` (auth events),
//! `pools` and `clients` (settings of pools and app clients, shared with `--config`), `common`
//! (client lookup, SECRET_HASH, password policy, lockouts, access-token callers, paging).

pub mod challenges;
pub mod clients;
pub mod common;
pub mod events;
pub mod hooks;
pub mod idp;
pub mod messages;
pub mod oauth;
pub mod pools;
pub mod schema;
pub mod sessions;
pub mod tokens;
pub mod users;
pub mod webauthn;
