//! What sign-in and the session report: the next step, the session, events.

use crate::api::operations::StringMap;
use crate::error::Error;
use crate::flow::CodeDestination;
use crate::json::Json;
use crate::secret::{AccessToken, IdToken};
use alloc::string::String;
use alloc::vec::Vec;

/// What the user must do next in a sign-in.
#[derive(Clone, PartialEq, Eq)]
#[non_exhaustive]
pub enum NextStep {
    /// Signed in.
    Done,
    /// Enter the code sent by SMS.
    ConfirmSignInWithSmsCode(CodeDestination),
    /// Enter the code from the authenticator app.
    ConfirmSignInWithTotpCode,
    /// Enter the code sent by email.
    ConfirmSignInWithEmailCode(CodeDestination),
    /// Choose an MFA method among these.
    ContinueSignInWithMfaSelection(Vec<String>),
    /// Set up an authenticator app with this secret, then enter a code from it.
    ContinueSignInWithTotpSetup {
        /// The TOTP secret (base32), for manual entry.
        shared_secret: String,
        /// An `otpauth://` URI for a QR code.
        setup_uri: String,
    },
    /// Choose a new password (and give these attributes).
    ConfirmSignInWithNewPasswordRequired(Vec<String>),
    /// Answer the pool's custom challenge.
    ConfirmSignInWithCustomChallenge(StringMap),
    /// Choose a first factor among these (choice-based sign-in).
    ContinueSignInWithFirstFactorSelection(Vec<String>),
    /// Enter the password: the factor chosen at the first-factor selection.
    ConfirmSignInWithPassword,
    /// The user has not confirmed the account yet: confirm it with the code sent at sign-up.
    ConfirmSignUp,
    /// The password must be reset (`forgot_password`).
    ResetPassword,
}

impl NextStep {
    /// Zeroes the TOTP secret and the URI that carries it: the package does once it has written
    /// them into its result, so that no copy stays in the wasm's freed memory.
    pub(crate) fn wipe(&mut self) {
        if let NextStep::ContinueSignInWithTotpSetup {
            shared_secret,
            setup_uri,
        } = self
        {
            zeroize::Zeroize::zeroize(shared_secret);
            zeroize::Zeroize::zeroize(setup_uri);
        }
    }
}

/// Written out so that the TOTP secret (and the URI that carries it) never reaches a log.
impl core::fmt::Debug for NextStep {
    fn fmt(&self, f: &mut core::fmt::Formatter<'_>) -> core::fmt::Result {
        use NextStep as S;
        match self {
            S::Done => f.write_str("Done"),
            S::ConfirmSignInWithSmsCode(d) => {
                f.debug_tuple("ConfirmSignInWithSmsCode").field(d).finish()
            }
            S::ConfirmSignInWithTotpCode => f.write_str("ConfirmSignInWithTotpCode"),
            S::ConfirmSignInWithEmailCode(d) => f
                .debug_tuple("ConfirmSignInWithEmailCode")
                .field(d)
                .finish(),
            S::ContinueSignInWithMfaSelection(o) => f
                .debug_tuple("ContinueSignInWithMfaSelection")
                .field(o)
                .finish(),
            S::ContinueSignInWithTotpSetup { .. } => f
                .debug_struct("ContinueSignInWithTotpSetup")
                .field("shared_secret", &crate::secret::Redacted)
                .field("setup_uri", &crate::secret::Redacted)
                .finish(),
            S::ConfirmSignInWithNewPasswordRequired(a) => f
                .debug_tuple("ConfirmSignInWithNewPasswordRequired")
                .field(a)
                .finish(),
            S::ConfirmSignInWithCustomChallenge(p) => f
                .debug_tuple("ConfirmSignInWithCustomChallenge")
                .field(p)
                .finish(),
            S::ContinueSignInWithFirstFactorSelection(o) => f
                .debug_tuple("ContinueSignInWithFirstFactorSelection")
                .field(o)
                .finish(),
            S::ConfirmSignInWithPassword => f.write_str("ConfirmSignInWithPassword"),
            S::ConfirmSignUp => f.write_str("ConfirmSignUp"),
            S::ResetPassword => f.write_str("ResetPassword"),
        }
    }
}

/// The result of `sign_in` and `confirm_sign_in`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SignInOutput {
    /// Whether sign-in is complete.
    pub is_signed_in: bool,
    /// What comes next.
    pub next_step: NextStep,
}

impl SignInOutput {
    pub(super) fn step(next_step: NextStep) -> Self {
        SignInOutput {
            is_signed_in: next_step == NextStep::Done,
            next_step,
        }
    }
}

/// The signed-in user's tokens.
#[derive(Debug, Clone)]
pub struct Session {
    /// The user's name in the pool (`cognito:username`).
    pub username: String,
    /// The ID token.
    pub id_token: IdToken,
    /// The access token.
    pub access_token: AccessToken,
    /// When the access token expires (seconds since the epoch, service clock).
    pub expires_at: i64,
    /// The ID token's claims, decoded but NOT verified (a JSON object).
    pub id_token_claims: Json,
}

/// Something that happened to the session.
#[derive(Debug, Clone, PartialEq, Eq)]
#[non_exhaustive]
pub enum Event {
    /// A sign-in completed.
    SignedIn,
    /// The session ended (sign-out, or the service refused the refresh token).
    SignedOut,
    /// New tokens were stored after a refresh.
    TokenRefresh,
    /// A refresh failed; the session is kept unless the service refused the refresh token.
    TokenRefreshFailure(Error),
}
