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
    let seeds = corpus(target);
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
    smoke(
        "emulator_request",
        cognito_kit_emulator::fuzzing::request,
        3000,
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
