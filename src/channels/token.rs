//! An access token shared by all of a channel's sends (the app-message kinds): fetched once,
//! kept until shortly before it expires, fetched again at once when the platform says it is no
//! longer valid, and never fetched by two sends at the same moment. Never logged.

use std::future::Future;
use std::time::{Duration, Instant};

use tokio::sync::Mutex;

/// Renew this long before the platform's stated expiry, so a token never dies mid-call.
const MARGIN: Duration = Duration::from_secs(300);

#[derive(Default)]
pub struct TokenCache {
    current: Mutex<Option<(String, Instant)>>,
}

impl std::fmt::Debug for TokenCache {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("TokenCache")
    }
}

impl TokenCache {
    /// The cached token, or a fresh one from `fetch` (the token and how long it lives).
    /// Sends waiting at the same moment share the one fetch.
    pub async fn get<F, Fut, E>(&self, fetch: F) -> Result<String, E>
    where
        F: FnOnce() -> Fut,
        Fut: Future<Output = Result<(String, Duration), E>>,
    {
        let mut current = self.current.lock().await;
        if let Some((token, until)) = current.as_ref() {
            if Instant::now() < *until {
                return Ok(token.clone());
            }
        }
        let (token, lives) = fetch().await?;
        let until = Instant::now() + lives.saturating_sub(MARGIN).max(Duration::from_secs(30));
        *current = Some((token.clone(), until));
        Ok(token)
    }

    /// Forgets `token` after the platform refused it (revoked early, or expired); a token
    /// already replaced by another send is left alone.
    pub async fn refused(&self, token: &str) {
        let mut current = self.current.lock().await;
        if current.as_ref().is_some_and(|(t, _)| t == token) {
            *current = None;
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::sync::atomic::{AtomicU32, Ordering};
    use std::sync::Arc;

    #[tokio::test]
    async fn one_fetch_serves_every_send_until_the_token_is_refused() {
        let cache = Arc::new(TokenCache::default());
        let fetches = Arc::new(AtomicU32::new(0));
        let fetch = |fetches: Arc<AtomicU32>| async move {
            let n = fetches.fetch_add(1, Ordering::SeqCst) + 1;
            Ok::<_, ()>((format!("t{n}"), Duration::from_secs(7200)))
        };
        let mut sends = Vec::new();
        for _ in 0..8 {
            let (cache, fetches) = (cache.clone(), fetches.clone());
            sends.push(tokio::spawn(async move { cache.get(|| fetch(fetches)).await.unwrap() }));
        }
        for s in sends {
            assert_eq!(s.await.unwrap(), "t1");
        }
        assert_eq!(fetches.load(Ordering::SeqCst), 1);
        cache.refused("t0").await;
        assert_eq!(
            cache.get(|| fetch(fetches.clone())).await.unwrap(),
            "t1",
            "an old token's refusal"
        );
        cache.refused("t1").await;
        assert_eq!(cache.get(|| fetch(fetches.clone())).await.unwrap(), "t2");
    }
}
