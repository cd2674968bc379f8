//! The webhook provider against a real HTTP server on 127.0.0.1 (wiremock): bodies, headers,
//! Standard Webhooks signatures, and how every kind of reply and failure is classified.

use std::time::{Duration, Instant, SystemTime, UNIX_EPOCH};

use base64::engine::general_purpose::STANDARD as BASE64;
use base64::Engine as _;
use herald::model::ChannelKind;
use herald::providers::webhook::{sign, Webhook, WebhookConfigError, WebhookMethod, WebhookSettings};
use herald::providers::{Outcome, Outgoing, Provider};
use hmac::{Hmac, Mac};
use sha2::Sha256;
use wiremock::matchers::{header, method, path};
use wiremock::{Mock, MockServer, Request, ResponseTemplate};

/// The secret of the official Standard Webhooks vector, and its decoded key (from the
/// vector file, so the check below does not rely on Herald's own decoding).
const VECTOR_SECRET: &str = "whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw";

fn vector_key_hex() -> String {
    let path = concat!(
        env!("CARGO_MANIFEST_DIR"),
        "/tests/fixtures/vectors/standard_webhooks.json"
    );
    let text = std::fs::read_to_string(path).expect("the Standard Webhooks vectors in tests/fixtures");
    let file: serde_json::Value = serde_json::from_str(&text).unwrap();
    let v = &file["vectors"][0];
    assert_eq!(v["inputs"]["secret"], VECTOR_SECRET);
    v["expected"]["decoded_key_hex"].as_str().unwrap().to_owned()
}

fn msg(id: i64) -> Outgoing {
    Outgoing {
        delivery_id: id,
        address: format!("user{id}@example.edu.cn"),
        recipient_name: "王小明".into(),
        subject: "期末考试安排".into(),
        body: "**考场**：3 号楼 201\n请带好\"学生证\"。".into(),
        attachments: Default::default(),
        allow_unsubscribe: false,
        mentions: Default::default(),
    }
}

fn settings(server: &MockServer) -> WebhookSettings {
    WebhookSettings::new(format!("{}/hook", server.uri()))
}

fn webhook(s: WebhookSettings) -> Webhook {
    Webhook::new("教务处通知", s, None).unwrap()
}

async fn only_request(server: &MockServer) -> Request {
    let mut got = server.received_requests().await.unwrap();
    assert_eq!(got.len(), 1, "exactly one request");
    got.remove(0)
}

fn header_str<'a>(r: &'a Request, name: &str) -> &'a str {
    r.headers
        .get(name)
        .unwrap_or_else(|| panic!("missing header {name}"))
        .to_str()
        .unwrap()
}

fn unix_now() -> i64 {
    SystemTime::now().duration_since(UNIX_EPOCH).unwrap().as_secs() as i64
}

fn retry(o: &Outcome) -> (Option<Duration>, &str, Option<&str>) {
    match o {
        Outcome::Retry { after, reason, code } => (*after, reason.as_str(), code.as_deref()),
        other => panic!("expected Retry, got {other:?}"),
    }
}

fn permanent(o: &Outcome) -> (&str, Option<&str>, bool) {
    match o {
        Outcome::Permanent {
            reason,
            code,
            bad_address,
        } => (reason.as_str(), code.as_deref(), *bad_address),
        other => panic!("expected Permanent, got {other:?}"),
    }
}

#[tokio::test]
async fn sends_the_default_body_with_chinese_text_intact() {
    let server = MockServer::start().await;
    Mock::given(method("POST"))
        .and(path("/hook"))
        .respond_with(ResponseTemplate::new(200).insert_header("x-request-id", "req-77"))
        .expect(1)
        .mount(&server)
        .await;
    let w = webhook(settings(&server));
    assert_eq!(w.kind(), ChannelKind::WEBHOOK);

    let out = w.send(&[msg(42)]).await;
    assert_eq!(
        out,
        vec![Outcome::Sent {
            provider_id: Some("req-77".into())
        }]
    );
    let r = only_request(&server).await;
    assert_eq!(
        String::from_utf8(r.body.clone()).unwrap(),
        r#"{"id":"42","channel":"教务处通知","recipient":{"name":"王小明","address":"user42@example.edu.cn"},"subject":"期末考试安排","body":"**考场**：3 号楼 201\n请带好\"学生证\"。"}"#
    );
    assert_eq!(header_str(&r, "content-type"), "application/json");
    assert_eq!(header_str(&r, "idempotency-key"), "42");
    assert!(header_str(&r, "user-agent").starts_with("Herald/"));
    assert!(r.headers.get("webhook-signature").is_none(), "unsigned by default");
}

#[tokio::test]
async fn custom_template_headers_and_put() {
    let server = MockServer::start().await;
    Mock::given(method("PUT"))
        .and(path("/hook"))
        .and(header("x-team", "office"))
        .respond_with(ResponseTemplate::new(201).insert_header("x-message-id", "m-1"))
        .expect(1)
        .mount(&server)
        .await;
    let mut s = settings(&server);
    s.method = WebhookMethod::Put;
    s.headers.insert("X-Team".into(), "office".into());
    s.headers
        .insert("Content-Type".into(), "application/vnd.herald+json".into());
    s.body_template = Some(
        r###"{"msgtype": "markdown", "to": {{ recipient.address|tojson }}, "ref": {{ id|tojson }},
            "text": {{ ("## " ~ subject ~ "\n" ~ body)|tojson }}, "from": {{ channel|tojson }},
            "who": {{ recipient.name|tojson }}}"###
            .into(),
    );
    let out = webhook(s).send(&[msg(7)]).await;
    assert_eq!(
        out,
        vec![Outcome::Sent {
            provider_id: Some("m-1".into())
        }]
    );
    let r = only_request(&server).await;
    let got: serde_json::Value = serde_json::from_slice(&r.body).unwrap();
    assert_eq!(
        got,
        serde_json::json!({
            "msgtype": "markdown",
            "to": "user7@example.edu.cn",
            "ref": "7",
            "text": "## 期末考试安排\n**考场**：3 号楼 201\n请带好\"学生证\"。",
            "from": "教务处通知",
            "who": "王小明",
        })
    );
    assert_eq!(header_str(&r, "content-type"), "application/vnd.herald+json");
}

#[tokio::test]
async fn a_template_that_renders_invalid_json_fails_that_delivery_permanently() {
    let server = MockServer::start().await;
    Mock::given(method("POST"))
        .respond_with(ResponseTemplate::new(200))
        .expect(1)
        .mount(&server)
        .await;
    let mut s = settings(&server);
    // Valid for the validation sample, broken for one subject: only that delivery fails.
    s.body_template =
        Some(r#"{% if subject == "oops" %}not json{% else %}{"s": {{ subject|tojson }}}{% endif %}"#.into());
    let w = webhook(s);
    let mut bad = msg(2);
    bad.subject = "oops".into();
    let out = w.send(&[msg(1), bad]).await;
    assert!(matches!(out[0], Outcome::Sent { .. }));
    let (reason, code, bad_address) = permanent(&out[1]);
    assert!(reason.contains("bodyTemplate") && reason.contains("JSON"), "{reason}");
    assert_eq!((code, bad_address), (None, false));
}

#[tokio::test]
async fn signed_requests_verify_with_the_shared_secret() {
    let server = MockServer::start().await;
    Mock::given(method("POST"))
        .respond_with(ResponseTemplate::new(204))
        .expect(1)
        .mount(&server)
        .await;
    let mut s = settings(&server);
    s.signing = true;
    let w = Webhook::new("教务处通知", s, Some(VECTOR_SECRET.into())).unwrap();
    let before = unix_now();
    assert_eq!(w.send(&[msg(9001)]).await, vec![Outcome::Sent { provider_id: None }]);
    let r = only_request(&server).await;

    let id = header_str(&r, "webhook-id");
    assert_eq!(id, "msg_9001", "stable per delivery, so retries can be de-duplicated");
    assert_eq!(header_str(&r, "idempotency-key"), "9001");
    let ts: i64 = header_str(&r, "webhook-timestamp").parse().unwrap();
    assert!(ts >= before - 1 && ts <= unix_now() + 1, "timestamp is now");
    let signature = header_str(&r, "webhook-signature");

    // 1. Herald's own signing function over what actually arrived.
    assert_eq!(signature, sign(VECTOR_SECRET, id, ts, &r.body).unwrap());

    // 2. An independent receiver-side check: HMAC-SHA256 keyed with the vector's decoded key.
    let key = hex::decode(vector_key_hex()).unwrap();
    let mut mac = Hmac::<Sha256>::new_from_slice(&key).unwrap();
    mac.update(format!("{id}.{ts}.").as_bytes());
    mac.update(&r.body);
    let expected = format!("v1,{}", BASE64.encode(mac.finalize().into_bytes()));
    let accepted = signature.split(' ').any(|s| s == expected);
    assert!(accepted, "{signature} should include {expected}");
}

#[tokio::test]
async fn server_errors_are_retried_with_the_status_as_code() {
    let server = MockServer::start().await;
    Mock::given(method("POST"))
        .respond_with(ResponseTemplate::new(500).set_body_string("database\nis down"))
        .mount(&server)
        .await;
    let out = webhook(settings(&server)).send(&[msg(1)]).await;
    let (after, reason, code) = retry(&out[0]);
    assert_eq!(code, Some("500"));
    assert_eq!(after, None);
    assert_eq!(reason, "HTTP 500 Internal Server Error: database is down");
}

#[tokio::test]
async fn retry_after_seconds_are_honoured() {
    let server = MockServer::start().await;
    Mock::given(method("POST"))
        .respond_with(ResponseTemplate::new(503).insert_header("Retry-After", "7"))
        .mount(&server)
        .await;
    let out = webhook(settings(&server)).send(&[msg(1)]).await;
    let (after, reason, code) = retry(&out[0]);
    assert_eq!(after, Some(Duration::from_secs(7)));
    assert_eq!(code, Some("503"));
    assert!(reason.starts_with("HTTP 503 Service Unavailable"), "{reason}");
}

#[tokio::test]
async fn retry_after_dates_are_honoured_on_429() {
    let server = MockServer::start().await;
    let date = httpdate::fmt_http_date(SystemTime::now() + Duration::from_secs(30));
    Mock::given(method("POST"))
        .respond_with(
            ResponseTemplate::new(429)
                .insert_header("Retry-After", date.as_str())
                .set_body_string("slow down"),
        )
        .mount(&server)
        .await;
    let out = webhook(settings(&server)).send(&[msg(1)]).await;
    let (after, reason, code) = retry(&out[0]);
    let after = after.expect("a wait from the date").as_secs_f64();
    assert!((27.0..=31.0).contains(&after), "after {after} s");
    assert_eq!(code, Some("429"));
    assert_eq!(reason, "HTTP 429 Too Many Requests: slow down");
}

#[tokio::test]
async fn request_timeout_status_is_retried() {
    let server = MockServer::start().await;
    Mock::given(method("POST"))
        .respond_with(ResponseTemplate::new(408))
        .mount(&server)
        .await;
    let out = webhook(settings(&server)).send(&[msg(1)]).await;
    assert_eq!(retry(&out[0]).2, Some("408"));
}

#[tokio::test]
async fn client_errors_are_permanent() {
    for (status, text) in [(404, "Not Found"), (400, "Bad Request"), (401, "Unauthorized")] {
        let server = MockServer::start().await;
        Mock::given(method("POST"))
            .respond_with(
                ResponseTemplate::new(status).set_body_string(format!("{{\"error\":\"{}\"}}", "x".repeat(400))),
            )
            .mount(&server)
            .await;
        let out = webhook(settings(&server)).send(&[msg(1)]).await;
        let (reason, code, bad_address) = permanent(&out[0]);
        let status_text = status.to_string();
        assert_eq!(code, Some(status_text.as_str()));
        assert!(!bad_address);
        assert!(
            reason.starts_with(&format!("HTTP {status} {text}: {{\"error\"")),
            "{reason}"
        );
        assert!(reason.ends_with('…') && reason.chars().count() < 240, "{reason}");
    }
}

#[tokio::test]
async fn the_signature_and_secret_never_reach_a_reason() {
    let server = MockServer::start().await;
    // A receiver that echoes what it got, as debugging endpoints do.
    Mock::given(method("POST"))
        .respond_with(|r: &Request| {
            let sig = r.headers.get("webhook-signature").unwrap().to_str().unwrap();
            ResponseTemplate::new(400).set_body_string(format!(
                "bad signature {sig}; secret {VECTOR_SECRET}; token s3cr3t-token"
            ))
        })
        .mount(&server)
        .await;
    let mut s = settings(&server);
    s.signing = true;
    s.headers.insert("Authorization".into(), "Bearer s3cr3t-token".into());
    let w = Webhook::new("c", s, Some(VECTOR_SECRET.into())).unwrap();
    let out = w.send(&[msg(5)]).await;
    let (reason, _, _) = permanent(&out[0]);
    let r = only_request(&server).await;
    let sig = header_str(&r, "webhook-signature");
    let sig_b64 = sig.trim_start_matches("v1,");
    assert!(!reason.contains(sig_b64), "{reason}");
    assert!(!reason.contains("MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw"), "{reason}");
    assert!(reason.contains("[redacted]"), "{reason}");
}

#[tokio::test]
async fn redirects_are_not_followed() {
    let server = MockServer::start().await;
    Mock::given(path("/hook"))
        .respond_with(ResponseTemplate::new(302).insert_header("Location", format!("{}/elsewhere", server.uri())))
        .mount(&server)
        .await;
    Mock::given(path("/elsewhere"))
        .respond_with(ResponseTemplate::new(200))
        .expect(0)
        .mount(&server)
        .await;
    let out = webhook(settings(&server)).send(&[msg(1)]).await;
    let (reason, code, _) = permanent(&out[0]);
    assert_eq!(code, Some("302"));
    assert!(
        reason.contains("redirects are not followed") && reason.contains("/elsewhere"),
        "{reason}"
    );
}

#[tokio::test]
async fn a_slow_receiver_times_out_and_is_retried() {
    let server = MockServer::start().await;
    Mock::given(method("POST"))
        .respond_with(ResponseTemplate::new(200).set_delay(Duration::from_millis(1500)))
        .mount(&server)
        .await;
    let mut s = settings(&server);
    s.timeout_ms = 300;
    let started = Instant::now();
    let out = webhook(s).send(&[msg(1)]).await;
    let took = started.elapsed();
    let (after, reason, code) = retry(&out[0]);
    assert!(reason.contains("timeout") && reason.contains("300 ms"), "{reason}");
    assert_eq!((after, code), (None, None));
    assert!(took < Duration::from_millis(1200), "gave up after {took:?}");
}

#[tokio::test]
async fn connection_refused_is_retried() {
    let port = {
        let listener = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
        listener.local_addr().unwrap().port()
    }; // dropped: nothing listens there now
    let url = format!("http://127.0.0.1:{port}/hook?token=abcdef");
    let out = webhook(WebhookSettings::new(url.clone())).send(&[msg(1)]).await;
    let (after, reason, code) = retry(&out[0]);
    assert!(reason.starts_with("could not connect to the receiver"), "{reason}");
    assert!(!reason.contains("abcdef"), "the URL stays out of reasons: {reason}");
    assert_eq!((after, code), (None, None));
}

#[tokio::test]
async fn a_mixed_batch_gets_one_outcome_per_message_in_input_order() {
    let server = MockServer::start().await;
    // Status by id, and later ids answer sooner, so completion order differs from input order.
    Mock::given(method("POST"))
        .respond_with(|r: &Request| {
            let body: serde_json::Value = serde_json::from_slice(&r.body).unwrap();
            let id: u64 = body["id"].as_str().unwrap().parse().unwrap();
            let status = match id % 3 {
                0 => 200,
                1 => 500,
                _ => 404,
            };
            ResponseTemplate::new(status)
                .insert_header("x-message-id", format!("m{id}"))
                .set_delay(Duration::from_millis((20 - id) * 10))
        })
        .expect(20)
        .mount(&server)
        .await;
    let batch: Vec<Outgoing> = (0..20).map(msg).collect();
    let out = webhook(settings(&server)).send(&batch).await;
    assert_eq!(out.len(), 20);
    for (id, o) in out.iter().enumerate() {
        match id % 3 {
            0 => assert_eq!(
                o,
                &Outcome::Sent {
                    provider_id: Some(format!("m{id}"))
                },
                "#{id}"
            ),
            1 => assert_eq!(retry(o).2, Some("500"), "#{id}"),
            _ => assert_eq!(permanent(o).1, Some("404"), "#{id}"),
        }
    }
}

#[tokio::test]
async fn batch_requests_overlap_up_to_max_concurrency() {
    let server = MockServer::start().await;
    Mock::given(method("POST"))
        .respond_with(ResponseTemplate::new(200).set_delay(Duration::from_millis(100)))
        .expect(20)
        .mount(&server)
        .await;
    let mut s = settings(&server);
    s.max_concurrency = Some(5);
    let w = webhook(s);
    assert_eq!(w.limits().concurrency, 5);
    let batch: Vec<Outgoing> = (0..20).map(msg).collect();
    let started = Instant::now();
    let out = w.send(&batch).await;
    let took = started.elapsed();
    assert!(out.iter().all(|o| matches!(o, Outcome::Sent { .. })));
    // 20 requests of 100 ms, 5 at a time: 4 rounds. One at a time would take 2 s.
    assert!(took >= Duration::from_millis(390), "more than 5 at once? {took:?}");
    assert!(took < Duration::from_millis(1500), "not concurrent? {took:?}");
}

#[test]
fn settings_validation_errors_name_the_field() {
    let cases: Vec<(serde_json::Value, &str)> = vec![
        (
            serde_json::json!({"url": "file:///etc/passwd"}),
            "url: must start with http:// or https://",
        ),
        (
            serde_json::json!({"url": "https://x.test", "timeoutMs": 0}),
            "timeoutMs: ",
        ),
        (
            serde_json::json!({"url": "https://x.test", "headers": {"webhook-id": "x"}}),
            "headers.webhook-id: ",
        ),
        (
            serde_json::json!({"url": "https://x.test", "headers": {"Host": "other.test"}}),
            "headers.Host: ",
        ),
        (
            serde_json::json!({"url": "https://x.test", "bodyTemplate": "{\"a\": {{ nope|tojson }}}"}),
            "bodyTemplate: uses unknown variable `nope`",
        ),
        (
            serde_json::json!({"url": "https://x.test", "method": "DELETE"}),
            "settings: ",
        ),
    ];
    for (json, want) in cases {
        let e = WebhookSettings::from_json(&json).unwrap_err();
        assert!(e.to_string().starts_with(want), "{json}: got `{e}`");
    }
    let mut s = WebhookSettings::new("https://x.test/hook");
    s.signing = true;
    assert!(matches!(
        Webhook::new("c", s, None),
        Err(WebhookConfigError::Invalid { field, .. }) if field == "secret"
    ));
}
