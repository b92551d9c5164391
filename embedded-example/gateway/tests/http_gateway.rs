//! The gateway app seen from the network: real HTTP over embassy-net TCP
//! between two stacks joined in memory, SNTP setting the clock, tokens
//! minted with the demo key pair (and a key the gateway does not trust).
#![allow(
    clippy::unwrap_used,
    clippy::expect_used,
    clippy::indexing_slicing,
    clippy::panic
)]

mod support;

use clerk_edge_gateway::Config;
use embassy_futures::join::join_array;
use embassy_net::tcp::TcpSocket;
use embassy_time::{Duration, Timer};
use embedded_io_async::Write as _;
use support::*;

#[test]
fn protected_routes_wait_for_the_clock() {
    let setup = Setup {
        sntp_on: false,
        ..Setup::default()
    };
    run(setup, async |ctx| {
        let token = operator_token();
        let status = send(ctx.client, &get("/status", None)).await;
        assert_eq!(status.status, 200, "{status:?}");
        assert!(status.body.contains("\"clockSet\":false"), "{status:?}");

        // No clock: a valid token must not count as signed in.
        let a = send(ctx.client, &get("/whoami", Some(&token))).await;
        assert_eq!(a.status, 503, "{a:?}");
        assert_eq!(a.header("x-gateway-reason"), Some("clock-not-set"));
        assert!(a.body.contains("clock not set"), "{a:?}");
        assert!(a.header("x-clerk-auth-status").is_none());
        let a = send(ctx.client, &post("/relay/on", Some(&token))).await;
        assert_eq!(a.status, 503, "{a:?}");
        assert!(ctx.relay.borrow().is_empty());

        // The SNTP server comes up: the clock is set and tokens are judged.
        ctx.sntp_on.set(true);
        ctx.wait_clock().await;
        let now = ctx.gateway.clock().now_unix_ms().unwrap();
        assert!(
            (T0 * 1000..(T0 + 120) * 1000).contains(&now),
            "clock set from SNTP: {now}"
        );
        let a = send(ctx.client, &get("/whoami", Some(&token))).await;
        assert_eq!(a.status, 200, "{a:?}");
        let status = send(ctx.client, &get("/status", None)).await;
        assert!(status.body.contains("\"clockSet\":true"), "{status:?}");
    });
}

#[test]
fn valid_tokens_get_the_user_and_organization() {
    run(Setup::default(), async |ctx| {
        ctx.wait_clock().await;
        let a = send(ctx.client, &get("/whoami", Some(&operator_token()))).await;
        assert_eq!(a.status, 200, "{a:?}");
        assert_eq!(a.header("content-type"), Some("application/json"));
        assert_eq!(
            a.header("content-length"),
            Some(a.body.len().to_string().as_str())
        );
        assert!(
            a.header("x-clerk-auth-status").is_none(),
            "signed-in answers carry no debug headers"
        );
        assert_eq!(
            a.body,
            r#"{"userId":"user_ok","sessionId":"sess_1","orgId":"org_gw","orgRole":"org:admin","orgSlug":"plant-7","orgPermissions":["org:gateway:read","org:gateway:control"]}"#
        );

        // A token in the __session cookie, with Clerk's __client_uat: read
        // with the `cookies` feature, else ignored (the header alone counts).
        let cookie = format!(
            "Cookie: theme=dark; __client_uat={}; __session={}\r\n",
            T0 - 100,
            viewer_token()
        );
        let a = send(ctx.client, &request("GET", "/whoami", Some(&cookie))).await;
        if cfg!(feature = "cookies") {
            assert_eq!(a.status, 200, "{a:?}");
            assert_eq!(a.json_str("userId").as_deref(), Some("user_viewer"));
        } else {
            assert_eq!(a.status, 401, "{a:?}");
            assert_eq!(
                a.header("x-clerk-auth-reason"),
                Some("session-token-and-uat-missing")
            );
        }

        // v1 claims: organization fields copied as issued.
        let v1 = mint(
            DEMO_PRIVATE,
            &format!(
                r#"{{"sub":"user_v1","sid":"sess_v1","exp":{},"iat":{},"org_id":"org_v1","org_role":"org:member","org_slug":"old","org_permissions":["org:gateway:control"]}}"#,
                T0 + 600,
                T0 - 5
            ),
        );
        let a = send(ctx.client, &get("/whoami", Some(&v1))).await;
        assert_eq!(a.status, 200, "{a:?}");
        assert!(a.body.contains(r#""orgRole":"org:member""#), "{a:?}");
        assert!(
            a.body
                .contains(r#""orgPermissions":["org:gateway:control"]"#),
            "{a:?}"
        );

        // A user without an organization.
        let no_org = mint(
            DEMO_PRIVATE,
            &format!(r#"{{"sub":"user_solo","exp":{},"v":2}}"#, T0 + 600),
        );
        let a = send(ctx.client, &get("/whoami", Some(&no_org))).await;
        assert_eq!(a.status, 200, "{a:?}");
        assert!(
            a.body.contains(r#""orgId":null"#) && a.body.contains(r#""orgPermissions":[]"#),
            "{a:?}"
        );

        // HEAD: same head, no body.
        let a = send(ctx.client, &request("HEAD", "/status", None)).await;
        assert_eq!(a.status, 200, "{a:?}");
        assert!(a.body.is_empty());
        assert_ne!(a.header("content-length"), Some("0"));
    });
}

#[test]
fn bad_tokens_get_401_with_clerks_headers() {
    run(Setup::default(), async |ctx| {
        ctx.wait_clock().await;
        // `message`: a part it must contain; None: there must be none.
        let check = async |req: Vec<u8>, reason: &str, message: Option<&str>| {
            let a = send(ctx.client, &req).await;
            assert_eq!(a.status, 401, "{a:?}");
            assert_eq!(a.header("x-clerk-auth-status"), Some("signed-out"), "{a:?}");
            assert_eq!(a.header("x-clerk-auth-reason"), Some(reason), "{a:?}");
            match message {
                Some(m) => {
                    let got = a
                        .header("x-clerk-auth-message")
                        .unwrap_or_else(|| panic!("no message: {a:?}"));
                    assert!(got.contains(m), "{got:?} should contain {m:?}");
                }
                None => assert!(a.header("x-clerk-auth-message").is_none(), "{a:?}"),
            }
            assert_eq!(a.header("www-authenticate"), Some("Bearer"));
            a
        };

        let expired = mint(
            DEMO_PRIVATE,
            &v2_claims("user_ok", "o:gateway", "read,control", "3", T0 - 60),
        );
        let a = check(
            get("/whoami", Some(&expired)),
            "session-token-expired-refresh-non-eligible-no-refresh-cookie",
            Some("(reason=token-expired, token-carrier=header)"),
        )
        .await;
        assert!(
            a.header("x-clerk-auth-message")
                .unwrap()
                .starts_with("JWT is expired. Expiry date: ")
        );
        check(
            post("/relay/on", Some(&expired)),
            "session-token-expired-refresh-non-eligible-non-get",
            Some("JWT is expired."),
        )
        .await;

        let wrong_key = mint(
            OTHER_PRIVATE,
            &v2_claims("user_ok", "o:gateway", "read,control", "3", T0 + 600),
        );
        check(
            get("/whoami", Some(&wrong_key)),
            "token-invalid-signature",
            Some(
                "JWT signature is invalid. (reason=token-invalid-signature, token-carrier=header)",
            ),
        )
        .await;

        // Tampered payload, original signature.
        let good = operator_token();
        let parts: Vec<&str> = good.split('.').collect();
        let forged_claims = v2_claims("user_admin", "o:gateway", "read,control", "3", T0 + 600);
        let forged = format!(
            "{}.{}.{}",
            parts[0],
            <base64ct::Base64UrlUnpadded as base64ct::Encoding>::encode_string(
                forged_claims.as_bytes()
            ),
            parts[2]
        );
        check(
            get("/whoami", Some(&forged)),
            "token-invalid-signature",
            Some("JWT signature is invalid"),
        )
        .await;

        check(
            get("/whoami", Some("not-a-jwt")),
            "token-invalid",
            Some("Invalid JWT form. A JWT consists of three parts separated by dots."),
        )
        .await;
        check(
            get("/whoami", Some("abc.d!f.ghi")),
            "token-invalid",
            Some("(reason=token-invalid, token-carrier=header)"),
        )
        .await;
        // Cookie path: Clerk wants __client_uat beside __session.
        #[cfg(feature = "cookies")]
        {
            let cookie = format!("Cookie: __session={}\r\n", operator_token());
            check(
                request("GET", "/whoami", Some(&cookie)),
                "session-token-but-no-client-uat",
                None,
            )
            .await;
            let cookie = format!(
                "Cookie: __client_uat={}; __session={wrong_key}\r\n",
                T0 - 100
            );
            check(
                request("GET", "/whoami", Some(&cookie)),
                "token-invalid-signature",
                Some("(reason=token-invalid-signature, token-carrier=cookie)"),
            )
            .await;
        }

        let not_yet = mint(
            DEMO_PRIVATE,
            &format!(
                r#"{{"sub":"user_ok","exp":{},"nbf":{},"iat":{}}}"#,
                T0 + 900,
                T0 + 600,
                T0
            ),
        );
        check(
            get("/whoami", Some(&not_yet)),
            "session-token-nbf",
            Some("token-not-active-yet"),
        )
        .await;

        let no_sub = mint(DEMO_PRIVATE, &format!(r#"{{"exp":{}}}"#, T0 + 600));
        check(
            get("/whoami", Some(&no_sub)),
            "token-verification-failed",
            Some("Subject claim (sub)"),
        )
        .await;

        check(get("/whoami", None), "session-token-and-uat-missing", None).await;
        check(
            request("GET", "/whoami", Some("Authorization: Basic dTpw\r\n")),
            "session-token-and-uat-missing",
            None,
        )
        .await;

        // A machine token is not a session.
        let machine = mint(
            DEMO_PRIVATE,
            &format!(r#"{{"sub":"mch_robot","exp":{}}}"#, T0 + 600),
        );
        check(get("/whoami", Some(&machine)), "token-type-mismatch", None).await;
    });
}

#[test]
fn the_bearer_scheme_is_case_insensitive() {
    // A documented difference from Clerk (which ignores `bearer` and falls
    // back to cookies): RFC 9110 makes the scheme case-insensitive.
    run(Setup::default(), async |ctx| {
        ctx.wait_clock().await;
        let lower = format!("Authorization: bearer {}\r\n", operator_token());
        let a = send(ctx.client, &request("GET", "/whoami", Some(&lower))).await;
        assert_eq!(a.status, 200, "{a:?}");
    });
}

#[test]
fn the_relay_needs_the_organization_permission() {
    run(Setup::default(), async |ctx| {
        ctx.wait_clock().await;
        let a = send(ctx.client, &post("/relay/on", Some(&operator_token()))).await;
        assert_eq!(a.status, 200, "{a:?}");
        assert_eq!(a.body, r#"{"relay":"on","userId":"user_ok"}"#);
        assert_eq!(*ctx.relay.borrow(), [true]);
        assert!(ctx.gateway.relay_is_on());

        let a = send(ctx.client, &post("/relay/off", Some(&viewer_token()))).await;
        assert_eq!(a.status, 403, "{a:?}");
        assert!(a.body.contains(PERMISSION), "{a:?}");
        assert_eq!(
            *ctx.relay.borrow(),
            [true],
            "a 403 must not touch the relay"
        );

        // Malformed `fea` (Clerk's toAuth() throws): no permissions at all.
        let malformed = mint(
            DEMO_PRIVATE,
            &v2_claims("user_ok", "gateway", "read,control", "3", T0 + 600),
        );
        let a = send(ctx.client, &post("/relay/off", Some(&malformed))).await;
        assert_eq!(a.status, 403, "{a:?}");

        // A body is read and discarded, `Expect: 100-continue` honoured.
        let with_body = format!(
            "POST /relay/off HTTP/1.1\r\nHost: gw\r\nAuthorization: Bearer {}\r\nContent-Length: 11\r\nExpect: 100-continue\r\n\r\n{{\"why\":\"x\"}}",
            operator_token()
        );
        let a = send(ctx.client, with_body.as_bytes()).await;
        assert_eq!(a.status, 200, "{a:?}");
        assert_eq!(*ctx.relay.borrow(), [true, false]);
        assert!(!ctx.gateway.relay_is_on());

        let a = send(ctx.client, &post("/relay/on", None)).await;
        assert_eq!(a.status, 401, "{a:?}");
        let a = send(ctx.client, &get("/relay/on", Some(&operator_token()))).await;
        assert_eq!(a.status, 405, "{a:?}");
        assert_eq!(a.header("allow"), Some("POST"));
        assert_eq!(*ctx.relay.borrow(), [true, false]);
    });
}

#[test]
fn malformed_and_oversized_requests() {
    run(Setup::default(), async |ctx| {
        ctx.wait_clock().await;
        let status = async |raw: &[u8]| send(ctx.client, raw).await.status;
        assert_eq!(status(b"HELLO\r\n\r\n").await, 400);
        assert_eq!(status(b"GET /status HTTP/9.9\r\n\r\n").await, 400);
        assert_eq!(
            status(b"GET /status HTTP/1.1\r\nNo-Colon\r\n\r\n").await,
            400
        );
        assert_eq!(
            status(b"GET /status HTTP/1.1\r\nContent-Length: -1\r\n\r\n").await,
            400
        );
        assert_eq!(status(b"GET nothing HTTP/1.1\r\n\r\n").await, 400);
        assert_eq!(status(&request("GET", "/nowhere", None)).await, 404);
        let a = send(ctx.client, &request("DELETE", "/whoami", None)).await;
        assert_eq!(
            (a.status, a.header("allow")),
            (405, Some("GET, HEAD")),
            "{a:?}"
        );
        assert_eq!(status(&request("PUT", "/status", None)).await, 405);
        assert_eq!(
            status(&request(
                "POST",
                "/relay/on",
                Some("Content-Length: 100000\r\n")
            ))
            .await,
            413
        );
        assert_eq!(
            status(&request(
                "POST",
                "/relay/on",
                Some("Transfer-Encoding: chunked\r\n")
            ))
            .await,
            501
        );

        // A 64 KB header: 431, and the client gets to read it.
        let huge = format!("X-Filler: {}\r\n", "a".repeat(64 * 1024));
        assert_eq!(status(&request("GET", "/status", Some(&huge))).await, 431);
        // Many small headers past the limit.
        let many: String = (0..40).map(|i| format!("X-{i}: y\r\n")).collect();
        assert_eq!(status(&request("GET", "/status", Some(&many))).await, 431);
        // A target longer than the whole buffer.
        let long_path = format!("/{}", "p".repeat(4000));
        assert_eq!(status(&request("GET", &long_path, None)).await, 414);

        // A token too long for the head buffer: 431, never a crash.
        let big_token = mint(
            DEMO_PRIVATE,
            &format!(r#"{{"sub":"{}","exp":{}}}"#, "u".repeat(2000), T0 + 600),
        );
        assert_eq!(status(&get("/whoami", Some(&big_token))).await, 431);

        // Still serving.
        assert_eq!(status(&get("/whoami", Some(&operator_token()))).await, 200);
    });
}

#[test]
fn a_request_sent_one_byte_at_a_time() {
    // The whole-request deadline guards against slow clients; this test is
    // about fragmentation, not speed, so it gets a generous one.
    let mut config = Config::new(PERMISSION);
    config.request_timeout = Duration::from_secs(100);
    let setup = Setup {
        config,
        ..Setup::default()
    };
    run(setup, async |ctx| {
        ctx.wait_clock().await;
        let raw = get("/whoami", Some(&operator_token()));
        let mut rx = vec![0u8; 4096];
        let mut tx = vec![0u8; 4096];
        let mut socket = connect(ctx.client, &mut rx, &mut tx).await;
        socket.set_nagle_enabled(false);
        for byte in &raw {
            socket.write_all(std::slice::from_ref(byte)).await.unwrap();
            // Let the stack send it before the next one: one byte per segment.
            Timer::after_millis(1).await;
        }
        let a = parse_answer(&read_to_end(&mut socket).await);
        assert_eq!(a.status, 200, "{a:?}");
        assert_eq!(a.json_str("userId").as_deref(), Some("user_ok"));
    });
}

#[test]
fn a_stalled_client_gets_408_and_frees_its_socket() {
    let mut config = Config::new(PERMISSION);
    config.idle_timeout = Duration::from_millis(300);
    config.request_timeout = Duration::from_secs(3);
    let setup = Setup {
        config,
        ..Setup::default()
    };
    run(setup, async |ctx| {
        ctx.wait_clock().await;
        // Half a request, then silence.
        let mut rx = vec![0u8; 4096];
        let mut tx = vec![0u8; 4096];
        let mut socket = connect(ctx.client, &mut rx, &mut tx).await;
        socket
            .write_all(b"GET /whoami HTTP/1.1\r\nHost: gw\r\nAuthor")
            .await
            .unwrap();
        let a = parse_answer(&read_to_end(&mut socket).await);
        assert_eq!(a.status, 408, "{a:?}");
        drop(socket);

        // A client trickling bytes forever hits the whole-request deadline.
        let mut socket = connect(ctx.client, &mut rx, &mut tx).await;
        let (mut reader, mut writer) = socket.split();
        let trickle = async {
            for _ in 0..100 {
                if writer.write_all(b"X").await.is_err() {
                    break;
                }
                Timer::after_millis(100).await;
            }
        };
        let read = async {
            let mut out = Vec::new();
            let mut buf = [0u8; 256];
            while let Ok(n @ 1..) = reader.read(&mut buf).await {
                out.extend_from_slice(&buf[..n]);
            }
            out
        };
        let (_, raw) = embassy_futures::select::select(read, trickle)
            .await
            .into_first_or_trickled();
        assert_eq!(parse_answer(&raw).status, 408);
        close(&mut socket).await;
        drop(socket);

        // Both sockets come back to the pool.
        while ctx.gateway.stats().active != 0 {
            Timer::after_millis(10).await;
        }
        let a = send(ctx.client, &get("/status", None)).await;
        assert_eq!(a.status, 200, "{a:?}");
    });
}

/// `select(read, trickle)`: the read finishes first (the gateway answers
/// 408 and closes while the trickle is still going).
trait FirstOrTrickled {
    fn into_first_or_trickled(self) -> ((), Vec<u8>);
}

impl<B> FirstOrTrickled for embassy_futures::select::Either<Vec<u8>, B> {
    fn into_first_or_trickled(self) -> ((), Vec<u8>) {
        match self {
            embassy_futures::select::Either::First(raw) => ((), raw),
            embassy_futures::select::Either::Second(_) => {
                panic!("the gateway never answered the trickling client")
            }
        }
    }
}

#[test]
fn more_clients_than_sockets() {
    run(Setup::default(), async |ctx| {
        ctx.wait_clock().await;
        let token = operator_token();
        let full = get("/whoami", Some(&token));
        let (start, end) = full.split_at(full.len() - 2);

        // Fill every socket with an unfinished request.
        let mut bufs: Vec<(Vec<u8>, Vec<u8>)> = (0..SOCKETS)
            .map(|_| (vec![0; 4096], vec![0; 4096]))
            .collect();
        let mut held: Vec<TcpSocket<'_>> = Vec::new();
        for (rx, tx) in bufs.iter_mut() {
            let mut s = connect(ctx.client, rx, tx).await;
            s.write_all(start).await.unwrap();
            s.flush().await.unwrap();
            held.push(s);
        }
        while ctx.gateway.stats().active < SOCKETS as u16 {
            Timer::after_millis(10).await;
        }
        assert_eq!(ctx.gateway.stats().active, SOCKETS as u16);

        // One more is refused while all are busy...
        let (mut rx5, mut tx5) = (vec![0u8; 4096], vec![0u8; 4096]);
        let mut extra = TcpSocket::new(ctx.client, &mut rx5, &mut tx5);
        assert!(
            !try_connect(&mut extra).await,
            "a fifth connection must not be accepted"
        );
        drop(extra);

        // ...the held requests complete, in reverse order, and all succeed.
        for s in held.iter_mut().rev() {
            s.write_all(end).await.unwrap();
        }
        for s in held.iter_mut() {
            let a = parse_answer(&read_to_end(s).await);
            assert_eq!(a.status, 200, "{a:?}");
        }
        drop(held);

        // Twice as many simultaneous clients as sockets, retrying when
        // refused: all are served, never more than the pool at once.
        let answers = join_array([(); 2 * SOCKETS].map(|()| send(ctx.client, &full))).await;
        for a in &answers {
            assert_eq!(a.status, 200, "{a:?}");
        }
        let stats = ctx.gateway.stats();
        assert_eq!(stats.peak, SOCKETS as u16, "{stats:?}");
        assert_eq!(stats.served, 3 * SOCKETS as u32, "{stats:?}");
    });
}
