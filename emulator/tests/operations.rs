//! The ratchet over the API reference's operations (issue #15): `operations.txt` lists all of
//! them (written by `operations.py` from the reference), `operations_pending.txt` the ones the
//! emulator does not implement yet. An operation off the pending list must be known to the
//! emulator, and one on it must still be unknown — so the pending list can only shrink, and
//! implementing an operation without taking it off the list fails too.
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

mod support;

use serde_json::json;
use support::*;

const OPERATIONS: &str = include_str!("operations.txt");
const PENDING: &str = include_str!("operations_pending.txt");

fn names(list: &str) -> Vec<&str> {
    list.lines()
        .map(str::trim)
        .filter(|line| !line.is_empty())
        .collect()
}

#[test]
fn the_lists_are_well_formed() {
    let all = names(OPERATIONS);
    // The reference documents 101 operations.
    assert_eq!(all.len(), 101, "operations.txt");
    let pending = names(PENDING);
    for list in [&all, &pending] {
        let mut sorted = list.clone();
        sorted.sort_unstable();
        sorted.dedup();
        assert_eq!(&sorted, list, "sorted, without duplicates");
    }
    for name in &pending {
        assert!(
            all.contains(name),
            "{name} is pending but not in the reference"
        );
    }
}

#[tokio::test]
async fn every_operation_of_the_reference_is_known_unless_pending() {
    let server = start_with(basic_config()).await;
    let pending = names(PENDING);
    let mut wrong = Vec::new();
    for name in names(OPERATIONS) {
        // Signed, with an empty body: every operation has a required member, so a known one
        // answers a validation error, and never an internal failure.
        let reply = call_raw(&server, name, &json!({}), true).await;
        let code = reply.json()["__type"]
            .as_str()
            .unwrap_or_default()
            .to_string();
        assert_ne!(
            reply.status,
            500,
            "{name} failed internally: {}",
            reply.json()
        );
        let unknown = code == "UnknownOperationException";
        match (pending.contains(&name), unknown) {
            (true, false) => wrong.push(format!(
                "{name} is implemented: take it off operations_pending.txt"
            )),
            (false, true) => wrong.push(format!("{name} is unknown to the emulator")),
            _ => {}
        }
    }
    assert!(wrong.is_empty(), "{wrong:#?}");
}
