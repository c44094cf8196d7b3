//! The fuzz targets of the emulator's request parsing (fuzz/, `make fuzz` with cargo-fuzz on
//! nightly), run on stable: over the seed corpus and a few thousand inputs from a seeded RNG that
//! mutates it. A panic anywhere fails the test.
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

use rand::rngs::StdRng;
use rand::{Rng, SeedableRng};

fn corpus(target: &str) -> Vec<Vec<u8>> {
    let dir = std::path::Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("../fuzz/corpus")
        .join(target);
    let mut files: Vec<_> = std::fs::read_dir(&dir)
        .unwrap_or_else(|e| panic!("{}: {e}", dir.display()))
        .map(|entry| std::fs::read(entry.unwrap().path()).unwrap())
        .collect();
    files.sort();
    assert!(!files.is_empty(), "empty corpus {}", dir.display());
    files
}

/// One mutation: flip, insert, delete or splice bytes (JSON punctuation likely).
fn mutate(rng: &mut StdRng, input: &[u8]) -> Vec<u8> {
    let mut out = input.to_vec();
    for _ in 0..rng.gen_range(1..6) {
        let at = if out.is_empty() {
            0
        } else {
            rng.gen_range(0..out.len())
        };
        match rng.gen_range(0..5) {
            0 if !out.is_empty() => out[at] ^= 1 << rng.gen_range(0..8),
            1 => {
                let punctuation = b"{}[]\",:0-e\\u";
                out.insert(at, punctuation[rng.gen_range(0..punctuation.len())]);
            }
            2 if !out.is_empty() => {
                out.remove(at);
            }
            3 => out.insert(at, rng.gen()),
            _ => {
                let len = rng.gen_range(0..64);
                out.splice(at..at, std::iter::repeat_n(rng.gen::<u8>(), len));
            }
        }
    }
    out
}

fn smoke(target: &str, run: fn(&[u8]), rounds: usize) {
    smoke_with(target, run, rounds, Vec::new());
}

/// As [`smoke`], with `extra` seeds made in code besides the corpus (those that hold values only
/// the running code can make: signed passkey credentials, live sessions).
fn smoke_with(target: &str, run: fn(&[u8]), rounds: usize, extra: Vec<Vec<u8>>) {
    let mut seeds = corpus(target);
    seeds.extend(extra);
    for seed in &seeds {
        run(seed);
    }
    let mut rng = StdRng::seed_from_u64(13);
    for _ in 0..rounds {
        let seed = &seeds[rng.gen_range(0..seeds.len())];
        run(&mutate(&mut rng, seed));
    }
    println!("fuzz smoke {target}: {} inputs", seeds.len() + rounds);
}

#[test]
fn request_bodies_of_every_operation() {
    smoke_with(
        "emulator_request",
        cognito_kit_emulator::fuzzing::request,
        3000,
        cognito_kit_emulator::fuzzing::request_seeds(),
    );
}

/// The passwordless operations' seeds are what they claim: each reaches its operation and,
/// unmutated, gets past the parsing (a live token, a live session, a signed credential).
#[test]
fn passwordless_seeds_reach_their_operations() {
    let seeds = cognito_kit_emulator::fuzzing::request_seeds();
    let outcomes: Vec<_> = seeds
        .iter()
        .map(|seed| cognito_kit_emulator::fuzzing::request_outcome(seed))
        .collect();
    // The credentials are signed for a fixed challenge, not the pending one of the session.
    assert_eq!(
        outcomes,
        [
            Ok(()),                                    // StartWebAuthnRegistration
            Err("WebAuthnChallengeNotFoundException"), // CompleteWebAuthnRegistration
            Err("InvalidParameterException"),          // ListWebAuthnCredentials (bad NextToken)
            Err("ResourceNotFoundException"),          // DeleteWebAuthnCredential
            Ok(()),                                    // GetUserAuthFactors
            Ok(()),                                    // USER_AUTH: SELECT_CHALLENGE
            Ok(()),                                    // USER_AUTH, hidden unknown user, EMAIL_OTP
            Ok(()),                                    // USER_AUTH preferring WEB_AUTHN
            Ok(()),                                    // SELECT_CHALLENGE answered WEB_AUTHN
            Err("NotAuthorizedException"),             // … with a credential at once
            Ok(()),                                    // … answered PASSWORD
            Ok(()),                                    // … answered EMAIL_OTP
            Err("NotAuthorizedException"),             // WEB_AUTHN answered
            Ok(()),                                    // AdminInitiateAuth USER_AUTH PASSWORD
        ]
    );
    let passkeys = cognito_kit_emulator::fuzzing::passkey_seeds();
    assert_eq!(passkeys.len(), 3);
    // FUZZ_SEEDS_OUT=dir writes them out, to refresh fuzz/corpus/ for `make fuzz`.
    if let Ok(dir) = std::env::var("FUZZ_SEEDS_OUT") {
        let dir = std::path::Path::new(&dir);
        for (target, list) in [
            ("emulator_request", &seeds),
            ("emulator_passkey", &passkeys),
        ] {
            std::fs::create_dir_all(dir.join(target)).unwrap();
            for (i, seed) in list.iter().enumerate() {
                std::fs::write(dir.join(target).join(format!("passwordless{i:02}")), seed).unwrap();
            }
        }
    }
    for seed in &passkeys {
        assert!(
            cognito_kit_emulator::fuzzing::passkey_verifies(seed),
            "a valid seed verifies: {}",
            String::from_utf8_lossy(seed)
        );
    }
}

#[test]
fn passkey_credentials() {
    smoke_with(
        "emulator_passkey",
        cognito_kit_emulator::fuzzing::passkey,
        3000,
        cognito_kit_emulator::fuzzing::passkey_seeds(),
    );
}

#[test]
fn sigv4_authorization_headers() {
    smoke(
        "emulator_authorization",
        cognito_kit_emulator::fuzzing::authorization,
        3000,
    );
}

#[test]
fn upstream_id_tokens() {
    let seeds = cognito_kit_emulator::fuzzing::upstream_token_seeds();
    assert_eq!(seeds.len(), 2);
    for seed in &seeds {
        assert!(
            cognito_kit_emulator::fuzzing::upstream_token_verifies(seed),
            "a seed verifies, so mutations start from a valid token"
        );
    }
    smoke_with(
        "emulator_upstream_token",
        cognito_kit_emulator::fuzzing::upstream_token,
        3000,
        seeds,
    );
}
