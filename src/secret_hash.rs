//! SECRET_HASH for app clients that have a client secret.
//!
//! SECRET_HASH = base64(HMAC-SHA256(key = client secret, message = username ‖ client id)).
//!
//! A client secret shipped to a browser is visible to every user of the page: use one only where the
//! code runs on a server you control, or where the app client's secret is not treated as a secret.

use crate::encoding::base64_encode;
use crate::hash::hmac_sha256;
use crate::secret::ClientSecret;
use alloc::string::String;

/// SECRET_HASH for `username` (in challenge answers: the challenge's `USERNAME`; for refresh: the
/// user's `sub` or `cognito:username`) and `client_id`.
pub fn secret_hash(client_secret: &ClientSecret, username: &str, client_id: &str) -> String {
    let mac = hmac_sha256(
        client_secret.expose_secret().as_bytes(),
        &[username.as_bytes(), client_id.as_bytes()],
    );
    base64_encode(&mac)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn protocol_md_vector() {
        let secret = ClientSecret::new("secret");
        assert_eq!(
            secret_hash(&secret, "alice", "clientid123"),
            "ECMUd7EnwpPi9HVORWg6aq0tZEcDp3ZUfDpkK6LhsMs="
        );
    }
}
