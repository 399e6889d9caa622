//! The WebSocket transport: one attempt of a step through tokio-tungstenite with rustls. It
//! sends text, binary, a message of a given size or pings, then waits until every expectation
//! holds: a matching message, the pongs, and the close code the server must end with.

use super::check::{self, Observed};
use super::exec::{Ctx, DEFAULT_WS_WITHIN, MAX_BODY, Outcome};
use super::http_step::{Attempt, finish, protect_header, request_timeout, target};
use super::spec::{CloseExpect, Message, Step, WebSocket};
use futures_util::{SinkExt, StreamExt};
use tokio::time::Instant;
use tokio_tungstenite::tungstenite;

fn frame(m: &Message) -> tungstenite::Message {
    use base64::Engine;
    match m {
        Message { json: Some(j), .. } => tungstenite::Message::text(j.to_string()),
        Message { text: Some(t), .. } => tungstenite::Message::text(t.clone()),
        Message {
            binary: Some(b), ..
        } => tungstenite::Message::binary(
            base64::engine::general_purpose::STANDARD
                .decode(b)
                .unwrap_or_default(),
        ),
        Message { size: Some(n), .. } => tungstenite::Message::text("x".repeat(*n)),
        Message { ping: Some(p), .. } => tungstenite::Message::Ping(p.clone().into_bytes().into()),
        _ => tungstenite::Message::text(String::new()),
    }
}

/// Whether a close frame is the one expected; the problem in words otherwise.
fn check_close(
    want: &CloseExpect,
    got: Option<&tungstenite::protocol::CloseFrame>,
) -> Option<String> {
    let Some(frame) = got else {
        return Some(format!(
            "expected close code {}, the connection ended without a close frame",
            want.code
        ));
    };
    let code = u16::from(frame.code);
    let reason = frame.reason.to_string();
    if code != want.code {
        return Some(format!(
            "expected close code {}, got {code} ({})",
            want.code,
            crate::http::excerpt(reason.as_bytes(), 120, false)
        ));
    }
    if let Some(pred) = &want.reason {
        let holds = check::check(
            &super::spec::Expect {
                body: Some(pred.clone()),
                ..Default::default()
            },
            &Observed {
                body: reason.clone().into_bytes(),
                ..Default::default()
            },
        );
        if let Some(problem) = holds.first() {
            return Some(format!(
                "close reason: {}",
                problem.trim_start_matches("body: ")
            ));
        }
    }
    None
}

pub(super) async fn attempt_ws(ctx: &Ctx, step: &Step, ws: &WebSocket) -> Attempt {
    use tungstenite::client::IntoClientRequest;
    let fail = Attempt::failed;
    let mut url = match target(ctx, &ws.path, &ws.url) {
        Ok(u) => u,
        Err(e) => return fail(e),
    };
    let scheme = match url.scheme() {
        "http" | "ws" => "ws",
        "https" | "wss" => "wss",
        other => return fail(format!("a WebSocket URL cannot use {other}:")),
    };
    let _ = url.set_scheme(scheme);
    let shown = crate::http::redacted_url(&url);
    let mut request = match url.as_str().into_client_request() {
        Ok(r) => r,
        Err(e) => return fail(format!("{shown}: {e}")),
    };
    let mut headers: Vec<(String, String)> = ws
        .headers
        .iter()
        .map(|(k, v)| (k.clone(), v.0.clone()))
        .collect();
    if let Some(origin) = &ws.origin {
        headers.push(("Origin".into(), origin.clone()));
    }
    if let Some(cookie) = ctx.jar.header_for(&url) {
        headers.push(("Cookie".into(), cookie));
    }
    for (k, v) in headers {
        protect_header(&k, &v);
        match (
            tungstenite::http::HeaderName::from_bytes(k.as_bytes()),
            tungstenite::http::HeaderValue::from_str(&v),
        ) {
            (Ok(name), Ok(value)) => {
                request.headers_mut().insert(name, value);
            }
            _ => return fail(format!("header {k} is not valid")),
        }
    }
    crate::http::install_crypto_provider();
    let config = tungstenite::protocol::WebSocketConfig::default()
        .max_message_size(Some(MAX_BODY))
        .max_frame_size(Some(MAX_BODY));
    let connect_timeout = request_timeout(ctx, step, ctx.deadline);
    let start = Instant::now();
    let connected = tokio::time::timeout(
        connect_timeout,
        super::net::ws_connect(&ctx.net, request, config),
    )
    .await;
    let mut stream = match connected {
        Err(_) => {
            return Attempt::new(
                Outcome::Unreachable(format!(
                    "websocket {shown}: no handshake within {}",
                    check::human(connect_timeout)
                )),
                None,
            );
        }
        Ok(Err(tungstenite::Error::Http(response))) => {
            let status = response.status().as_u16();
            let body = response.body().clone().unwrap_or_default();
            return Attempt::new(
                Outcome::Failed(vec![format!(
                    "websocket {shown}: the handshake was refused with status {status}; body: {}",
                    crate::http::excerpt(&body, check::EXCERPT_CHARS, false)
                )]),
                Some(status),
            );
        }
        Ok(Err(e)) => {
            return Attempt::new(
                Outcome::Unreachable(format!("websocket {shown}: {e}")),
                None,
            );
        }
        Ok(Ok((stream, _))) => stream,
    };
    let latency = start.elapsed();
    let close = step.expect.close.as_ref();
    let mut pongs: Vec<Vec<u8>> = Vec::new();
    for m in &ws.send {
        if let Some(p) = &m.ping {
            pongs.push(p.clone().into_bytes());
        }
        if let Err(e) = stream.send(frame(m)).await {
            // A server that enforces a size limit may close while the message is still going
            // out: its close frame is the answer to read.
            if close.is_some() {
                break;
            }
            return fail(format!("websocket {shown}: could not send: {e}"));
        }
    }
    let mut wants_message =
        !step.expect.json.is_empty() || step.expect.body.is_some() || !step.capture.is_empty();
    if !wants_message && pongs.is_empty() && close.is_none() {
        let _ = stream.close(None).await;
        return Attempt {
            latency: Some(latency),
            ..Attempt::new(Outcome::Passed, Some(101))
        };
    }
    let within = ws.within.map_or(DEFAULT_WS_WITHIN, |d| d.0);
    let until = (Instant::now() + within).min(ctx.deadline);
    let mut seen = 0usize;
    let mut last: Option<(Observed, Vec<String>)> = None;
    let mut matched: Option<Observed> = None;
    let waiting_for = |wants_message: bool, pongs: &[Vec<u8>]| {
        let mut what = Vec::new();
        if wants_message {
            what.push("matching message".to_string());
        }
        if !pongs.is_empty() {
            what.push(format!("pong ({} missing)", pongs.len()));
        }
        if let Some(c) = close {
            what.push(format!("close code {}", c.code));
        }
        what.join(" and ")
    };
    let outcome: Result<(), String> = loop {
        if !wants_message && pongs.is_empty() && close.is_none() {
            break Ok(());
        }
        let next = match tokio::time::timeout_at(until, stream.next()).await {
            Err(_) => {
                break Err(format!(
                    "websocket {shown}: no {} within {} ({seen} message(s) seen{})",
                    waiting_for(wants_message, &pongs),
                    check::human(within),
                    last_note(&last)
                ));
            }
            Ok(None) | Ok(Some(Err(tungstenite::Error::ConnectionClosed))) => match close {
                Some(c) => break check_close(c, None).map_or(Ok(()), Err),
                None => break Err(closed_early(&shown, seen, &last)),
            },
            Ok(Some(Ok(tungstenite::Message::Close(frame)))) => match close {
                Some(c) if !wants_message && pongs.is_empty() => {
                    break check_close(c, frame.as_ref())
                        .map_or(Ok(()), |e| Err(format!("websocket {shown}: {e}")));
                }
                _ => break Err(closed_early(&shown, seen, &last)),
            },
            // A reset after the server's close frame was sent: the close is what it said.
            Ok(Some(Err(e))) if close.is_some() => {
                break Err(format!(
                    "websocket {shown}: expected close code {}, the connection failed: {e}",
                    close.map_or(0, |c| c.code)
                ));
            }
            Ok(Some(Err(e))) => break Err(format!("websocket {shown}: {e}")),
            Ok(Some(Ok(m))) => m,
        };
        let body = match next {
            tungstenite::Message::Pong(p) => {
                if let Some(i) = pongs.iter().position(|want| *want == p.as_ref()) {
                    pongs.remove(i);
                }
                continue;
            }
            tungstenite::Message::Text(t) => t.as_bytes().to_vec(),
            tungstenite::Message::Binary(b) => b.to_vec(),
            _ => continue,
        };
        if !wants_message {
            continue;
        }
        seen += 1;
        let got = Observed {
            status: None,
            headers: Vec::new(),
            latency,
            body,
            truncated: false,
        };
        let failures = check::check(&step.expect, &got);
        if failures.is_empty() {
            matched = Some(got);
            wants_message = false;
            continue;
        }
        last = Some((got, failures));
    };
    let _ = stream.close(None).await;
    let done = match (outcome, matched) {
        (Ok(()), Some(got)) => finish(Vec::new(), &step.capture, &got),
        (Ok(()), None) => Attempt::new(Outcome::Passed, Some(101)),
        (Err(e), _) => Attempt::new(Outcome::Failed(vec![e]), Some(101)),
    };
    Attempt {
        latency: Some(latency),
        ..done
    }
}

fn closed_early(shown: &str, seen: usize, last: &Option<(Observed, Vec<String>)>) -> String {
    format!(
        "websocket {shown}: closed by the server before a matching message ({seen} message(s) seen{})",
        last_note(last)
    )
}

fn last_note(last: &Option<(Observed, Vec<String>)>) -> String {
    match last {
        Some((got, failures)) => format!(
            "; the last one, {}, did not match: {}",
            got.excerpt(),
            failures.join("; ")
        ),
        None => String::new(),
    }
}
