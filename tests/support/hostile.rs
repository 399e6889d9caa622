//! A hostile HTTP server on loopback: it answers every request with one fault, for the tests
//! that prove a gate fails closed (or decides) instead of aborting, hanging or filling memory.
//! And a reader of a step's log as the runner reads it, to see which workflow commands it runs.

use std::io::{BufRead, BufReader, Read, Write};
use std::net::{TcpListener, TcpStream};
use std::sync::Arc;
use std::sync::atomic::{AtomicBool, Ordering};
use std::time::Duration;

/// What the server does to every request.
#[derive(Clone, Debug)]
pub enum Fault {
    /// 200 with this JSON body and `x-ratelimit-reset: 18446744073709551615` (u64::MAX).
    FarRateLimitReset(String),
    /// 200 with a JSON-looking body that does not end (until the client hangs up, or 1 GiB).
    EndlessBody,
    /// This status and JSON body: an error answer whose message is chosen by the test.
    Answer(u16, String),
}

/// At most this many connections are served; no test needs more (retries included).
const MAX_CONNECTIONS: usize = 64;
/// An endless body stops here if the client never hangs up.
const ENDLESS_LIMIT: usize = 1 << 30;

pub struct Hostile {
    pub port: u16,
    stop: Arc<AtomicBool>,
}

impl Hostile {
    pub fn start(fault: Fault) -> Hostile {
        let listener = TcpListener::bind("127.0.0.1:0").unwrap();
        let port = listener.local_addr().unwrap().port();
        let stop = Arc::new(AtomicBool::new(false));
        let stopped = stop.clone();
        std::thread::spawn(move || {
            for stream in listener.incoming().take(MAX_CONNECTIONS) {
                if stopped.load(Ordering::SeqCst) {
                    break;
                }
                let Ok(stream) = stream else { continue };
                let fault = fault.clone();
                std::thread::spawn(move || serve(stream, &fault));
            }
        });
        Hostile { port, stop }
    }

    pub fn url(&self) -> String {
        format!("http://127.0.0.1:{}", self.port)
    }
}

impl Drop for Hostile {
    fn drop(&mut self) {
        self.stop.store(true, Ordering::SeqCst);
        // Wakes the accept loop so that it sees the flag.
        let _ = TcpStream::connect(("127.0.0.1", self.port));
    }
}

fn serve(mut stream: TcpStream, fault: &Fault) {
    let _ = stream.set_read_timeout(Some(Duration::from_secs(10)));
    let _ = stream.set_write_timeout(Some(Duration::from_secs(10)));
    if read_request(&mut stream).is_none() {
        return;
    }
    let _ = match fault {
        Fault::FarRateLimitReset(body) => stream.write_all(
            format!(
                "HTTP/1.1 200 OK\r\ncontent-type: application/json\r\nx-ratelimit-remaining: 4999\r\nx-ratelimit-reset: 18446744073709551615\r\ncontent-length: {}\r\nconnection: close\r\n\r\n{body}",
                body.len()
            )
            .as_bytes(),
        ),
        Fault::Answer(status, body) => stream.write_all(
            format!(
                "HTTP/1.1 {status} Hostile\r\ncontent-type: application/json\r\ncontent-length: {}\r\nconnection: close\r\n\r\n{body}",
                body.len()
            )
            .as_bytes(),
        ),
        Fault::EndlessBody => endless(&mut stream),
    };
}

fn endless(stream: &mut TcpStream) -> std::io::Result<()> {
    stream.write_all(
        b"HTTP/1.1 200 OK\r\ncontent-type: application/json\r\nconnection: close\r\n\r\n[",
    )?;
    let chunk = "0,".repeat(32 * 1024);
    let mut sent = 0;
    while sent < ENDLESS_LIMIT {
        // Fails once the client has read what it wanted and hung up.
        stream.write_all(chunk.as_bytes())?;
        sent += chunk.len();
    }
    Ok(())
}

/// Reads the request head and any body it announces; None if the client went away.
fn read_request(stream: &mut TcpStream) -> Option<()> {
    let mut reader = BufReader::new(stream.try_clone().ok()?);
    let mut length = 0usize;
    for _ in 0..200 {
        let mut line = String::new();
        if reader.read_line(&mut line).ok()? == 0 {
            return None;
        }
        let line = line.trim_end();
        if line.is_empty() {
            let mut body = vec![0; length.min(1 << 20)];
            reader.read_exact(&mut body).ok()?;
            return Some(());
        }
        if let Some((name, value)) = line.split_once(':')
            && name.eq_ignore_ascii_case("content-length")
        {
            length = value.trim().parse().unwrap_or(0);
        }
    }
    None
}

/// The workflow commands the runner would run from a step's log (stdout and stderr): lines end
/// at LF, CR or CRLF (.NET's ReadLine); `::name…::` after leading white space and the legacy
/// `##[name…]` anywhere in a line, none between `::stop-commands::TOKEN` and `::TOKEN::`.
pub fn commands_run(log: &str) -> Vec<String> {
    let mut commands = Vec::new();
    let mut stopped: Option<String> = None;
    for line in log.split(['\n', '\r']) {
        let trimmed = line.trim_start();
        if let Some(token) = &stopped {
            if trimmed.trim_end() == format!("::{token}::") {
                stopped = None;
            }
            continue;
        }
        if let Some(rest) = trimmed.strip_prefix("::")
            && rest.contains("::")
        {
            if let Some(token) = rest.strip_prefix("stop-commands::") {
                stopped = Some(token.trim_end().to_string());
            }
            commands.push(trimmed.to_string());
        } else if line.contains("##[") {
            commands.push(line.to_string());
        }
    }
    commands
}

/// Commands in the log that are not ours: ours are annotations with a title, groups, the fences,
/// and masks of the `secrets` given.
pub fn forged_commands(log: &str, secrets: &[&str]) -> Vec<String> {
    commands_run(log)
        .into_iter()
        .filter(|c| {
            let ours = ["::error title=", "::warning title=", "::notice title="]
                .iter()
                .any(|p| c.starts_with(p))
                || c.starts_with("::group::")
                || c == "::endgroup::"
                || c.starts_with("::stop-commands::")
                || secrets.iter().any(|s| *c == format!("::add-mask::{s}"));
            !ours
        })
        .collect()
}
