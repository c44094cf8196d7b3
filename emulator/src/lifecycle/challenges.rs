//! The custom-auth sequence (CUSTOM_AUTH): which challenge comes next and whether an answer is
//! right. Without triggers the emulator runs the pool's built-in sequence
//! (`settings.custom_auth`), a documented convenience.

use serde_json::{json, Map, Value};

use crate::crypto;
use crate::model::{Pool, User};

/// The next custom challenge of a sign-in that passed `index` challenges: its
/// ChallengeParameters, or None when the sequence is done.
///
/// Triggers fire here: DefineAuthChallenge (whether another challenge comes) and
/// CreateAuthChallenge (its parameters).
pub fn next_custom_challenge(pool: &Pool, user: &User, index: usize) -> Option<Map<String, Value>> {
    let config = pool.settings.custom_auth.as_ref()?;
    let next = config.challenges.get(index)?;
    let mut parameters = Map::new();
    parameters.insert("USERNAME".into(), json!(user.username));
    for (name, value) in &next.parameters {
        parameters.insert(name.clone(), json!(value));
    }
    Some(parameters)
}

/// Whether `answer` answers the custom challenge at `index`.
///
/// Triggers fire here: VerifyAuthChallengeResponse.
pub fn verify_custom_answer(pool: &Pool, index: usize, answer: &str) -> bool {
    let expected = pool
        .settings
        .custom_auth
        .as_ref()
        .and_then(|c| c.challenges.get(index))
        .map(|c| c.answer.clone())
        .unwrap_or_default();
    crypto::ct_eq(expected.as_bytes(), answer.as_bytes())
}
