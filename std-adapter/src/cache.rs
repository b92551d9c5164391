//! The verified-token cache: a session token is sent with every request
//! for about a minute, so its second verification should not cost an RSA
//! operation.
//!
//! It plugs into the core as a [`SignatureCache`]: it remembers "this exact
//! token's signature verified with this key set" and the token's `exp`, so
//! the core skips the RSA operation for a token it has seen.
//!
//! It also keeps the owned [`Session`] the adapter made of a verified
//! token. The answer of `verifyToken`, and of a request whose
//! `Authorization` header carries the token (Clerk then reads no cookie,
//! clerk-semantics.md §6.5), depends only on the token, the configuration,
//! the key set and the clock; so a repeated token gets the kept session
//! (shared, an `Arc`) after its `exp`/`nbf`/`iat` are checked against the
//! clock exactly as the core checks them. When a time check fails, the
//! request goes through the core, which gives Clerk's reason and handshake.
//! A session kept by `verify_token` answers only `verify_token`: the header
//! path also refuses machine tokens, so it answers only for sessions it
//! signed in itself. Cookie requests always go through the core.
//!
//! - Key: a keyed 64-bit hash of the whole token (foldhash with a per-process
//!   random seed; about 0.1 µs for 1 KB, against ~0.7 µs for SHA-256), then
//!   a full byte comparison with the stored token, so a hash collision can
//!   never vouch for another token.
//! - Key sets: every entry carries the generation of the key set it was
//!   verified with, and only answers for that generation. When the JWKS
//!   source's keys change (rotation), the generation moves on and the cache
//!   is cleared, so a token signed by a removed key is checked against the
//!   new keys (and refused) even if it was cached.
//! - Bounded: a fixed number of entries spread over [`SHARDS`] mutex-guarded
//!   `hashbrown` tables (a critical section is one probe and a compare). A
//!   full shard first drops expired entries, then a quarter of its entries
//!   in table order, which is effectively random.

use crate::auth::Session;
use clerk_edge::verify::SignatureCache;
use hashbrown::HashTable;
use std::hash::BuildHasher;
use std::sync::{Arc, Mutex, MutexGuard};

/// Number of independently locked shards.
pub const SHARDS: usize = 16;

/// Default capacity, in tokens (about 2 to 3 KB each with their session).
pub const DEFAULT_CAPACITY: usize = 8192;

struct Entry {
    hash: u64,
    token: Box<str>,
    exp_ms: f64,
    generation: u64,
    /// The owned session the adapter made of the verified token (shared
    /// by every request that sends it).
    session: Option<Arc<Session>>,
    /// The session was signed in by Clerk's header path (which also
    /// refuses machine tokens and other categories).
    header: bool,
}

/// A bounded set of tokens whose signature verified.
pub struct TokenCache {
    shards: [Mutex<HashTable<Entry>>; SHARDS],
    per_shard: usize,
    hasher: foldhash::fast::RandomState,
}

impl std::fmt::Debug for TokenCache {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("TokenCache")
            .field("capacity", &self.capacity())
            .field("len", &self.len())
            .finish()
    }
}

fn lock<T>(m: &Mutex<T>) -> MutexGuard<'_, T> {
    // A panic while holding the lock cannot leave a table half-updated in a
    // way that matters here; keep serving.
    m.lock().unwrap_or_else(std::sync::PoisonError::into_inner)
}

impl TokenCache {
    /// A cache for about `capacity` tokens (at least one per shard).
    pub fn new(capacity: usize) -> Self {
        TokenCache {
            shards: std::array::from_fn(|_| Mutex::new(HashTable::new())),
            per_shard: capacity.div_ceil(SHARDS).max(1),
            hasher: foldhash::fast::RandomState::default(),
        }
    }

    fn hash(&self, token: &str) -> u64 {
        self.hasher.hash_one(token.as_bytes())
    }

    fn shard(&self, hash: u64) -> &Mutex<HashTable<Entry>> {
        // hashbrown uses the low bits for the bucket and the top 7 for the
        // control byte; take the shard from bits in between.
        let i = (hash >> 40) as usize % SHARDS;
        let [first, ..] = &self.shards;
        self.shards.get(i).unwrap_or(first)
    }

    /// Whether `token` verified with the key set of `generation`.
    pub fn contains(&self, token: &str, generation: u64) -> bool {
        let hash = self.hash(token);
        lock(self.shard(hash))
            .find(hash, |e| e.hash == hash && *e.token == *token)
            .is_some_and(|e| e.generation == generation)
    }

    /// Remembers that `token` (expiring at `exp_ms`) verified with the key
    /// set of `generation`; entries with `exp_ms <= expired_before_ms` are
    /// the first to go when a shard is full.
    pub fn insert(&self, token: &str, exp_ms: f64, generation: u64, expired_before_ms: f64) {
        let hash = self.hash(token);
        let mut shard = lock(self.shard(hash));
        if shard.len() >= self.per_shard {
            shard.retain(|e| e.exp_ms > expired_before_ms && e.generation == generation);
        }
        if shard.len() >= self.per_shard {
            let keep = self.per_shard - self.per_shard / 4 - 1;
            let mut seen = 0usize;
            shard.retain(|_| {
                seen += 1;
                seen <= keep
            });
        }
        match shard.find_mut(hash, |e| e.hash == hash && *e.token == *token) {
            Some(e) => {
                if e.generation != generation {
                    e.session = None;
                    e.header = false;
                }
                e.exp_ms = exp_ms;
                e.generation = generation;
            }
            None => {
                shard.insert_unique(
                    hash,
                    Entry {
                        hash,
                        token: token.into(),
                        exp_ms,
                        generation,
                        session: None,
                        header: false,
                    },
                    |e| e.hash,
                );
            }
        }
    }

    /// The session kept for `token` (verified with the key set of
    /// `generation`); with `header`, only one signed in by the header path.
    /// The caller still checks the token's times against the clock.
    pub(crate) fn session(
        &self,
        token: &str,
        generation: u64,
        header: bool,
    ) -> Option<Arc<Session>> {
        let hash = self.hash(token);
        let shard = lock(self.shard(hash));
        let e = shard.find(hash, |e| e.hash == hash && *e.token == *token)?;
        if e.generation != generation || (header && !e.header) {
            return None;
        }
        e.session.clone()
    }

    /// Keeps `session`, made of `token` after the core verified it with the
    /// key set of `generation`, with the token's entry (when there is one:
    /// the core adds it when the signature verifies).
    pub(crate) fn attach(
        &self,
        token: &str,
        generation: u64,
        session: &Arc<Session>,
        header: bool,
    ) {
        let hash = self.hash(token);
        let mut shard = lock(self.shard(hash));
        if let Some(e) = shard.find_mut(hash, |e| e.hash == hash && *e.token == *token)
            && e.generation == generation
        {
            if e.session.is_none() {
                e.session = Some(Arc::clone(session));
            }
            e.header |= header;
        }
    }

    /// Forgets every token (the key set changed).
    pub fn clear(&self) {
        for shard in &self.shards {
            lock(shard).clear();
        }
    }

    /// Number of cached tokens.
    pub fn len(&self) -> usize {
        self.shards.iter().map(|s| lock(s).len()).sum()
    }

    /// `true` when nothing is cached.
    pub fn is_empty(&self) -> bool {
        self.len() == 0
    }

    /// Most tokens this cache holds.
    pub fn capacity(&self) -> usize {
        self.per_shard * SHARDS
    }
}

/// The cache as one verification sees it: the key set's generation, and
/// the clock for eviction.
pub(crate) struct CacheView<'a> {
    pub(crate) cache: &'a TokenCache,
    pub(crate) generation: u64,
    /// `now - clock skew`: tokens that expired before this are useless.
    pub(crate) expired_before_ms: f64,
}

impl SignatureCache for CacheView<'_> {
    fn contains(&self, token: &str) -> bool {
        self.cache.contains(token, self.generation)
    }

    fn insert(&self, token: &str, exp_ms: f64) {
        self.cache
            .insert(token, exp_ms, self.generation, self.expired_before_ms);
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_hit_needs_the_whole_token_and_the_same_key_set() {
        let cache = TokenCache::new(64);
        cache.insert("a.b.c", 10_000.0, 0, 0.0);
        assert!(cache.contains("a.b.c", 0));
        assert!(!cache.contains("a.b.d", 0));
        assert!(!cache.contains("a.b.c", 1), "another key set");
        cache.clear();
        assert!(!cache.contains("a.b.c", 0));
        assert!(cache.is_empty());
    }

    #[test]
    fn stays_bounded_and_drops_expired_first() {
        let cache = TokenCache::new(SHARDS * 8);
        for i in 0..10_000 {
            let t = format!("tok{i}");
            let exp = if i % 2 == 0 { 1_000.0 } else { 1e12 };
            cache.insert(&t, exp, 0, 5_000.0);
        }
        assert!(cache.len() <= cache.capacity());
        cache.insert("last", 1e12, 0, 5_000.0);
        assert!(cache.contains("last", 0));
    }
}
