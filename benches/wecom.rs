//! WeCom app messages to 30,000 people through the real `herald dispatch` process, against a
//! loopback WeCom that answers at once (a token, then `errcode 0` for every call of up to 1,000
//! people), so the wall time is Herald's own: claim, render, group people who get the same text
//! into calls, record. Target: under 10 s. Prints the calls and tokens WeCom saw.
//!
//! Run: `cargo bench --bench wecom`.

mod common;

use std::collections::BTreeMap;
use std::path::Path;
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::Arc;

use herald::App;
use wiremock::{Mock, MockServer, Request, Respond, ResponseTemplate};

/// WeCom as far as the benchmark needs it: counts tokens, calls and people.
#[derive(Clone, Default)]
struct Wecom {
    tokens: Arc<AtomicU64>,
    calls: Arc<AtomicU64>,
    people: Arc<AtomicU64>,
}

impl Respond for Wecom {
    fn respond(&self, req: &Request) -> ResponseTemplate {
        let ok = |extra: serde_json::Value| {
            let mut body = serde_json::json!({"errcode": 0, "errmsg": "ok"});
            body.as_object_mut().unwrap().extend(extra.as_object().unwrap().clone());
            ResponseTemplate::new(200).set_body_json(body)
        };
        if req.url.path() == "/cgi-bin/gettoken" {
            self.tokens.fetch_add(1, Ordering::Relaxed);
            return ok(serde_json::json!({"access_token": "BENCH-TOKEN", "expires_in": 7200}));
        }
        let body: serde_json::Value = serde_json::from_slice(&req.body).unwrap_or_default();
        let users = body["touser"].as_str().unwrap_or_default().split('|').count();
        assert!(users <= 1000, "WeCom takes at most 1,000 people a call");
        self.calls.fetch_add(1, Ordering::Relaxed);
        self.people.fetch_add(users as u64, Ordering::Relaxed);
        ok(serde_json::json!({"invaliduser": "", "msgid": "m"}))
    }
}

/// 30,000 contacts with a WeCom userid each, a WeCom app channel on `api`, and a notice to
/// everyone on it (the same text for all, as a notice without per-person variables is).
async fn prepare(dir: &Path, n: usize, api: &str) -> App {
    let app = common::open_app(dir).await;
    common::seed_contacts(app.store(), n).await;
    let options = sqlx::sqlite::SqliteConnectOptions::new().filename(dir.join("herald.db"));
    let pool = sqlx::SqlitePool::connect_with(options).await.unwrap();
    sqlx::query(
        "INSERT INTO contact_addresses (contact_id, kind, address, invalid, updated_at) \
         SELECT id, 'wecom', 'user' || id, 0, created_at FROM contacts",
    )
    .execute(&pool)
    .await
    .unwrap();
    pool.close().await;
    let settings: BTreeMap<String, String> = [
        ("corp-id", "wwbench0000000001"),
        ("agent-id", "1000002"),
        ("secret", "bench-secret"),
        ("api-base", api),
    ]
    .into_iter()
    .map(|(k, v)| (k.to_owned(), v.to_owned()))
    .collect();
    let channel = app
        .add_kind_channel("wecom_app", "企业微信", settings, None)
        .await
        .unwrap();
    let body = "请于**周三上午**到校医院体检，带好校园卡。".into();
    common::queue_notice(&app, channel.id, body).await;
    app
}

fn main() {
    // The dispatcher process must read the channel's secret where this process wrote it.
    std::env::set_var("HERALD_SECRET_STORE", "file");
    let rt = tokio::runtime::Builder::new_multi_thread()
        .enable_all()
        .build()
        .unwrap();
    let wecom = Wecom::default();
    let server = rt.block_on(async {
        let server = MockServer::start().await;
        Mock::given(wiremock::matchers::any())
            .respond_with(wecom.clone())
            .mount(&server)
            .await;
        server
    });
    let n = 30_000;
    let dir = tempfile::tempdir().unwrap();
    let app = rt.block_on(prepare(dir.path(), n, &server.uri()));
    let took = common::dispatch_until_idle(dir.path(), &[("HERALD_SECRET_STORE", "file")]);
    rt.block_on(common::assert_all_sent(&app, n));
    assert_eq!(
        wecom.people.load(Ordering::Relaxed) as usize,
        n,
        "WeCom saw each person once"
    );
    common::report(
        "WeCom app messages (herald dispatch process)",
        n as u64,
        took,
        &format!(
            "{} calls, {} token fetch(es), dispatcher peak RSS {:.1} MiB (target: under 10 s)",
            wecom.calls.load(Ordering::Relaxed),
            wecom.tokens.load(Ordering::Relaxed),
            common::children_peak_rss_mib()
        ),
    );
}
