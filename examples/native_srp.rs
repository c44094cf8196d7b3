//! Times the kit's client SRP natively (the "native Rust" line of `make bench`):
//! `cargo run --release --example native_srp [iterations]`.
use cognito_kit::srp::{SrpClient, VerifierChallenge, SMALL_A_BYTES};
use std::time::Instant;

fn median(mut v: Vec<f64>) -> f64 {
    v.sort_by(|a, b| a.total_cmp(b));
    v[v.len() / 2]
}

fn main() {
    let iterations: usize = std::env::args()
        .nth(1)
        .and_then(|s| s.parse().ok())
        .unwrap_or(30);
    let challenge = VerifierChallenge {
        srp_b: "1234567".repeat(100),
        salt: "abcdef0123456789".into(),
        secret_block: "AAECAwQFBgcICQ==".into(),
        user_id_for_srp: Some("alice".into()),
        username: None,
    };
    let warm = Instant::now();
    let _ = SrpClient::new(&[7; SMALL_A_BYTES]);
    let init_ms = warm.elapsed().as_secs_f64() * 1e3;
    let (mut phase_a, mut phase_key) = (Vec::new(), Vec::new());
    for i in 0..iterations {
        let mut a = [0x5a; SMALL_A_BYTES];
        a[0] = i as u8 | 1;
        let t0 = Instant::now();
        let client = SrpClient::new(&a).expect("client");
        let t1 = Instant::now();
        let claim = client.answer_user_challenge(
            "AbCdEf123",
            "Passw0rd!",
            &challenge,
            "Sun Nov 22 04:03:33 UTC 2026",
        );
        let t2 = Instant::now();
        assert!(claim.is_ok());
        phase_a.push((t1 - t0).as_secs_f64() * 1e3);
        phase_key.push((t2 - t1).as_secs_f64() * 1e3);
    }
    let (a, k) = (median(phase_a), median(phase_key));
    println!("native: first use (group tables) {init_ms:.2} ms; phase A {a:.2} ms, phase key {k:.2} ms, full {:.2} ms (medians of {iterations})", a + k);
}
