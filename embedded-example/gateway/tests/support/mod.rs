//! Test harness: the gateway app on one embassy-net stack, a client stack
//! beside it, joined by an in-memory Ethernet link (two
//! `embassy-net-driver-channel` devices and a task copying frames between
//! them), an SNTP responder on the client side, and helpers to mint tokens
//! and send raw HTTP. Everything runs in one future on the test's thread.
#![allow(
    dead_code,
    clippy::unwrap_used,
    clippy::expect_used,
    clippy::indexing_slicing,
    clippy::panic
)]

use base64ct::{Base64UrlUnpadded, Encoding};
use clerk_edge::request::Authenticator;
use clerk_edge::{JwtKey, Verifier, VerifyOptions};
use clerk_edge_gateway::{Config, Gateway, Relay, SntpConfig, sntp};
use embassy_futures::join::{join, join4, join5};
use embassy_futures::select::{Either, select};
use embassy_net::tcp::{State, TcpSocket};
use embassy_net::udp::{PacketMetadata, UdpSocket};
use embassy_net::{IpEndpoint, Ipv4Address, Ipv4Cidr, Stack, StackResources, StaticConfigV4};
use embassy_net_driver_channel as ch;
use embassy_time::{Duration, Instant, Timer, with_timeout};
use rsa::pkcs8::DecodePrivateKey;
use rsa::signature::{SignatureEncoding, Signer};
use std::cell::{Cell, RefCell};

pub const MTU: usize = 1514;
pub const GATEWAY_IP: Ipv4Address = Ipv4Address::new(192, 0, 2, 2);
pub const CLIENT_IP: Ipv4Address = Ipv4Address::new(192, 0, 2, 1);
/// The Unix time (s) the test's SNTP server reports when the test starts.
pub const T0: i64 = 1_767_225_600;
/// The permission the relay needs.
pub const PERMISSION: &str = "org:gateway:control";

/// Same per-socket sizes as the firmware.
pub const SOCKETS: usize = 4;
pub const TCP_RX: usize = 512;
pub const TCP_TX: usize = 512;
pub const REQUEST_BUF: usize = 1536;

pub const DEMO_PUBLIC: &str = include_str!("../../../../demo-keys/demo.public.pem");
pub const DEMO_PRIVATE: &str = include_str!("../../../../demo-keys/demo.private.pem");
pub const OTHER_PRIVATE: &str = include_str!("../data/other.private.pem");

/// Records what the gateway did to its relay.
pub struct TestRelay<'a>(pub &'a RefCell<Vec<bool>>);

impl Relay for TestRelay<'_> {
    fn set(&mut self, on: bool) {
        self.0.borrow_mut().push(on);
    }
}

/// What a test body can reach.
pub struct Ctx<'a> {
    pub client: Stack<'a>,
    pub gateway: &'a Gateway<'a, TestRelay<'a>>,
    /// Whether the SNTP responder answers.
    pub sntp_on: &'a Cell<bool>,
    pub relay: &'a RefCell<Vec<bool>>,
}

impl Ctx<'_> {
    /// Waits until the gateway's clock is set (the responder must be on).
    pub async fn wait_clock(&self) {
        while !self.gateway.clock().is_set() {
            Timer::after_millis(20).await;
        }
    }
}

/// Test settings.
pub struct Setup {
    pub config: Config<'static>,
    pub sntp_on: bool,
}

impl Default for Setup {
    fn default() -> Self {
        Self {
            config: Config::new(PERMISSION),
            sntp_on: true,
        }
    }
}

fn static_ip(ip: Ipv4Address) -> embassy_net::Config {
    embassy_net::Config::ipv4_static(StaticConfigV4 {
        address: Ipv4Cidr::new(ip, 24),
        gateway: None,
        dns_servers: Default::default(),
    })
}

/// Copies frames from one device's transmit queue into the other's receive
/// queue, forever.
async fn forward(from: &mut ch::TxRunner<'_, MTU>, to: &mut ch::RxRunner<'_, MTU>) -> ! {
    loop {
        let frame = from.tx_buf().await;
        let slot = to.rx_buf().await;
        let n = frame.len().min(slot.len());
        slot[..n].copy_from_slice(&frame[..n]);
        to.rx_done(n);
        from.tx_done();
    }
}

/// Answers SNTP requests with T0 + time since `start`, when `on`.
async fn sntp_responder(stack: Stack<'_>, on: &Cell<bool>, start: Instant) -> ! {
    let mut rx_meta = [PacketMetadata::EMPTY; 4];
    let mut rx_buf = [0u8; 512];
    let mut tx_meta = [PacketMetadata::EMPTY; 4];
    let mut tx_buf = [0u8; 512];
    let mut socket = UdpSocket::new(stack, &mut rx_meta, &mut rx_buf, &mut tx_meta, &mut tx_buf);
    socket.bind(123).unwrap();
    let mut packet = [0u8; 128];
    loop {
        let (n, meta) = socket.recv_from(&mut packet).await.unwrap();
        if !on.get() || n < 48 || packet[0] & 0b111 != 3 {
            continue;
        }
        let elapsed_ms = start.elapsed().as_millis() as i64;
        let now_ms = T0 * 1000 + elapsed_ms;
        // NTP: seconds since 1900 and a 32-bit fraction.
        let secs = (now_ms / 1000 + 2_208_988_800) as u64;
        let frac = (((now_ms % 1000) as u64) << 32) / 1000;
        let now_ntp = (secs << 32 | frac).to_be_bytes();
        let mut reply = [0u8; 48];
        reply[0] = 0b00_100_100; // LI 0, version 4, mode 4 (server)
        reply[1] = 1; // stratum 1
        reply[12..16].copy_from_slice(b"TEST");
        reply[16..24].copy_from_slice(&now_ntp); // reference
        reply[24..32].copy_from_slice(&packet[40..48]); // originate = their transmit
        reply[32..40].copy_from_slice(&now_ntp); // receive
        reply[40..48].copy_from_slice(&now_ntp); // transmit
        socket.send_to(&reply, meta.endpoint).await.unwrap();
    }
}

/// Builds the network, the gateway (4 sockets, SNTP client) and runs `test`
/// against it. Panics if `test` takes more than two minutes (a hang guard,
/// not a speed check).
pub fn run(setup: Setup, test: impl AsyncFnOnce(&Ctx<'_>)) {
    pollster::block_on(Box::pin(async move {
        let mut link_gw = ch::State::<MTU, 8, 8>::new();
        let mut link_client = ch::State::<MTU, 8, 8>::new();
        let (wire_gw, dev_gw) = ch::new(
            &mut link_gw,
            ch::driver::HardwareAddress::Ethernet([2, 0, 0, 0, 0, 2]),
        );
        let (wire_client, dev_client) = ch::new(
            &mut link_client,
            ch::driver::HardwareAddress::Ethernet([2, 0, 0, 0, 0, 1]),
        );
        let (state_gw, mut rx_gw, mut tx_gw) = wire_gw.split();
        let (state_client, mut rx_client, mut tx_client) = wire_client.split();
        state_gw.set_link_state(ch::driver::LinkState::Up);
        state_client.set_link_state(ch::driver::LinkState::Up);

        let mut res_gw = StackResources::<{ SOCKETS + 2 }>::new();
        let mut res_client = StackResources::<24>::new();
        let (gw, mut gw_runner) =
            embassy_net::new(dev_gw, static_ip(GATEWAY_IP), &mut res_gw, 0x5eed_0001);
        let (client, mut client_runner) = embassy_net::new(
            dev_client,
            static_ip(CLIENT_IP),
            &mut res_client,
            0x5eed_0002,
        );

        let keys = [JwtKey::parse(DEMO_PUBLIC).expect("demo key loads")];
        let authenticator =
            Authenticator::new(Verifier::new(&keys, VerifyOptions::default()), None);
        let mut scratch = vec![0u8; clerk_edge_gateway::scratch_len(REQUEST_BUF)];
        let relay_log = RefCell::new(Vec::new());
        let gateway = Gateway::new(
            authenticator,
            setup.config,
            &mut scratch,
            TestRelay(&relay_log),
        );
        let sntp_on = Cell::new(setup.sntp_on);
        let sntp_config = SntpConfig {
            interval: Duration::from_secs(60),
            retry_min: Duration::from_millis(100),
            retry_max: Duration::from_millis(300),
            timeout: Duration::from_millis(300),
            ..SntpConfig::new(IpEndpoint::new(CLIENT_IP.into(), sntp::NTP_PORT))
        };

        let mut bufs = vec![([0u8; TCP_RX], [0u8; TCP_TX], [0u8; REQUEST_BUF]); SOCKETS];
        let [b0, b1, b2, b3] = &mut bufs[..] else {
            unreachable!()
        };
        let servers = join4(
            gateway.serve(gw, &mut b0.0, &mut b0.1, &mut b0.2),
            gateway.serve(gw, &mut b1.0, &mut b1.1, &mut b1.2),
            gateway.serve(gw, &mut b2.0, &mut b2.1, &mut b2.2),
            gateway.serve(gw, &mut b3.0, &mut b3.1, &mut b3.2),
        );
        let infrastructure = join5(
            gw_runner.run(),
            client_runner.run(),
            join(
                forward(&mut tx_gw, &mut rx_client),
                forward(&mut tx_client, &mut rx_gw),
            ),
            servers,
            join(
                sntp::run(gw, gateway.clock(), &sntp_config),
                sntp_responder(client, &sntp_on, Instant::now()),
            ),
        );
        let ctx = Ctx {
            client,
            gateway: &gateway,
            sntp_on: &sntp_on,
            relay: &relay_log,
        };
        match select(
            infrastructure,
            with_timeout(Duration::from_secs(120), test(&ctx)),
        )
        .await
        {
            Either::First(_) => unreachable!(),
            Either::Second(done) => done.expect("the test hung"),
        }
    }));
}

/// An HTTP answer as the client saw it.
#[derive(Debug)]
pub struct Answer {
    pub status: u16,
    pub head: String,
    pub body: String,
}

impl Answer {
    pub fn header(&self, name: &str) -> Option<&str> {
        self.head.split("\r\n").skip(1).find_map(|line| {
            let (n, v) = line.split_once(':')?;
            n.trim().eq_ignore_ascii_case(name).then(|| v.trim())
        })
    }

    /// A string field of the JSON body, by plain text search (bodies are
    /// small and flat enough).
    pub fn json_str(&self, key: &str) -> Option<String> {
        let pat = format!("\"{key}\":\"");
        let start = self.body.find(&pat)? + pat.len();
        let end = self.body[start..].find('"')? + start;
        Some(self.body[start..end].to_owned())
    }
}

/// Reads a raw response stream (possibly after a `100 Continue`).
pub fn parse_answer(raw: &[u8]) -> Answer {
    let mut text = String::from_utf8(raw.to_vec()).expect("answer is UTF-8");
    while text.starts_with("HTTP/1.1 100 ") {
        let end = text.find("\r\n\r\n").expect("interim answer ends") + 4;
        text.drain(..end);
    }
    let (head, body) = text
        .split_once("\r\n\r\n")
        .unwrap_or_else(|| panic!("no head end in {text:?}"));
    let status = head
        .split(' ')
        .nth(1)
        .and_then(|s| s.parse().ok())
        .unwrap_or_else(|| panic!("no status in {head:?}"));
    Answer {
        status,
        head: head.to_owned(),
        body: body.to_owned(),
    }
}

/// A connected client socket with its own buffers.
pub struct Conn<'a> {
    pub socket: TcpSocket<'a>,
}

/// Connects to the gateway, retrying while it refuses (all sockets busy).
pub async fn connect<'a>(stack: Stack<'a>, rx: &'a mut [u8], tx: &'a mut [u8]) -> TcpSocket<'a> {
    let mut socket = TcpSocket::new(stack, rx, tx);
    for _ in 0..400 {
        match socket.connect((GATEWAY_IP, 80)).await {
            Ok(()) => return socket,
            Err(_) => {
                socket.abort();
                Timer::after_millis(25).await;
            }
        }
    }
    panic!("the gateway never accepted the connection");
}

/// One attempt to connect; `false` if refused.
pub async fn try_connect(socket: &mut TcpSocket<'_>) -> bool {
    socket.connect((GATEWAY_IP, 80)).await.is_ok()
}

/// Reads until the gateway closes, then closes our side properly.
pub async fn read_to_end(socket: &mut TcpSocket<'_>) -> Vec<u8> {
    let mut out = Vec::new();
    let mut buf = [0u8; 512];
    loop {
        match socket.read(&mut buf).await {
            Ok(0) | Err(_) => break,
            Ok(n) => out.extend_from_slice(&buf[..n]),
        }
    }
    close(socket).await;
    out
}

/// Sends FIN and waits (briefly) until the stack has sent it.
pub async fn close(socket: &mut TcpSocket<'_>) {
    socket.close();
    let until = Instant::now() + Duration::from_secs(2);
    while !matches!(socket.state(), State::Closed | State::TimeWait) && Instant::now() < until {
        Timer::after_millis(5).await;
    }
}

/// Sends `request` and returns the answer, writing and reading at once (the
/// gateway may answer before it has read everything).
pub async fn send(stack: Stack<'_>, request: &[u8]) -> Answer {
    let mut rx = vec![0u8; 4096];
    let mut tx = vec![0u8; 4096];
    let mut socket = connect(stack, &mut rx, &mut tx).await;
    let raw = {
        let (mut reader, mut writer) = socket.split();
        let write = async {
            let _ = embedded_io_async::Write::write_all(&mut writer, request).await;
        };
        let read = async {
            let mut out = Vec::new();
            let mut buf = [0u8; 512];
            loop {
                match reader.read(&mut buf).await {
                    Ok(0) | Err(_) => break,
                    Ok(n) => out.extend_from_slice(&buf[..n]),
                }
            }
            out
        };
        join(write, read).await.1
    };
    close(&mut socket).await;
    parse_answer(&raw)
}

/// `GET path` with an `Authorization: Bearer` token.
pub fn get(path: &str, token: Option<&str>) -> Vec<u8> {
    request(
        "GET",
        path,
        token
            .map(|t| format!("Authorization: Bearer {t}\r\n"))
            .as_deref(),
    )
}

/// `POST path` (empty body) with a Bearer token.
pub fn post(path: &str, token: Option<&str>) -> Vec<u8> {
    let auth = token
        .map(|t| format!("Authorization: Bearer {t}\r\n"))
        .unwrap_or_default();
    request("POST", path, Some(&format!("{auth}Content-Length: 0\r\n")))
}

pub fn request(method: &str, path: &str, extra_headers: Option<&str>) -> Vec<u8> {
    format!(
        "{method} {path} HTTP/1.1\r\nHost: 192.0.2.2\r\nUser-Agent: gateway-test\r\nAccept: */*\r\n{}\r\n",
        extra_headers.unwrap_or("")
    )
    .into_bytes()
}

/// Signs `claims` (a JSON object) as an RS256 session token with the PKCS#8
/// private key `pem`.
pub fn mint(pem: &str, claims: &str) -> String {
    let header = r#"{"alg":"RS256","cat":"cl_B7d4PD111AAA","kid":"ins_test","typ":"JWT"}"#;
    let signing_input = format!(
        "{}.{}",
        Base64UrlUnpadded::encode_string(header.as_bytes()),
        Base64UrlUnpadded::encode_string(claims.as_bytes())
    );
    let key = rsa::PrivateKey::from_pkcs8_pem(pem).expect("test key loads");
    let signer = rsa::pkcs1v15::SigningKey::<sha2::Sha256>::new(key);
    let signature = signer.sign(signing_input.as_bytes()).to_vec();
    format!(
        "{signing_input}.{}",
        Base64UrlUnpadded::encode_string(&signature)
    )
}

/// Claims of a v2 session token valid around T0, in org `org_gw` with the
/// features and permissions given.
pub fn v2_claims(sub: &str, fea: &str, per: &str, fpm: &str, exp: i64) -> String {
    format!(
        r#"{{"azp":"https://app.example.com","exp":{exp},"fea":"{fea}","fva":[3,-1],"iat":{iat},"iss":"https://clerk.example.com","jti":"t1","nbf":{nbf},"o":{{"fpm":"{fpm}","id":"org_gw","per":"{per}","rol":"admin","slg":"plant-7"}},"sid":"sess_1","sts":"active","sub":"{sub}","v":2}}"#,
        iat = T0 - 5,
        nbf = T0 - 10,
    )
}

/// A valid token for `user_ok` with `org:gateway:control` and
/// `org:gateway:read`.
pub fn operator_token() -> String {
    mint(
        DEMO_PRIVATE,
        &v2_claims(
            "user_ok",
            "o:gateway,u:premium",
            "read,control",
            "3",
            T0 + 600,
        ),
    )
}

/// A valid token for `user_viewer` with only `org:gateway:read`.
pub fn viewer_token() -> String {
    mint(
        DEMO_PRIVATE,
        &v2_claims("user_viewer", "o:gateway", "read,control", "1", T0 + 600),
    )
}
