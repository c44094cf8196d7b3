//! Where tokens and remembered devices live: a small async key-value interface with adapters.
//!
//! Keys are namespaced `cognito-kit.{userPoolId}.{clientId}.…`, so several pools, clients and users
//! can share one storage. Values are written whole (one JSON record per user), so a failure never
//! leaves half a session behind.

use crate::error::Result;
use crate::text::cat;
use alloc::string::String;
use alloc::vec::Vec;
use core::cell::RefCell;
use core::future::Future;
use zeroize::Zeroize;

/// An async key-value store (Web Storage, memory, or an app's own).
pub trait Storage {
    /// The value under `key`, if any.
    fn get(&self, key: &str) -> impl Future<Output = Result<Option<String>>>;
    /// Stores `value` under `key`.
    fn set(&self, key: &str, value: &str) -> impl Future<Output = Result<()>>;
    /// Removes `key`.
    fn remove(&self, key: &str) -> impl Future<Output = Result<()>>;
}

/// Storage in memory: the default where no Web Storage exists (Node, some private modes), and for
/// tests. Lost when the page or process ends. Values hold tokens: a replaced or removed value is
/// zeroed, and so is everything left when the store is dropped; `Debug` shows the keys only.
#[derive(Default)]
pub struct MemoryStorage {
    // A few records at most: a list, not a BTreeMap, whose removal code is several KB of wasm.
    items: RefCell<Vec<(String, String)>>,
}

impl core::fmt::Debug for MemoryStorage {
    fn fmt(&self, f: &mut core::fmt::Formatter<'_>) -> core::fmt::Result {
        f.debug_struct("MemoryStorage")
            .field("keys", &self.keys())
            .finish()
    }
}

impl Drop for MemoryStorage {
    fn drop(&mut self) {
        for (key, value) in self.items.get_mut().iter_mut() {
            key.zeroize();
            value.zeroize();
        }
    }
}

impl MemoryStorage {
    /// An empty store.
    pub fn new() -> Self {
        Self::default()
    }

    /// Every key currently stored (for tests and diagnostics).
    pub fn keys(&self) -> Vec<String> {
        let mut keys: Vec<String> = self.items.borrow().iter().map(|(k, _)| k.clone()).collect();
        keys.sort_unstable();
        keys
    }
}

impl Storage for MemoryStorage {
    async fn get(&self, key: &str) -> Result<Option<String>> {
        Ok(self
            .items
            .borrow()
            .iter()
            .find(|(k, _)| k == key)
            .map(|(_, v)| v.clone()))
    }

    async fn set(&self, key: &str, value: &str) -> Result<()> {
        let mut items = self.items.borrow_mut();
        match items.iter_mut().find(|(k, _)| k == key) {
            Some((_, v)) => {
                v.zeroize();
                v.push_str(value);
            }
            None => items.push((key.into(), value.into())),
        }
        Ok(())
    }

    async fn remove(&self, key: &str) -> Result<()> {
        let mut items = self.items.borrow_mut();
        if let Some(i) = items.iter().position(|(k, _)| k == key) {
            let (mut k, mut v) = items.swap_remove(i);
            k.zeroize();
            v.zeroize();
        }
        Ok(())
    }
}

/// The keys of one pool client's records.
#[derive(Debug, Clone)]
pub struct Keys {
    prefix: String,
}

impl Keys {
    /// Keys for `user_pool_id` and `client_id`.
    pub fn new(user_pool_id: &str, client_id: &str) -> Self {
        Keys {
            prefix: cat!("cognito-kit.", user_pool_id, ".", client_id),
        }
    }

    /// The name of the user who signed in last.
    pub fn last_user(&self) -> String {
        cat!(self.prefix, ".lastAuthUser")
    }

    /// A user's tokens (one JSON record).
    pub fn tokens(&self, username: &str) -> String {
        cat!(self.prefix, ".", username, ".tokens")
    }

    /// A user's remembered device (one JSON record).
    pub fn device(&self, username: &str) -> String {
        cat!(self.prefix, ".", username, ".device")
    }

    /// The sign-in with a redirect in progress (kept in the tab's own storage).
    pub fn oauth(&self) -> String {
        cat!(self.prefix, ".oauth")
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn keys_are_namespaced_by_pool_and_client() {
        let a = Keys::new("us-east-1_A", "c1");
        let b = Keys::new("us-east-1_B", "c1");
        assert_eq!(a.tokens("alice"), "cognito-kit.us-east-1_A.c1.alice.tokens");
        assert_ne!(a.tokens("alice"), b.tokens("alice"));
        assert_ne!(a.tokens("alice"), a.device("alice"));
        assert_eq!(a.last_user(), "cognito-kit.us-east-1_A.c1.lastAuthUser");
    }

    #[test]
    fn memory_storage_round_trip() {
        let s = MemoryStorage::new();
        complete_in_one_poll(async {
            s.set("k", "v").await.unwrap();
            assert_eq!(s.get("k").await.unwrap().as_deref(), Some("v"));
            s.remove("k").await.unwrap();
            assert_eq!(s.get("k").await.unwrap(), None);
        });
    }

    #[test]
    fn memory_storage_replaces_removes_and_debug_shows_keys_only() {
        let s = MemoryStorage::new();
        complete_in_one_poll(async {
            s.set("a", "first-token-value").await.unwrap();
            s.set("b", "x").await.unwrap();
            s.set("a", "second").await.unwrap();
            assert_eq!(s.get("a").await.unwrap().as_deref(), Some("second"));
            s.set("a", "a-much-longer-third-value").await.unwrap();
            assert_eq!(
                s.get("a").await.unwrap().as_deref(),
                Some("a-much-longer-third-value")
            );
            s.remove("a").await.unwrap();
            s.remove("missing").await.unwrap();
            assert_eq!(s.get("a").await.unwrap(), None);
            assert_eq!(s.get("b").await.unwrap().as_deref(), Some("x"));
        });
        assert_eq!(s.keys(), ["b"]);
        let printed = format!("{s:?}");
        assert_eq!(printed, r#"MemoryStorage { keys: ["b"] }"#);
    }

    /// MemoryStorage never awaits anything, so one poll completes it.
    fn complete_in_one_poll(f: impl Future<Output = ()>) {
        let mut f = core::pin::pin!(f);
        let mut cx = core::task::Context::from_waker(core::task::Waker::noop());
        assert!(f.as_mut().poll(&mut cx).is_ready());
    }
}
