//! Gateway firmware for the Nucleo-F767ZI: HTTP on port 80 over the board's
//! Ethernet (LAN8742A PHY, RMII), served by the board-independent
//! `clerk-edge-gateway` app; Clerk session tokens are verified on the chip.
//!
//! Boot: clocks (216 MHz from the ST-LINK's 8 MHz), RNG seed, Ethernet and
//! embassy-net (DHCP or a static address, see build.rs), the jwtKey loaded
//! once (from the modulus build.rs extracted), then one task for the
//! network stack, one for SNTP and a fixed pool of HTTP socket tasks. The
//! green LED (LD1, PB0) stands in for the relay.
#![no_std]
#![no_main]

use clerk_edge::request::{Authenticator, NoInstance};
use clerk_edge::{JwtKey, Verifier, VerifyOptions};
use clerk_edge_gateway::{Config, Gateway, Relay, SntpConfig, sntp};
use defmt::{error, info, warn};
use embassy_executor::Spawner;
use embassy_net::{IpAddress, IpEndpoint, Ipv4Address, Ipv4Cidr, Stack, StackResources};
use embassy_stm32::eth::{Ethernet, GenericPhy, PacketQueue, Sma};
use embassy_stm32::gpio::{Level, Output, Speed};
use embassy_stm32::peripherals::{ETH, ETH_SMA};
use embassy_stm32::rng::Rng;
use embassy_stm32::time::Hertz;
use embassy_stm32::{bind_interrupts, eth, peripherals, rng};
use static_cell::{ConstStaticCell, StaticCell};
use {defmt_rtt as _, panic_probe as _};

mod mem;

/// Settings compiled in by build.rs from the build environment.
mod provisioned {
    include!(concat!(env!("OUT_DIR"), "/provisioned.rs"));
}

/// HTTP sockets served at once (one task each). A client beyond that is
/// refused (TCP reset) until one is free.
const SOCKETS: usize = 4;
/// TCP receive and transmit buffers per socket: small windows cost round
/// trips on a LAN, not correctness (requests are copied out as they come,
/// answers written in pieces).
const TCP_RX: usize = 384;
const TCP_TX: usize = 256;
/// Request head limit per socket (a larger head gets 431); the answer is
/// written into the same buffer.
const REQUEST_BUF: usize = 1536;
/// One scratch buffer shared by all sockets (authenticating never awaits):
/// token decoding plus room to compose an answer.
const SCRATCH: usize = clerk_edge_gateway::scratch_len(REQUEST_BUF);
/// The HTTP sockets, SNTP, and the DHCP client when it is built in.
const NET_SOCKETS: usize = SOCKETS + 1 + cfg!(feature = "dhcp") as usize;

bind_interrupts!(struct Irqs {
    ETH => eth::InterruptHandler;
    RNG => rng::InterruptHandler<peripherals::RNG>;
});

type Device = Ethernet<'static, ETH, GenericPhy<Sma<'static, ETH_SMA>>>;
type App = Gateway<'static, LedRelay, NoInstance>;

/// The "relay": the board's green LED.
struct LedRelay(Output<'static>);

impl Relay for LedRelay {
    fn set(&mut self, on: bool) {
        self.0.set_level(if on { Level::High } else { Level::Low });
    }
}

/// Loads the jwtKey once, into a static, from the modulus, exponent and
/// `kid` that build.rs took from `CLERK_JWT_KEY` with the core's own loader
/// (which explained any error at build time), so the text parsers are not
/// in the firmware. A failure here cannot come from the key; stop rather
/// than serve.
fn load_key() -> &'static [JwtKey] {
    static KEYS: StaticCell<[JwtKey; 1]> = StaticCell::new();
    let key = JwtKey::from_modulus(&provisioned::JWT_KEY_MODULUS, provisioned::JWT_KEY_EXPONENT)
        .and_then(|key| match provisioned::JWT_KEY_KID {
            "" => Ok(key),
            kid => key.with_kid(kid),
        });
    match key {
        Ok(key) => KEYS.init([key]),
        Err(_) => {
            error!("the jwtKey does not load (it did at build time); halting");
            loop {
                cortex_m::asm::wfi();
            }
        }
    }
}

#[embassy_executor::task]
async fn net_task(mut runner: embassy_net::Runner<'static, Device>) -> ! {
    runner.run().await
}

#[embassy_executor::task]
async fn sntp_task(stack: Stack<'static>, app: &'static App) -> ! {
    let [a, b, c, d] = provisioned::SNTP_SERVER;
    let server = IpEndpoint::new(IpAddress::v4(a, b, c, d), sntp::NTP_PORT);
    sntp::run(stack, app.clock(), &SntpConfig::new(server)).await
}

#[embassy_executor::task(pool_size = SOCKETS)]
async fn http_task(stack: Stack<'static>, app: &'static App) -> ! {
    let mut rx = [0u8; TCP_RX];
    let mut tx = [0u8; TCP_TX];
    let mut buf = [0u8; REQUEST_BUF];
    app.serve(stack, &mut rx, &mut tx, &mut buf).await
}

#[embassy_executor::main]
async fn main(spawner: Spawner) -> ! {
    let mut config = embassy_stm32::Config::default();
    {
        use embassy_stm32::rcc::*;
        // The ST-LINK feeds 8 MHz on the HSE input (bypass); 216 MHz core.
        config.rcc.hse = Some(Hse {
            freq: Hertz(8_000_000),
            mode: HseMode::Bypass,
        });
        config.rcc.pll_src = PllSource::HSE;
        config.rcc.pll = Some(Pll {
            prediv: PllPreDiv::DIV4,
            mul: PllMul::MUL216,
            divp: Some(PllPDiv::DIV2),
            divq: None,
            divr: None,
        });
        config.rcc.ahb_pre = AHBPrescaler::DIV1;
        config.rcc.apb1_pre = APBPrescaler::DIV4;
        config.rcc.apb2_pre = APBPrescaler::DIV2;
        config.rcc.sys = Sysclk::PLL1_P;
    }
    let p = embassy_stm32::init(config);
    info!("clerk-edge gateway, Nucleo-F767ZI");

    // The jwtKey, parsed once.
    if provisioned::JWT_KEY_IS_DEMO {
        for _ in 0..3 {
            warn!(
                "!!! DEMO jwtKey: this firmware trusts the PUBLIC demo key from demo-keys/. Anyone can mint tokens for it. Build with CLERK_JWT_KEY set for real use. !!!"
            );
        }
    }
    let keys = load_key();
    let options = VerifyOptions {
        authorized_parties: provisioned::AUTHORIZED_PARTIES,
        ..VerifyOptions::default()
    };
    // No publishable key on the device: unsuffixed cookies, no handshake
    // (and none of that code in the firmware).
    let authenticator = Authenticator::without_instance(Verifier::new(keys, options));

    // Randomness for the TCP/IP stack (initial sequence numbers, ports).
    let mut rng = Rng::new(p.RNG, Irqs);
    let mut seed = [0u8; 8];
    rng.fill_bytes(&mut seed);

    // A locally administered MAC from the chip's unique id.
    let uid = embassy_stm32::uid::uid();
    let mac = [
        0x02,
        uid[0] ^ uid[6],
        uid[1] ^ uid[7],
        uid[2] ^ uid[8],
        uid[3] ^ uid[9],
        uid[4] ^ uid[10] ^ uid[11],
    ];

    static PACKETS: StaticCell<PacketQueue<1, 2>> = StaticCell::new();
    // The Nucleo's LAN8742A answers at SMI address 0.
    let phy = GenericPhy::new(Sma::new(p.ETH_SMA, p.PA2, p.PC1), 0);
    let device = Ethernet::new_with_phy(
        PACKETS.init(PacketQueue::new()),
        p.ETH,
        Irqs,
        p.PA1,  // REF_CLK
        p.PA7,  // CRS_DV
        p.PC4,  // RXD0
        p.PC5,  // RXD1
        p.PG13, // TXD0
        p.PB13, // TXD1
        p.PG11, // TX_EN
        mac,
        phy,
    );

    let net_config = match provisioned::STATIC_IPV4 {
        Some(([a, b, c, d], len, router)) => {
            info!("network: static {}.{}.{}.{}/{}", a, b, c, d, len);
            embassy_net::Config::ipv4_static(embassy_net::StaticConfigV4 {
                address: Ipv4Cidr::new(Ipv4Address::new(a, b, c, d), len),
                gateway: router.map(|[a, b, c, d]| Ipv4Address::new(a, b, c, d)),
                dns_servers: heapless::Vec::new(),
            })
        }
        #[cfg(feature = "dhcp")]
        None => {
            info!("network: DHCP");
            embassy_net::Config::dhcpv4(Default::default())
        }
        // build.rs refuses a build without DHCP and without GATEWAY_IPV4.
        #[cfg(not(feature = "dhcp"))]
        None => embassy_net::Config::default(),
    };
    static RESOURCES: StaticCell<StackResources<NET_SOCKETS>> = StaticCell::new();
    let (stack, runner) = embassy_net::new(
        device,
        net_config,
        RESOURCES.init(StackResources::new()),
        u64::from_le_bytes(seed),
    );

    static SCRATCH_BUF: ConstStaticCell<[u8; SCRATCH]> = ConstStaticCell::new([0; SCRATCH]);
    let mut app_config = Config::new(provisioned::RELAY_PERMISSION);
    app_config.demo_key = provisioned::JWT_KEY_IS_DEMO;
    let relay = LedRelay(Output::new(p.PB0, Level::Low, Speed::Low));
    static APP: StaticCell<App> = StaticCell::new();
    let app: &'static App = APP.init(Gateway::new(
        authenticator,
        app_config,
        SCRATCH_BUF.take(),
        relay,
    ));

    spawner.spawn(defmt::unwrap!(net_task(runner)));
    spawner.spawn(defmt::unwrap!(sntp_task(stack, app)));
    for _ in 0..SOCKETS {
        spawner.spawn(defmt::unwrap!(http_task(stack, app)));
    }

    stack.wait_config_up().await;
    if let Some(v4) = stack.config_v4() {
        info!(
            "serving http://{}/ (GET /status, GET /whoami, POST /relay/on|off)",
            v4.address.address()
        );
    }
    core::future::pending().await
}
