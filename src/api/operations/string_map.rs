//! `StringMap`: the maps of strings requests and challenges carry, zeroed on drop.

use super::*;

/// A string map, as `AuthParameters`, `ChallengeParameters` and `ClientMetadata` are: each key once,
/// iterated in sorted order (as a `BTreeMap` would be). A sorted list: these maps hold a handful of
/// entries, and `BTreeMap`'s node code is several KB of wasm.
///
/// These maps carry passwords, refresh tokens, MFA codes and SRP proofs, so every key and value is
/// zeroed when the map is dropped, and `Debug` shows the keys only.
#[derive(Clone, Default, PartialEq, Eq)]
pub struct StringMap(Vec<(String, String)>);

impl zeroize::Zeroize for StringMap {
    fn zeroize(&mut self) {
        for (key, value) in self.0.iter_mut() {
            key.zeroize();
            value.zeroize();
        }
        self.0.clear();
    }
}

impl Drop for StringMap {
    fn drop(&mut self) {
        zeroize::Zeroize::zeroize(self);
    }
}

impl StringMap {
    /// An empty map.
    pub fn new() -> Self {
        StringMap(Vec::new())
    }

    fn position(&self, key: &str) -> core::result::Result<usize, usize> {
        self.0.binary_search_by(|(k, _)| k.as_str().cmp(key))
    }

    /// Sets `key` to `value`; returns the value it replaces.
    pub fn insert(&mut self, key: String, value: String) -> Option<String> {
        match self.position(&key) {
            Ok(i) => Some(core::mem::replace(&mut self.0[i].1, value)),
            Err(i) => {
                self.0.insert(i, (key, value));
                None
            }
        }
    }

    /// The value of `key`.
    pub fn get(&self, key: &str) -> Option<&String> {
        self.position(key).ok().map(|i| &self.0[i].1)
    }

    /// Whether `key` is set.
    pub fn contains_key(&self, key: &str) -> bool {
        self.position(key).is_ok()
    }

    /// Removes `key`; returns its value.
    pub fn remove(&mut self, key: &str) -> Option<String> {
        self.position(key).ok().map(|i| self.0.remove(i).1)
    }

    /// How many keys are set.
    pub fn len(&self) -> usize {
        self.0.len()
    }

    /// Whether no key is set.
    pub fn is_empty(&self) -> bool {
        self.0.is_empty()
    }

    /// The entries, in key order.
    pub fn iter(&self) -> impl Iterator<Item = (&String, &String)> {
        self.0.iter().map(|(k, v)| (k, v))
    }
}

impl core::fmt::Debug for StringMap {
    fn fmt(&self, f: &mut core::fmt::Formatter<'_>) -> core::fmt::Result {
        f.debug_map()
            .entries(self.0.iter().map(|(k, _)| (k, crate::secret::Redacted)))
            .finish()
    }
}

/// `map["KEY"]` in the unit tests (it panics on a missing key, so the library itself uses `get`).
#[cfg(test)]
impl core::ops::Index<&str> for StringMap {
    type Output = String;
    fn index(&self, key: &str) -> &String {
        self.get(key).unwrap()
    }
}

impl IntoIterator for StringMap {
    type Item = (String, String);
    type IntoIter = alloc::vec::IntoIter<(String, String)>;
    /// Hands the entries over unzeroed: they are the caller's from here on.
    fn into_iter(mut self) -> Self::IntoIter {
        core::mem::take(&mut self.0).into_iter()
    }
}

/// StringMap against BTreeMap, the map it replaces.
#[cfg(all(test, not(target_arch = "wasm32")))]
mod string_map_tests {
    use super::StringMap;
    use alloc::collections::BTreeMap;
    use alloc::string::{String, ToString};
    use alloc::vec::Vec;
    use proptest::prelude::*;

    proptest! {
        #[test]
        fn behaves_like_a_btreemap(ops in proptest::collection::vec((0u8..3, "[a-d]{0,2}", "[x-z]{0,2}"), 0..40)) {
            let mut ours = StringMap::new();
            let mut theirs = BTreeMap::new();
            for (op, k, v) in ops {
                match op {
                    0 => prop_assert_eq!(ours.insert(k.clone(), v.clone()), theirs.insert(k, v)),
                    1 => prop_assert_eq!(ours.remove(&k), theirs.remove(&k)),
                    _ => {
                        prop_assert_eq!(ours.get(&k), theirs.get(&k));
                        prop_assert_eq!(ours.contains_key(&k), theirs.contains_key(&k));
                    }
                }
                prop_assert_eq!(ours.len(), theirs.len());
                let a: Vec<(&String, &String)> = ours.iter().collect();
                let b: Vec<(&String, &String)> = theirs.iter().collect();
                prop_assert_eq!(a, b);
            }
        }
    }

    #[test]
    fn collects_with_the_last_duplicate_winning() {
        let map: StringMap = [
            ("b".to_string(), "1".to_string()),
            ("a".to_string(), "2".to_string()),
            ("b".to_string(), "3".to_string()),
        ]
        .into();
        assert_eq!(map.get("a").map(String::as_str), Some("2"));
        assert_eq!(map.get("b").map(String::as_str), Some("3"));
        assert!(!map.is_empty());
        let owned: Vec<(String, String)> = map.into_iter().collect();
        assert_eq!(owned.len(), 2);
        assert_eq!(owned[1], ("b".to_string(), "3".to_string()));
    }

    #[test]
    fn debug_shows_keys_and_never_values() {
        let map: StringMap = [
            ("PASSWORD".to_string(), "hunter2-secret".to_string()),
            ("USERNAME".to_string(), "alice".to_string()),
        ]
        .into();
        let printed = format!("{map:?}");
        assert_eq!(
            printed,
            r#"{"PASSWORD": <redacted>, "USERNAME": <redacted>}"#
        );
        assert!(!printed.contains("hunter2"));
    }

    #[test]
    fn zeroize_empties_the_map_and_it_stays_usable() {
        let mut map: StringMap = [("REFRESH_TOKEN".to_string(), "tok".to_string())].into();
        zeroize::Zeroize::zeroize(&mut map);
        assert!(map.is_empty());
        assert_eq!(map.get("REFRESH_TOKEN"), None);
        map.insert("A".into(), "1".into());
        assert_eq!(map.len(), 1);
    }
}

impl FromIterator<(String, String)> for StringMap {
    fn from_iter<I: IntoIterator<Item = (String, String)>>(items: I) -> Self {
        let mut map = StringMap::new();
        for (k, v) in items {
            map.insert(k, v);
        }
        map
    }
}

impl<const N: usize> From<[(String, String); N]> for StringMap {
    fn from(items: [(String, String); N]) -> Self {
        items.into_iter().collect()
    }
}

impl<'a> IntoIterator for &'a StringMap {
    type Item = (&'a String, &'a String);
    type IntoIter = core::iter::Map<
        core::slice::Iter<'a, (String, String)>,
        fn(&'a (String, String)) -> (&'a String, &'a String),
    >;
    fn into_iter(self) -> Self::IntoIter {
        self.0.iter().map(|(k, v)| (k, v))
    }
}
