//! The fuzz targets of the kit's parsers (fuzz/, `make fuzz` with cargo-fuzz on nightly), run on
//! stable: over the seed corpus and a few thousand inputs from a seeded generator that mutates it.
//! A panic (or a failed round trip) fails the test.
#![cfg(not(target_arch = "wasm32"))]
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

#[path = "../fuzz/src/kit.rs"]
mod kit;

/// xorshift64*: enough randomness for mutations, reproducible from the seed.
struct Rng(u64);

impl Rng {
    fn next(&mut self) -> u64 {
        self.0 ^= self.0 >> 12;
        self.0 ^= self.0 << 25;
        self.0 ^= self.0 >> 27;
        self.0.wrapping_mul(0x2545_F491_4F6C_DD1D)
    }
    fn below(&mut self, n: usize) -> usize {
        (self.next() % n.max(1) as u64) as usize
    }
}

fn corpus(target: &str) -> Vec<Vec<u8>> {
    let dir = std::path::Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("fuzz/corpus")
        .join(target);
    let mut files: Vec<_> = std::fs::read_dir(&dir)
        .unwrap_or_else(|e| panic!("{}: {e}", dir.display()))
        .map(|entry| std::fs::read(entry.unwrap().path()).unwrap())
        .collect();
    files.sort();
    files
}

fn mutate(rng: &mut Rng, input: &[u8]) -> Vec<u8> {
    let mut out = input.to_vec();
    for _ in 0..1 + rng.below(5) {
        let at = rng.below(out.len());
        match rng.below(5) {
            0 if !out.is_empty() => out[at] ^= 1 << rng.below(8),
            1 => {
                let punctuation = b"{}[]\",:.0-e\\u=";
                out.insert(at.min(out.len()), punctuation[rng.below(punctuation.len())]);
            }
            2 if !out.is_empty() => {
                out.remove(at);
            }
            3 => out.insert(at.min(out.len()), rng.next() as u8),
            _ => {
                let byte = rng.next() as u8;
                let at = at.min(out.len());
                let run = vec![byte; rng.below(64)];
                out.splice(at..at, run);
            }
        }
    }
    out
}

fn smoke(target: &str, run: fn(&[u8]), rounds: usize) {
    let seeds = corpus(target);
    assert!(!seeds.is_empty(), "empty corpus for {target}");
    for seed in &seeds {
        run(seed);
    }
    let mut rng = Rng(0x9E37_79B9_7F4A_7C15);
    for _ in 0..rounds {
        let seed = &seeds[rng.below(seeds.len())];
        run(&mutate(&mut rng, seed));
    }
}

#[test]
fn json_reader() {
    smoke("kit_json", kit::kit_json, 5000);
}

#[test]
fn jwt_decoding() {
    smoke("kit_token", kit::kit_token, 5000);
}

#[test]
fn hex_and_base64() {
    smoke("kit_encoding", kit::kit_encoding, 5000);
}

#[test]
fn the_engine_on_arbitrary_replies() {
    smoke("kit_engine", kit::kit_engine, 3000);
}
