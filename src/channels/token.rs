//! An access token shared by all of a channel's sends (the app-message kinds): fetched once,
//! kept until shortly before it expires, fetched again at once when the platform says it is no
//! longer valid, and never fetched by two sends at the same moment. Never logged.

use std::future::Future;
use std::time::{Duration, Instant};

use tokio::sync::Mutex;

/// Renew this long before the platform's stated expiry, so a token never dies mid-call.
const MARGIN: Duration = Duration::from_secs(300);

/// What one call made with a token came to.
pub enum Tried<T, E> {
    /// The platform answered, well or not.
    Done(Result<T, E>),
    /// The platform refused the token; `E` is what the call comes to if the fresh one is
    /// refused too.
    TokenRefused(E),
}

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

    /// `call` with the channel's token (from `fetch` when there is none); when the platform
    /// refuses the token, it is forgotten and `call` made once more with a fresh one.
    pub async fn call<T, E, F, FetchFut, C, CallFut>(&self, fetch: F, call: C) -> Result<T, E>
    where
        F: Fn() -> FetchFut,
        FetchFut: Future<Output = Result<(String, Duration), E>>,
        C: Fn(String) -> CallFut,
        CallFut: Future<Output = Tried<T, E>>,
    {
        let token = self.get(&fetch).await?;
        match call(token.clone()).await {
            Tried::Done(done) => return done,
            Tried::TokenRefused(_) => self.refused(&token).await,
        }
        let token = self.get(&fetch).await?;
        match call(token).await {
            Tried::Done(done) => done,
            Tried::TokenRefused(twice) => Err(twice),
        }
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

    #[tokio::test]
    async fn a_refused_token_is_fetched_again_once() {
        let cache = TokenCache::default();
        let fetches = AtomicU32::new(0);
        let fetch = || async {
            let n = fetches.fetch_add(1, Ordering::SeqCst) + 1;
            Ok::<_, String>((format!("t{n}"), Duration::from_secs(7200)))
        };
        // The first token is refused, the second accepted.
        let once = cache
            .call(fetch, |token| async move {
                if token == "t1" {
                    Tried::TokenRefused("refused".to_owned())
                } else {
                    Tried::Done(Ok(token))
                }
            })
            .await;
        assert_eq!(once, Ok("t2".to_owned()));
        // Every token refused: the second refusal is the answer, after one more fetch.
        let always = cache
            .call(fetch, |token| async move {
                Tried::<String, _>::TokenRefused(format!("{token} refused"))
            })
            .await;
        assert_eq!(always, Err("t3 refused".to_owned()));
        assert_eq!(fetches.load(Ordering::SeqCst), 3);
    }
}
