//! The WebSocket transport: one attempt of a step through tokio-tungstenite with rustls.

use super::check::{self, Observed};
use super::exec::{Ctx, DEFAULT_WS_WITHIN, MAX_BODY, Outcome};
use super::http_step::{Attempt, finish, protect_header, request_timeout, target};
use super::spec::{Message, Step, WebSocket};
use futures_util::{SinkExt, StreamExt};
use std::collections::BTreeMap;
use tokio::time::Instant;

pub(super) async fn attempt_ws(ctx: &Ctx, step: &Step, ws: &WebSocket) -> Attempt {
    use tokio_tungstenite::tungstenite::{self, client::IntoClientRequest};
    let fail = |m: String| (Outcome::Failed(vec![m]), None, BTreeMap::new());
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
        tokio_tungstenite::connect_async_with_config(request, Some(config), true),
    )
    .await;
    let mut stream = match connected {
        Err(_) => {
            return (
                Outcome::Unreachable(format!(
                    "websocket {shown}: no handshake within {}",
                    check::human(connect_timeout)
                )),
                None,
                BTreeMap::new(),
            );
        }
        Ok(Err(tungstenite::Error::Http(response))) => {
            let status = response.status().as_u16();
            let body = response.body().clone().unwrap_or_default();
            return (
                Outcome::Failed(vec![format!(
                    "websocket {shown}: the handshake was refused with status {status}; body: {}",
                    crate::http::excerpt(&body, check::EXCERPT_CHARS, false)
                )]),
                Some(status),
                BTreeMap::new(),
            );
        }
        Ok(Err(e)) => {
            return (
                Outcome::Unreachable(format!("websocket {shown}: {e}")),
                None,
                BTreeMap::new(),
            );
        }
        Ok(Ok((stream, _))) => stream,
    };
    let latency = start.elapsed();
    for m in &ws.send {
        let text = match m {
            Message { json: Some(j), .. } => j.to_string(),
            Message { text: Some(t), .. } => t.clone(),
            _ => String::new(),
        };
        if let Err(e) = stream.send(tungstenite::Message::text(text)).await {
            return fail(format!("websocket {shown}: could not send: {e}"));
        }
    }
    let expects_message =
        !step.expect.json.is_empty() || step.expect.body.is_some() || !step.capture.is_empty();
    if !expects_message {
        let _ = stream.close(None).await;
        return (Outcome::Passed, Some(101), BTreeMap::new());
    }
    let within = ws.within.map_or(DEFAULT_WS_WITHIN, |d| d.0);
    let until = (Instant::now() + within).min(ctx.deadline);
    let mut seen = 0usize;
    let mut last: Option<(Observed, Vec<String>)> = None;
    let outcome = loop {
        let next = match tokio::time::timeout_at(until, stream.next()).await {
            Err(_) => None,
            Ok(None) | Ok(Some(Ok(tungstenite::Message::Close(_)))) => {
                break Err(format!(
                    "websocket {shown}: closed by the server before a matching message ({seen} message(s) seen{})",
                    last_note(&last)
                ));
            }
            Ok(Some(Err(e))) => break Err(format!("websocket {shown}: {e}")),
            Ok(Some(Ok(m))) => Some(m),
        };
        let Some(message) = next else {
            break Err(format!(
                "websocket {shown}: no matching message within {} ({seen} message(s) seen{})",
                check::human(within),
                last_note(&last)
            ));
        };
        let body = match message {
            tungstenite::Message::Text(t) => t.as_bytes().to_vec(),
            tungstenite::Message::Binary(b) => b.to_vec(),
            _ => continue,
        };
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
            break Ok(got);
        }
        last = Some((got, failures));
    };
    let _ = stream.close(None).await;
    match outcome {
        Ok(got) => finish(Vec::new(), &step.capture, &got),
        Err(e) => (Outcome::Failed(vec![e]), Some(101), BTreeMap::new()),
    }
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
