//! A minimal SNTP client (RFC 4330) over an embassy-net UDP socket: sets the
//! [`Clock`] at boot, then again every [`SntpConfig::interval`].
//!
//! Replies are accepted only from the configured server, only in server mode,
//! only from a synchronised server (no kiss-o'-death, stratum 1 to 15), and
//! only when they echo the nonce we sent in our transmit timestamp, so an
//! off-path host cannot set the clock with a forged datagram.

use crate::clock::Clock;
use crate::log::{info, warning};
use embassy_net::udp::{PacketMetadata, UdpSocket};
use embassy_net::{IpEndpoint, Stack};
use embassy_time::{Duration, Instant, Timer, with_timeout};

/// The NTP port.
pub const NTP_PORT: u16 = 123;
/// Bytes in an NTP packet without extensions.
pub const PACKET_LEN: usize = 48;
/// Seconds from the NTP epoch (1900) to the Unix epoch (1970).
const NTP_TO_UNIX_SECS: i64 = 2_208_988_800;

/// Where and how often to ask for the time.
#[derive(Clone, Copy, Debug)]
pub struct SntpConfig {
    /// The server, usually port [`NTP_PORT`].
    pub server: IpEndpoint,
    /// Time between two successful synchronisations.
    pub interval: Duration,
    /// First delay after a failed attempt; doubled on each failure.
    pub retry_min: Duration,
    /// Longest delay between two failed attempts.
    pub retry_max: Duration,
    /// How long to wait for a reply.
    pub timeout: Duration,
}

impl SntpConfig {
    /// Defaults for `server`: resync every 15 minutes, retry after 2 s
    /// doubling up to a minute, 2 s reply timeout.
    pub const fn new(server: IpEndpoint) -> Self {
        Self {
            server,
            interval: Duration::from_secs(15 * 60),
            retry_min: Duration::from_secs(2),
            retry_max: Duration::from_secs(60),
            timeout: Duration::from_secs(2),
        }
    }
}

/// Why a reply was not used.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
#[cfg_attr(feature = "defmt", derive(defmt::Format))]
pub enum SntpError {
    /// Shorter than an NTP header.
    Short,
    /// Not a server-mode reply.
    NotServer,
    /// Stratum 0: a kiss-o'-death packet (the server asks us to back off).
    KissOfDeath,
    /// The server says its own clock is not synchronised.
    Unsynchronised,
    /// The reply does not echo our request's nonce.
    OriginMismatch,
    /// The reply carries no transmit time.
    NoTime,
}

/// A request packet whose transmit timestamp is `nonce` (the server echoes
/// it as the originate timestamp).
pub fn request(nonce: u64) -> [u8; PACKET_LEN] {
    let mut packet = [0u8; PACKET_LEN];
    // LI = 0, version 4, mode 3 (client).
    packet[0] = 0b00_100_011;
    packet[40..48].copy_from_slice(&nonce.to_be_bytes());
    packet
}

/// The server's receive and transmit timestamps (NTP 32.32 fixed point).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Reply {
    /// When the request reached the server.
    pub receive: u64,
    /// When the reply left the server.
    pub transmit: u64,
}

/// Checks a reply to the request that carried `nonce`.
pub fn parse_reply(packet: &[u8], nonce: u64) -> Result<Reply, SntpError> {
    let header: &[u8; PACKET_LEN] = packet
        .get(..PACKET_LEN)
        .and_then(|h| h.try_into().ok())
        .ok_or(SntpError::Short)?;
    let [flags, stratum, ..] = *header;
    let leap = flags >> 6;
    let mode = flags & 0b111;
    if mode != 4 {
        return Err(SntpError::NotServer);
    }
    if stratum == 0 {
        return Err(SntpError::KissOfDeath);
    }
    if leap == 3 || stratum > 15 {
        return Err(SntpError::Unsynchronised);
    }
    let timestamp = |at: usize| -> u64 {
        let mut bytes = [0u8; 8];
        if let Some(src) = header.get(at..at + 8) {
            bytes.copy_from_slice(src);
        }
        u64::from_be_bytes(bytes)
    };
    if timestamp(24) != nonce {
        return Err(SntpError::OriginMismatch);
    }
    let transmit = timestamp(40);
    if transmit == 0 {
        return Err(SntpError::NoTime);
    }
    Ok(Reply {
        receive: timestamp(32),
        transmit,
    })
}

/// Unix milliseconds for an NTP timestamp. Seconds below 2^31 are read as
/// NTP era 1 (from 2036 on), so the clock keeps working past the rollover.
pub fn ntp_to_unix_ms(timestamp: u64) -> i64 {
    let secs = i64::from((timestamp >> 32) as u32);
    let era = if secs < (1 << 31) { 1i64 << 32 } else { 0 };
    let frac_ms = (((timestamp & 0xffff_ffff) * 1000) >> 32) as i64;
    (secs + era - NTP_TO_UNIX_SECS) * 1000 + frac_ms
}

/// The NTP timestamp for Unix milliseconds (for servers and tests).
pub fn unix_ms_to_ntp(unix_ms: i64) -> u64 {
    let ms = unix_ms.rem_euclid(1000) as u64;
    let secs = unix_ms.div_euclid(1000) + NTP_TO_UNIX_SECS;
    ((secs as u64 & 0xffff_ffff) << 32) | ((ms << 32).div_ceil(1000))
}

/// Unix milliseconds at the instant the reply arrived, given our send and
/// receive instants: the server's transmit time plus half the network
/// round trip (the server's processing time excluded).
pub fn unix_ms_at_arrival(reply: &Reply, sent: Instant, arrived: Instant) -> i64 {
    let round_trip = arrived.saturating_duration_since(sent).as_millis() as i64;
    let server_busy = (ntp_to_unix_ms(reply.transmit) - ntp_to_unix_ms(reply.receive)).max(0);
    let one_way = ((round_trip - server_busy) / 2).max(0);
    ntp_to_unix_ms(reply.transmit) + one_way
}

/// Keeps `clock` set from `config.server`, forever.
pub async fn run(stack: Stack<'_>, clock: &Clock, config: &SntpConfig) -> ! {
    let mut rx_meta = [PacketMetadata::EMPTY; 2];
    let mut rx_buf = [0u8; 2 * PACKET_LEN];
    let mut tx_meta = [PacketMetadata::EMPTY; 1];
    let mut tx_buf = [0u8; PACKET_LEN];
    let mut socket = UdpSocket::new(stack, &mut rx_meta, &mut rx_buf, &mut tx_meta, &mut tx_buf);
    let mut backoff = config.retry_min;
    let mut counter: u64 = 0;
    loop {
        stack.wait_config_up().await;
        if !socket.is_open() && socket.bind(0).is_err() {
            warning!("sntp: cannot bind a UDP port");
            Timer::after(config.retry_max).await;
            continue;
        }
        counter = counter.wrapping_add(1);
        match exchange(&mut socket, config, counter).await {
            Ok(unix_ms) => {
                let first = !clock.is_set();
                clock.set(unix_ms, Instant::now());
                if first {
                    info!("sntp: clock set, unix time {} s", unix_ms / 1000);
                }
                backoff = config.retry_min;
                Timer::after(config.interval).await;
            }
            Err(e) => {
                warning!(
                    "sntp: no usable reply ({}), retrying in {} s",
                    e.as_str(),
                    backoff.as_secs()
                );
                Timer::after(backoff).await;
                backoff = (backoff * 2).min(config.retry_max);
            }
        }
    }
}

/// Why an attempt failed, for the log.
#[derive(Clone, Copy, Debug)]
enum Attempt {
    Send,
    Timeout,
    Reply(SntpError),
}

impl Attempt {
    fn as_str(self) -> &'static str {
        match self {
            Attempt::Send => "send failed",
            Attempt::Timeout => "timeout",
            Attempt::Reply(SntpError::KissOfDeath) => "kiss-o'-death",
            Attempt::Reply(SntpError::Unsynchronised) => "server unsynchronised",
            Attempt::Reply(_) => "malformed reply",
        }
    }
}

/// One request and its reply: the Unix time at the moment the reply came.
async fn exchange(
    socket: &mut UdpSocket<'_>,
    config: &SntpConfig,
    counter: u64,
) -> Result<i64, Attempt> {
    // The nonce only has to be unpredictable to an off-path host and unique
    // per request: uptime ticks mixed with a counter.
    let nonce =
        Instant::now().as_ticks().rotate_left(17) ^ counter.wrapping_mul(0x9e37_79b9_7f4a_7c15);
    let sent = Instant::now();
    socket
        .send_to(&request(nonce), config.server)
        .await
        .map_err(|_| Attempt::Send)?;
    let deadline = sent + config.timeout;
    let mut packet = [0u8; PACKET_LEN];
    let mut last = Attempt::Timeout;
    loop {
        let left = deadline.saturating_duration_since(Instant::now());
        let Ok(received) = with_timeout(left, socket.recv_from(&mut packet)).await else {
            return Err(last);
        };
        let arrived = Instant::now();
        let Ok((len, meta)) = received else { continue };
        if meta.endpoint != config.server {
            continue;
        }
        match parse_reply(packet.get(..len).unwrap_or(&[]), nonce) {
            Ok(reply) => return Ok(unix_ms_at_arrival(&reply, sent, arrived)),
            // A stale or forged packet: keep waiting for the real one.
            Err(SntpError::OriginMismatch) => {}
            Err(e) => last = Attempt::Reply(e),
        }
    }
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used, clippy::indexing_slicing)]
    use super::*;

    fn reply(nonce: u64, transmit: u64) -> [u8; PACKET_LEN] {
        let mut p = [0u8; PACKET_LEN];
        p[0] = 0b00_100_100;
        p[1] = 2;
        p[24..32].copy_from_slice(&nonce.to_be_bytes());
        p[32..40].copy_from_slice(&transmit.to_be_bytes());
        p[40..48].copy_from_slice(&transmit.to_be_bytes());
        p
    }

    #[test]
    fn request_is_a_v4_client_packet_carrying_the_nonce() {
        let p = request(0x0102_0304_0506_0708);
        assert_eq!(p[0], 0x23);
        assert_eq!(&p[40..48], &[1, 2, 3, 4, 5, 6, 7, 8]);
    }

    #[test]
    fn timestamps_round_trip() {
        for ms in [
            0i64,
            1_767_225_600_123,
            2_085_978_495_999,
            2_085_978_496_000,
            4_000_000_000_000,
        ] {
            assert_eq!(ntp_to_unix_ms(unix_ms_to_ntp(ms)), ms, "{ms}");
        }
        // 1 Jan 2026, straight from the NTP seconds.
        assert_eq!(ntp_to_unix_ms(3_976_214_400u64 << 32), 1_767_225_600_000);
    }

    #[test]
    fn replies_are_checked() {
        let t = unix_ms_to_ntp(1_767_225_600_000);
        assert_eq!(parse_reply(&reply(7, t), 7).unwrap().transmit, t);
        assert_eq!(parse_reply(&reply(7, t), 8), Err(SntpError::OriginMismatch));
        assert_eq!(parse_reply(&reply(7, t)[..47], 7), Err(SntpError::Short));
        let mut kod = reply(7, t);
        kod[1] = 0;
        assert_eq!(parse_reply(&kod, 7), Err(SntpError::KissOfDeath));
        let mut client = reply(7, t);
        client[0] = 0x23;
        assert_eq!(parse_reply(&client, 7), Err(SntpError::NotServer));
        let mut unsynced = reply(7, t);
        unsynced[0] |= 0b11 << 6;
        assert_eq!(parse_reply(&unsynced, 7), Err(SntpError::Unsynchronised));
        assert_eq!(parse_reply(&reply(7, 0), 7), Err(SntpError::NoTime));
    }

    #[test]
    fn half_the_round_trip_is_added() {
        let t = unix_ms_to_ntp(1_000_000);
        let r = Reply {
            receive: t,
            transmit: t,
        };
        let sent = Instant::from_millis(10);
        assert_eq!(
            unix_ms_at_arrival(&r, sent, Instant::from_millis(110)),
            1_000_050
        );
    }
}
