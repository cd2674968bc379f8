//! The loopback SMTP server of `common::smtp`, proven on its own with lettre (the library the SMTP
//! provider uses) before any Herald test relies on it: plain, STARTTLS and implicit TLS trusting
//! only the test's CA, AUTH accepted and refused, scripted RCPT and DATA replies, and a Chinese
//! message that arrives byte for byte and reads back exactly through mail-parser.

mod common;

use std::time::Duration;

use common::smtp::{Attachment, Script, Security, SmtpOptions, SmtpServer};
use lettre::message::header::ContentType;
use lettre::message::{Attachment as Part, Mailbox, MultiPart};
use lettre::transport::smtp::authentication::{Credentials, Mechanism};
use lettre::transport::smtp::client::{Certificate, CertificateStore, Tls, TlsParameters};
use lettre::transport::smtp::{AsyncSmtpTransportBuilder, Error};
use lettre::{AsyncSmtpTransport, AsyncTransport, Message, Tokio1Executor};

const WAIT: Duration = Duration::from_secs(10);

fn start(security: Security, auth: Option<(&str, &str)>, script: Script) -> SmtpServer {
    SmtpServer::start(SmtpOptions {
        security,
        auth: auth.map(|(u, p)| (u.to_string(), p.to_string())),
        script,
        ..SmtpOptions::default()
    })
}

/// TLS that trusts the test CA and nothing else, checking the name `domain`.
fn trust_only(ca_pem: &str, domain: &str) -> TlsParameters {
    TlsParameters::builder(domain.to_string())
        .add_root_certificate(Certificate::from_pem(ca_pem.as_bytes()).expect("CA PEM"))
        .certificate_store(CertificateStore::None)
        .build_rustls()
        .expect("TLS parameters")
}

fn builder(server: &SmtpServer, tls: Tls, creds: Option<(&str, &str)>) -> AsyncSmtpTransportBuilder {
    let b = AsyncSmtpTransport::<Tokio1Executor>::builder_dangerous("127.0.0.1")
        .port(server.port())
        .timeout(Some(Duration::from_secs(10)))
        .tls(tls);
    match creds {
        Some((user, pass)) => b.credentials(Credentials::new(user.into(), pass.into())),
        None => b,
    }
}

fn transport(server: &SmtpServer, tls: Tls, creds: Option<(&str, &str)>) -> AsyncSmtpTransport<Tokio1Executor> {
    builder(server, tls, creds).build()
}

fn simple(to: &str) -> Message {
    Message::builder()
        .from("office@example.edu".parse().unwrap())
        .to(to.parse().unwrap())
        .subject("hello")
        .body("hi\r\n".to_string())
        .unwrap()
}

/// Sends a one-line message to `to` and returns the error it fails with.
async fn refused(mailer: &AsyncSmtpTransport<Tokio1Executor>, to: &str) -> Error {
    match mailer.send(simple(to)).await {
        Ok(reply) => panic!("sending to {to} should have failed, got {reply:?}"),
        Err(e) => e,
    }
}

fn code(err: &Error) -> u16 {
    err.status()
        .map(u16::from)
        .unwrap_or_else(|| panic!("no SMTP code in {err}"))
}

#[tokio::test]
async fn plain_chinese_message_arrives_byte_for_byte_and_reads_back_exactly() {
    let server = start(Security::Plain, None, Script::default());
    // Every byte value, so a transfer encoding that lost or changed one would show.
    let pdf: Vec<u8> = (0..=255u8).cycle().take(3000).collect();
    let msg = Message::builder()
        .from(Mailbox::new(
            Some("教务处 张老师".into()),
            "office@example.edu".parse().unwrap(),
        ))
        .to(Mailbox::new(Some("李雷".into()), "lilei@example.edu".parse().unwrap()))
        .subject("期末考试安排（第二周）：请于周五前确认")
        .message_id(Some("<delivery-42@herald.test>".into()))
        .multipart(
            MultiPart::mixed()
                .multipart(MultiPart::alternative_plain_html(
                    "李雷同学：\n考试在周三上午。\n".to_string(),
                    "<p>李雷同学：</p><p>考试在<b>周三上午</b>。</p>".to_string(),
                ))
                .singlepart(
                    Part::new("考场安排表.pdf".into())
                        .body(pdf.clone(), ContentType::parse("application/pdf").unwrap()),
                ),
        )
        .unwrap();
    // lettre ends DATA with CRLF "." CRLF after the message, so the message gains that CRLF.
    let expected_raw = [msg.formatted(), b"\r\n".to_vec()].concat();

    transport(&server, Tls::None, None).send(msg).await.expect("send");

    let got = server.wait_for_messages(1, WAIT);
    assert_eq!(got.len(), 1);
    // What DATA carried is exactly what lettre formatted (dot-stuffing undone, CRLFs kept).
    assert!(got[0].raw == expected_raw, "raw differs:\n{}", got[0].raw_text());
    let env = &got[0].envelope;
    assert_eq!(env.mail_from, "office@example.edu");
    assert_eq!(env.rcpt_tos, vec!["lilei@example.edu"]);
    assert!(!env.tls);
    assert_eq!(env.auth_user, None);

    // On the wire the Subject is RFC 2047 encoded; decoded it is exactly what was sent.
    assert!(got[0].raw_header("Subject").unwrap().starts_with("=?utf-8?"));
    let mail = got[0].mail();
    assert_eq!(mail.subject.as_deref(), Some("期末考试安排（第二周）：请于周五前确认"));
    assert_eq!(mail.from_name.as_deref(), Some("教务处 张老师"));
    assert_eq!(mail.from_address.as_deref(), Some("office@example.edu"));
    assert_eq!(
        mail.to,
        vec![(Some("李雷".to_string()), "lilei@example.edu".to_string())]
    );
    assert_eq!(mail.message_id.as_deref(), Some("delivery-42@herald.test"));
    // Text parts travel with CRLF line ends (MIME's canonical form), and decode as such.
    assert_eq!(mail.text.as_deref(), Some("李雷同学：\r\n考试在周三上午。\r\n"));
    assert_eq!(
        mail.html.as_deref(),
        Some("<p>李雷同学：</p><p>考试在<b>周三上午</b>。</p>")
    );
    assert_eq!(
        mail.attachments,
        vec![Attachment {
            name: Some("考场安排表.pdf".into()),
            content_type: "application/pdf".into(),
            bytes: pdf,
        }]
    );
}

#[tokio::test]
async fn starttls_with_auth_trusting_only_the_test_ca() {
    let server = start(Security::StartTls, Some(("office", "s3cret")), Script::default());
    let tls = Tls::Required(trust_only(server.ca_pem(), "localhost"));
    transport(&server, tls, Some(("office", "s3cret")))
        .send(simple("a@example.edu"))
        .await
        .expect("send over STARTTLS");
    // lettre picks PLAIN; LOGIN works too.
    let tls = Tls::Required(trust_only(server.ca_pem(), "localhost"));
    builder(&server, tls, Some(("office", "s3cret")))
        .authentication(vec![Mechanism::Login])
        .build()
        .send(simple("login@example.edu"))
        .await
        .expect("send after AUTH LOGIN");
    let got = server.wait_for_messages(2, WAIT);
    assert!(got.iter().all(|m| m.envelope.tls));
    assert!(got.iter().all(|m| m.envelope.auth_user.as_deref() == Some("office")));

    // The CA file a test hands Herald is that same CA.
    assert_eq!(std::fs::read_to_string(server.ca_file()).unwrap(), server.ca_pem());

    // A client that trusts the public roots only refuses the certificate, and so does one
    // that trusts another server's CA. (lettre reports this as a connection error with no
    // SMTP code: `is_tls()` is false for a certificate refused during STARTTLS.)
    let public = TlsParameters::builder("localhost".into()).build_rustls().unwrap();
    let other = start(Security::StartTls, None, Script::default());
    for params in [public, trust_only(other.ca_pem(), "localhost")] {
        let err = refused(
            &transport(&server, Tls::Required(params), Some(("office", "s3cret"))),
            "b@example.edu",
        )
        .await;
        assert_eq!(err.status(), None, "{err}");
        assert!(err.to_string().contains("invalid peer certificate"), "{err}");
    }

    // Without STARTTLS the server refuses MAIL: 530.
    let err = refused(&transport(&server, Tls::None, None), "d@example.edu").await;
    assert_eq!(code(&err), 530, "{err}");
    assert_eq!(server.messages().len(), 2);
}

#[tokio::test]
async fn optional_starttls_lets_a_client_stay_in_the_clear() {
    let server = start(Security::StartTlsOptional, None, Script::default());
    transport(&server, Tls::None, None)
        .send(simple("clear@example.edu"))
        .await
        .expect("send in the clear");
    let tls = Tls::Opportunistic(trust_only(server.ca_pem(), "localhost"));
    transport(&server, tls, None)
        .send(simple("upgraded@example.edu"))
        .await
        .expect("send after STARTTLS");
    let got = server.wait_for_messages(2, WAIT);
    assert!(!got[0].envelope.tls);
    assert!(got[1].envelope.tls);
}

#[tokio::test]
async fn implicit_tls_with_auth_and_the_ip_address_in_the_certificate() {
    let server = start(Security::ImplicitTls, Some(("office", "s3cret")), Script::default());
    // The certificate names 127.0.0.1 too, so a client may check the address it dialled.
    for domain in ["localhost", "127.0.0.1"] {
        let tls = Tls::Wrapper(trust_only(server.ca_pem(), domain));
        transport(&server, tls, Some(("office", "s3cret")))
            .send(simple("a@example.edu"))
            .await
            .unwrap_or_else(|e| panic!("send over implicit TLS to {domain}: {e}"));
    }
    let got = server.wait_for_messages(2, WAIT);
    assert!(got.iter().all(|m| m.envelope.tls));
    assert_eq!(got[0].envelope.auth_user.as_deref(), Some("office"));
}

#[tokio::test]
async fn auth_failure_is_535_and_no_auth_is_530() {
    let server = start(Security::StartTls, Some(("office", "s3cret")), Script::default());
    let tls = || Tls::Required(trust_only(server.ca_pem(), "localhost"));
    let err = refused(&transport(&server, tls(), Some(("office", "wrong"))), "a@example.edu").await;
    assert_eq!(code(&err), 535, "{err}");
    assert!(err.is_permanent());

    let err = refused(&transport(&server, tls(), None), "a@example.edu").await;
    assert_eq!(code(&err), 530, "{err}");
    assert!(server.messages().is_empty());
}

#[tokio::test]
async fn auth_in_the_clear_only_when_the_test_allows_it() {
    let strict = start(Security::Plain, Some(("office", "s3cret")), Script::default());
    let err = refused(
        &transport(&strict, Tls::None, Some(("office", "s3cret"))),
        "a@example.edu",
    )
    .await;
    // No AUTH is offered, so the client has no mechanism to try.
    assert_eq!(err.status(), None, "{err}");

    let lax = SmtpServer::start(SmtpOptions {
        auth: Some(("office".into(), "s3cret".into())),
        auth_without_tls: true,
        ..SmtpOptions::default()
    });
    transport(&lax, Tls::None, Some(("office", "s3cret")))
        .send(simple("a@example.edu"))
        .await
        .expect("AUTH PLAIN in the clear");
    let got = lax.wait_for_messages(1, WAIT);
    assert!(!got[0].envelope.tls);
    assert_eq!(got[0].envelope.auth_user.as_deref(), Some("office"));
}

#[tokio::test]
async fn scripted_rcpt_and_data_replies() {
    let script = Script::default()
        .rcpt("nouser@", "550 5.1.1 no such user")
        .rcpt("full@", "452 4.2.2 mailbox full")
        .rcpt("busy@", "421 4.3.2 try later");
    let server = start(Security::Plain, None, script);
    let mailer = transport(&server, Tls::None, None);

    let err = refused(&mailer, "NoUser@example.edu").await;
    assert_eq!(code(&err), 550, "{err}");
    assert!(err.is_permanent());
    assert!(err.to_string().contains("5.1.1 no such user"), "{err}");

    let err = refused(&mailer, "full@example.edu").await;
    assert_eq!(code(&err), 452, "{err}");
    assert!(err.is_transient());

    let err = refused(&mailer, "busy@example.edu").await;
    assert_eq!(code(&err), 421, "{err}");
    assert!(err.is_transient());

    // The 421 closed that connection; a new one is accepted as usual.
    transport(&server, Tls::None, None)
        .send(simple("ok@example.edu"))
        .await
        .expect("send after the 421");
    let got = server.wait_for_messages(1, WAIT);
    assert_eq!(got.len(), 1);
    assert_eq!(got[0].envelope.rcpt_tos, vec!["ok@example.edu"]);

    let refusing = start(
        Security::Plain,
        None,
        Script::default().data("554 5.6.0 message rejected"),
    );
    let err = refused(&transport(&refusing, Tls::None, None), "a@example.edu").await;
    assert_eq!(code(&err), 554, "{err}");
    assert!(refusing.messages().is_empty());
}

#[tokio::test]
async fn fail_first_n_then_accept() {
    let script = Script::default().fail_first("retry@", 2, "451 4.3.0 try again later");
    let server = start(Security::Plain, None, script);
    let mailer = transport(&server, Tls::None, None);

    for _ in 0..2 {
        let err = refused(&mailer, "retry@example.edu").await;
        assert_eq!(code(&err), 451, "{err}");
    }
    mailer.send(simple("retry@example.edu")).await.expect("third try");
    // Other addresses were never held back.
    mailer.send(simple("other@example.edu")).await.expect("other");

    let got = server.wait_for_messages(2, WAIT);
    assert_eq!(got[0].envelope.rcpt_tos, vec!["retry@example.edu"]);
    assert_eq!(got[1].envelope.rcpt_tos, vec!["other@example.edu"]);
    let replies: Vec<String> = server.rcpt_log().into_iter().map(|(_, r)| r).collect();
    assert_eq!(
        replies,
        [
            "451 4.3.0 try again later",
            "451 4.3.0 try again later",
            "250 OK",
            "250 OK"
        ]
    );
}

#[tokio::test]
async fn a_gbk_message_decodes_through_full_encoding() {
    // What an older client in China may send: GBK in the encoded words and in the body.
    let server = start(Security::Plain, None, Script::default());
    let gbk = |text: &str| encoding_rs::GBK.encode(text).0.into_owned();
    let b64 = |bytes: &[u8]| {
        use base64::Engine;
        base64::engine::general_purpose::STANDARD.encode(bytes)
    };
    let raw = [
        b"From: =?gbk?b?".to_vec(),
        b64(&gbk("教务处")).into_bytes(),
        b"?= <office@example.edu>\r\nTo: a@example.edu\r\nSubject: =?gbk?b?".to_vec(),
        b64(&gbk("补考通知")).into_bytes(),
        b"?=\r\nMessage-ID: <gbk-1@herald.test>\r\nMIME-Version: 1.0\r\n".to_vec(),
        b"Content-Type: text/plain; charset=gbk\r\nContent-Transfer-Encoding: 8bit\r\n\r\n".to_vec(),
        gbk("周三上午九点，三号楼。\r\n"),
    ]
    .concat();
    let envelope = lettre::address::Envelope::new(
        Some("office@example.edu".parse().unwrap()),
        vec!["a@example.edu".parse().unwrap()],
    )
    .unwrap();
    transport(&server, Tls::None, None)
        .send_raw(&envelope, &raw)
        .await
        .expect("send raw");

    let got = server.wait_for_messages(1, WAIT);
    assert!(got[0].raw.starts_with(&raw));
    let mail = got[0].mail();
    assert_eq!(mail.subject.as_deref(), Some("补考通知"));
    assert_eq!(mail.from_name.as_deref(), Some("教务处"));
    assert_eq!(mail.message_id.as_deref(), Some("gbk-1@herald.test"));
    assert_eq!(mail.text.as_deref(), Some("周三上午九点，三号楼。\r\n\r\n"));
    assert_eq!(mail.html, None);
}
