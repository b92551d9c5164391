//! The socket loop: one call of [`Gateway::serve`] per socket, a fixed pool
//! of them serving concurrently. Each accepts one connection, reads one
//! bounded request under timeouts, answers it, and closes.

use crate::app::Gateway;
use crate::http::{HttpError, Parsed, Request, parse_head};
use crate::log::{debug, warning};
use crate::relay::Relay;
use clerk_edge::request::InstanceSource;
use embassy_net::Stack;
use embassy_net::tcp::{State, TcpSocket};
use embassy_time::{Duration, Instant, Timer, with_deadline, with_timeout};
use embedded_io_async::Write as _;

impl<'a, R: Relay, I: InstanceSource<'a>> Gateway<'a, R, I> {
    /// Serves connections on one socket, forever. `rx` and `tx` are the TCP
    /// buffers; `buf` holds one request head (its size is the header limit:
    /// a larger head gets 431) and then the answer.
    pub async fn serve(&self, stack: Stack<'_>, rx: &mut [u8], tx: &mut [u8], buf: &mut [u8]) -> ! {
        loop {
            let mut socket = TcpSocket::new(stack, &mut *rx, &mut *tx);
            socket.set_timeout(Some(self.config.tcp_timeout));
            if socket.accept(self.config.port).await.is_err() {
                warning!("http: accept failed");
                Timer::after(Duration::from_millis(100)).await;
                continue;
            }
            self.connection_opened();
            let _open = Open(self);
            self.exchange(&mut socket, buf).await;
            self.finish(&mut socket, buf).await;
        }
    }

    /// Reads one request and writes its answer.
    async fn exchange(&self, socket: &mut TcpSocket<'_>, buf: &mut [u8]) {
        let deadline = Instant::now() + self.config.request_timeout;
        let len = match self.read_request(socket, buf, deadline).await {
            Ok(req) => self.respond(&req, buf),
            Err(e) => match e.status() {
                Some(status) => {
                    debug!("http: {} {}", status.0, e.detail());
                    self.error_response(buf, status, e.detail())
                }
                None => return,
            },
        };
        let answer = buf.get(..len).unwrap_or(&[]);
        if with_timeout(self.config.write_timeout, socket.write_all(answer))
            .await
            .is_err()
        {
            debug!("http: client did not take the answer in time");
        }
    }

    /// Reads a request head into `buf`, then discards its body, if any.
    async fn read_request(
        &self,
        socket: &mut TcpSocket<'_>,
        buf: &mut [u8],
        deadline: Instant,
    ) -> Result<Request, HttpError> {
        let capacity = buf.len();
        let mut filled = 0;
        let req = loop {
            let free = buf.get_mut(filled..).unwrap_or(&mut []);
            filled += self.read_some(socket, free, deadline).await?;
            match parse_head(
                buf.get(..filled).unwrap_or(&[]),
                capacity,
                self.config.max_body,
            )? {
                Parsed::Complete(req) => break req,
                Parsed::Partial => {}
            }
        };
        let mut body_left = req
            .content_length
            .saturating_sub(filled.saturating_sub(req.head_len));
        if body_left > 0 && req.expect_continue {
            let cont = socket.write_all(b"HTTP/1.1 100 Continue\r\n\r\n");
            if with_timeout(self.config.write_timeout, cont).await.is_err() {
                return Err(HttpError::Timeout);
            }
        }
        let mut sink = [0u8; 64];
        while body_left > 0 {
            let want = body_left.min(sink.len());
            let n = self
                .read_some(socket, sink.get_mut(..want).unwrap_or(&mut []), deadline)
                .await?;
            body_left = body_left.saturating_sub(n);
        }
        Ok(req)
    }

    /// One read bounded by the idle timeout and the request deadline; a
    /// closed or reset connection is [`HttpError::Closed`].
    async fn read_some(
        &self,
        socket: &mut TcpSocket<'_>,
        into: &mut [u8],
        deadline: Instant,
    ) -> Result<usize, HttpError> {
        if into.is_empty() {
            return Err(HttpError::HeadTooLarge);
        }
        let until = deadline.min(Instant::now() + self.config.idle_timeout);
        match with_deadline(until, socket.read(into)).await {
            Err(_) => Err(HttpError::Timeout),
            Ok(Ok(0)) | Ok(Err(_)) => Err(HttpError::Closed),
            Ok(Ok(n)) => Ok(n),
        }
    }

    /// Closes our side, then lingers: discards what the client still sends
    /// until it closes too (or the linger time is up), so a client that was
    /// cut short (413, 431) reads the answer rather than a reset.
    async fn finish(&self, socket: &mut TcpSocket<'_>, buf: &mut [u8]) {
        socket.close();
        let deadline = Instant::now() + self.config.linger;
        while let Ok(Ok(n)) = with_deadline(deadline, socket.read(buf)).await {
            if n == 0 {
                break;
            }
        }
        let _ = with_deadline(deadline, socket.flush()).await;
        if !matches!(socket.state(), State::Closed | State::TimeWait) {
            socket.abort();
            let _ = with_timeout(Duration::from_millis(200), socket.flush()).await;
        }
    }
}

/// Counts a connection as open for as long as it lives.
struct Open<'g, 'a, R: Relay, I: InstanceSource<'a>>(&'g Gateway<'a, R, I>);

impl<'a, R: Relay, I: InstanceSource<'a>> Drop for Open<'_, 'a, R, I> {
    fn drop(&mut self) {
        self.0.connection_closed();
    }
}
