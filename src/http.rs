//! One HTTP client policy for every action: explicit timeouts, a user agent, bounded retries with
//! exponential backoff that honour `Retry-After` and rate-limit headers, and never sleep past the
//! caller's deadline. Gates fail closed: what cannot be fetched comes back as an error to report.

use std::time::{Duration, SystemTime};
use tokio::time::Instant;

/// Installs rustls' ring provider once; reqwest is built without a provider of its own so that
/// the binary carries one crypto backend.
pub fn install_crypto_provider() {
    // Err means one is installed already, which is what we want.
    let _ = rustls::crypto::ring::default_provider().install_default();
}

#[derive(Debug, Clone)]
pub struct Policy {
    /// Attempts in all, the first included.
    pub attempts: u32,
    /// First backoff; doubles each retry.
    pub base_delay: Duration,
    /// Longest backoff between two attempts when the server gives no `Retry-After`.
    pub max_delay: Duration,
    /// Longest `Retry-After` or rate-limit reset we are willing to wait for.
    pub max_retry_after: Duration,
    /// Whole-request timeout.
    pub timeout: Duration,
    pub connect_timeout: Duration,
    /// Follow redirects (`send_following`); off, a redirect is the answer.
    pub follow_redirects: bool,
}

impl Default for Policy {
    fn default() -> Self {
        Policy {
            attempts: 4,
            base_delay: Duration::from_millis(500),
            max_delay: Duration::from_secs(10),
            max_retry_after: Duration::from_secs(120),
            timeout: Duration::from_secs(30),
            connect_timeout: Duration::from_secs(10),
            follow_redirects: true,
        }
    }
}

pub const USER_AGENT: &str = concat!("ready-actions/", env!("CARGO_PKG_VERSION"));

/// Redirects `send` follows for one request.
pub const MAX_REDIRECTS: usize = 10;

/// A client with the policy's timeouts and our user agent. It follows no redirects itself:
/// `send` does, because reqwest carries every header but Authorization and Cookie to another
/// host, and a Referer with the query string.
pub fn client(policy: &Policy) -> reqwest::Result<reqwest::Client> {
    client_builder(policy).build()
}

/// The builder behind `client`, for a caller that adds TLS or network options of its own.
pub fn client_builder(policy: &Policy) -> reqwest::ClientBuilder {
    install_crypto_provider();
    reqwest::Client::builder()
        .user_agent(USER_AGENT)
        .timeout(policy.timeout)
        .connect_timeout(policy.connect_timeout)
        .redirect(reqwest::redirect::Policy::none())
        .referer(false)
}

/// Headers whose values are credentials: masked when an input sets them, never quoted.
pub fn is_credential_header(name: &str) -> bool {
    let name = name.to_ascii_lowercase();
    [
        "authorization",
        "cookie",
        "token",
        "secret",
        "password",
        "api-key",
        "apikey",
    ]
    .iter()
    .any(|word| name.contains(word))
}

/// The only headers a redirect to another origin keeps: any other may carry a credential or a
/// tenant (`X-Api-Key`, `Private-Token`, `X-Scope-OrgID`) that the new host must not see.
const CROSS_ORIGIN_HEADERS: &[&str] = &[
    "accept",
    "accept-encoding",
    "accept-language",
    "user-agent",
    "content-type",
    "content-length",
];

/// Sends one request and follows up to `MAX_REDIRECTS` redirects. Another origin (scheme, host
/// or port) gets only `CROSS_ORIGIN_HEADERS`; no hop gets a Referer. 303 (and 301/302 after a
/// POST) continue as GET without a body, as browsers and reqwest do. A redirect that cannot be
/// followed (no usable Location, a body that cannot be sent twice, too many hops) is returned
/// as it is, for the caller to report its status.
async fn send_following(builder: reqwest::RequestBuilder) -> reqwest::Result<reqwest::Response> {
    let (client, request) = builder.build_split();
    let mut request = request?;
    for _ in 0..MAX_REDIRECTS {
        let again = request.try_clone();
        let response = client.execute(request).await?;
        let status = response.status().as_u16();
        let location = response
            .headers()
            .get(reqwest::header::LOCATION)
            .and_then(|v| v.to_str().ok())
            .and_then(|l| response.url().join(l).ok())
            .filter(|u| matches!(u.scheme(), "http" | "https"));
        let (Some(next_url), Some(mut next)) = (location, again) else {
            return Ok(response);
        };
        if !matches!(status, 301 | 302 | 303 | 307 | 308) {
            return Ok(response);
        }
        let to_get = status == 303 && next.method() != reqwest::Method::HEAD
            || matches!(status, 301 | 302) && next.method() == reqwest::Method::POST;
        if to_get {
            *next.method_mut() = reqwest::Method::GET;
            *next.body_mut() = None;
            next.headers_mut().remove(reqwest::header::CONTENT_TYPE);
            next.headers_mut().remove(reqwest::header::CONTENT_LENGTH);
        }
        if next_url.origin() != next.url().origin() {
            let dropped: Vec<_> = next
                .headers()
                .keys()
                .filter(|name| !CROSS_ORIGIN_HEADERS.contains(&name.as_str()))
                .cloned()
                .collect();
            for name in dropped {
                next.headers_mut().remove(name);
            }
        }
        *next.url_mut() = next_url;
        request = next;
    }
    client.execute(request).await
}

/// A transport failure that outlasted the retries.
#[derive(Debug, thiserror::Error)]
#[error("{url}: {reason} (after {attempts} attempt(s))")]
pub struct Unreachable {
    pub url: String,
    pub reason: String,
    pub attempts: u32,
}

/// Sends the request that `make` builds, retrying transport errors and retryable answers (408,
/// 429, 5xx, and 403 with `Retry-After` or an exhausted rate limit). Returns the last answer once
/// it is final or the retries are spent, so the caller decides what a status means.
pub async fn send(
    policy: &Policy,
    deadline: Option<Instant>,
    make: impl Fn() -> reqwest::RequestBuilder,
) -> Result<reqwest::Response, Unreachable> {
    let mut attempt = 0;
    loop {
        attempt += 1;
        let outcome = if policy.follow_redirects {
            send_following(make()).await
        } else {
            make().send().await
        };
        let delay = match &outcome {
            Ok(response) => retry_delay(
                response.status().as_u16(),
                response.headers(),
                attempt,
                policy,
                SystemTime::now(),
            ),
            Err(e) if e.is_builder() => None,
            Err(_) => Some(backoff(attempt, policy)),
        };
        let may_wait = |delay: Duration| {
            attempt < policy.attempts && deadline.is_none_or(|d| Instant::now() + delay <= d)
        };
        match (outcome, delay) {
            (outcome, Some(delay)) if may_wait(delay) => {
                drop(outcome);
                tokio::time::sleep(delay).await;
            }
            (Ok(response), _) => return Ok(response),
            (Err(e), _) => {
                return Err(Unreachable {
                    url: e.url().map(redacted_url).unwrap_or_default(),
                    reason: describe(&e),
                    attempts: attempt,
                });
            }
        }
    }
}

/// How long to wait before retrying an answer, or None when it is final.
pub fn retry_delay(
    status: u16,
    headers: &reqwest::header::HeaderMap,
    attempt: u32,
    policy: &Policy,
    now: SystemTime,
) -> Option<Duration> {
    let header = |name: &str| {
        headers
            .get(name)
            .and_then(|v| v.to_str().ok())
            .map(str::trim)
    };
    let retry_after = header("retry-after").and_then(|v| parse_retry_after(v, now));
    let rate_limited = header("x-ratelimit-remaining") == Some("0");
    let reset = header("x-ratelimit-reset")
        .and_then(|v| v.parse::<u64>().ok())
        .map(|epoch| until_epoch(epoch, now));
    let retryable = matches!(status, 408 | 429 | 500..=599)
        || (status == 403 && (retry_after.is_some() || rate_limited));
    if !retryable {
        return None;
    }
    let wait = match (retry_after, rate_limited, reset) {
        (Some(wait), _, _) => wait,
        (None, true, Some(wait)) => wait + Duration::from_secs(1),
        _ => backoff(attempt, policy),
    };
    (wait <= policy.max_retry_after).then_some(wait)
}

/// The longest wait any header can ask for. Servers may send any number; capping every
/// header-derived time here keeps the sums callers make with `Instant` and `SystemTime` from
/// overflowing, and no caller waits anywhere near this long.
pub const MAX_HEADER_WAIT: Duration = Duration::from_secs(366 * 24 * 3600);

/// `Retry-After` as delta-seconds or an HTTP date, at most `MAX_HEADER_WAIT`.
pub fn parse_retry_after(value: &str, now: SystemTime) -> Option<Duration> {
    if let Ok(seconds) = value.parse::<u64>() {
        return Some(Duration::from_secs(seconds).min(MAX_HEADER_WAIT));
    }
    let when = httpdate::parse_http_date(value).ok()?;
    Some(
        when.duration_since(now)
            .unwrap_or(Duration::ZERO)
            .min(MAX_HEADER_WAIT),
    )
}

/// The time from `now` until a header's epoch seconds (`x-ratelimit-reset`): zero when it has
/// passed, at most `MAX_HEADER_WAIT` however far off it is.
pub fn until_epoch(epoch_seconds: u64, now: SystemTime) -> Duration {
    let since_epoch = now
        .duration_since(SystemTime::UNIX_EPOCH)
        .unwrap_or(Duration::ZERO);
    Duration::from_secs(epoch_seconds)
        .saturating_sub(since_epoch)
        .min(MAX_HEADER_WAIT)
}

/// Exponential backoff after the given attempt, capped, with up to 25% random jitter so that
/// parallel jobs do not retry in lockstep.
pub fn backoff(attempt: u32, policy: &Policy) -> Duration {
    let exp = policy
        .base_delay
        .saturating_mul(1u32 << attempt.saturating_sub(1).min(16));
    let capped = exp.min(policy.max_delay);
    let mut byte = [0u8; 1];
    let jitter = if getrandom::fill(&mut byte).is_ok() {
        byte[0] as u32
    } else {
        0
    };
    capped + capped.mul_f64(jitter as f64 / 1020.0)
}

/// A URL without its query string and user info, which can carry credentials.
pub fn redacted_url(url: &reqwest::Url) -> String {
    let mut url = url.clone();
    let _ = url.set_username("");
    let _ = url.set_password(None);
    if url.query().is_some() {
        url.set_query(Some("…"));
    }
    url.to_string()
}

/// A reqwest error in words, without the URL (callers say which one they asked).
pub fn describe(e: &reqwest::Error) -> String {
    let kind = if e.is_timeout() {
        "timed out"
    } else if e.is_connect() {
        "could not connect"
    } else if e.is_redirect() {
        "too many redirects"
    } else if e.is_body() || e.is_decode() {
        "could not read the response body"
    } else {
        "request failed"
    };
    let mut detail = String::new();
    let mut source = std::error::Error::source(e);
    while let Some(s) = source {
        detail = s.to_string();
        source = s.source();
    }
    if detail.is_empty() {
        kind.to_string()
    } else {
        format!("{kind}: {detail}")
    }
}

/// Reads a response body up to `limit` bytes; the flag says whether it was cut there. The rest
/// is not read, so a huge or endless body costs at most `limit` bytes of memory.
pub async fn read_limited(
    mut response: reqwest::Response,
    limit: usize,
) -> Result<(Vec<u8>, bool), reqwest::Error> {
    let mut body = Vec::new();
    while let Some(chunk) = response.chunk().await? {
        let room = limit - body.len();
        if chunk.len() > room {
            body.extend_from_slice(&chunk[..room]);
            return Ok((body, true));
        }
        body.extend_from_slice(&chunk);
    }
    Ok((body, false))
}

/// A body larger than its cap, or one that could not be read.
#[derive(Debug, thiserror::Error)]
pub enum BodyError {
    #[error("the response body is larger than {}, more than a valid answer needs", size(*.0))]
    TooLarge(usize),
    #[error("could not read the response body: {0}")]
    Read(String),
}

/// Reads a whole body of at most `limit` bytes; a larger one is an error, found from its
/// `Content-Length` before reading or after reading `limit` bytes, so it never costs more.
pub async fn read_capped(response: reqwest::Response, limit: usize) -> Result<Vec<u8>, BodyError> {
    if response
        .content_length()
        .is_some_and(|length| length > limit as u64)
    {
        return Err(BodyError::TooLarge(limit));
    }
    match read_limited(response, limit).await {
        Ok((_, true)) => Err(BodyError::TooLarge(limit)),
        Ok((body, false)) => Ok(body),
        Err(e) => Err(BodyError::Read(describe(&e))),
    }
}

/// A byte count in words: `4 MiB`, `64 KiB`, `100 bytes`.
fn size(bytes: usize) -> String {
    match bytes {
        b if b >= 1 << 20 && b % (1 << 20) == 0 => format!("{} MiB", b >> 20),
        b if b >= 1 << 10 && b % (1 << 10) == 0 => format!("{} KiB", b >> 10),
        b => format!("{b} bytes"),
    }
}

/// A bounded, single-line excerpt of a body for messages: at most `max_chars` characters, with
/// line breaks as spaces, and a note of what was left out. Secrets are redacted before the cut,
/// which could otherwise leave the first characters of one that `redact` no longer recognises.
pub fn excerpt(body: &[u8], max_chars: usize, truncated: bool) -> String {
    let text = crate::gha::secrets::redact(&String::from_utf8_lossy(body));
    let flat: String = text
        .chars()
        .map(|c| if c.is_control() { ' ' } else { c })
        .collect();
    let flat = flat.trim();
    if flat.is_empty() {
        return "(empty)".into();
    }
    let count = flat.chars().count();
    if count <= max_chars && !truncated {
        return flat.to_string();
    }
    let cut: String = flat.chars().take(max_chars).collect();
    let total = if truncated {
        format!("more than {} bytes", body.len())
    } else {
        format!("{} bytes", body.len())
    };
    format!("{cut}… ({total} in all)")
}

#[cfg(test)]
mod tests {
    use super::*;
    use reqwest::header::{HeaderMap, HeaderValue};

    fn headers(pairs: &[(&'static str, &str)]) -> HeaderMap {
        let mut h = HeaderMap::new();
        for (k, v) in pairs {
            h.insert(*k, HeaderValue::from_str(v).unwrap());
        }
        h
    }

    #[test]
    fn retry_after_seconds_and_date() {
        let now = SystemTime::UNIX_EPOCH + Duration::from_secs(1_700_000_000);
        assert_eq!(parse_retry_after("7", now), Some(Duration::from_secs(7)));
        let later = httpdate::fmt_http_date(now + Duration::from_secs(30));
        assert_eq!(
            parse_retry_after(&later, now),
            Some(Duration::from_secs(30))
        );
        assert_eq!(parse_retry_after("soon", now), None);
    }

    #[test]
    fn which_answers_are_retried() {
        let p = Policy::default();
        let now = SystemTime::now();
        assert!(retry_delay(502, &HeaderMap::new(), 1, &p, now).is_some());
        assert!(retry_delay(404, &HeaderMap::new(), 1, &p, now).is_none());
        assert!(retry_delay(403, &HeaderMap::new(), 1, &p, now).is_none());
        assert_eq!(
            retry_delay(403, &headers(&[("retry-after", "60")]), 1, &p, now),
            Some(Duration::from_secs(60))
        );
        assert_eq!(
            retry_delay(429, &headers(&[("retry-after", "3")]), 1, &p, now),
            Some(Duration::from_secs(3))
        );
        // Longer than we will wait: final, so the gate reports it instead of hanging.
        assert!(retry_delay(429, &headers(&[("retry-after", "3600")]), 1, &p, now).is_none());
    }

    #[test]
    fn exhausted_rate_limit_waits_for_reset() {
        let p = Policy::default();
        let now = SystemTime::UNIX_EPOCH + Duration::from_secs(1_000);
        let h = headers(&[
            ("x-ratelimit-remaining", "0"),
            ("x-ratelimit-reset", "1030"),
        ]);
        assert_eq!(
            retry_delay(403, &h, 1, &p, now),
            Some(Duration::from_secs(31))
        );
    }

    #[test]
    fn header_times_saturate_instead_of_overflowing() {
        let p = Policy::default();
        let now = SystemTime::now();
        let far = headers(&[
            ("x-ratelimit-remaining", "0"),
            ("x-ratelimit-reset", "18446744073709551615"),
        ]);
        // Too far off to wait for: a final answer, not an overflow.
        assert_eq!(retry_delay(403, &far, 1, &p, now), None);
        assert_eq!(until_epoch(u64::MAX, now), MAX_HEADER_WAIT);
        assert_eq!(until_epoch(0, now), Duration::ZERO);
        assert_eq!(
            parse_retry_after("18446744073709551615", now),
            Some(MAX_HEADER_WAIT)
        );
        assert!(
            tokio::time::Instant::now()
                .checked_add(MAX_HEADER_WAIT)
                .is_some()
        );
    }

    #[test]
    fn backoff_doubles_and_is_capped() {
        let p = Policy::default();
        let first = backoff(1, &p);
        assert!(first >= p.base_delay && first <= p.base_delay.mul_f64(1.26));
        let third = backoff(3, &p);
        assert!(third >= p.base_delay * 4);
        assert!(backoff(30, &p) <= p.max_delay.mul_f64(1.26));
    }

    #[test]
    fn credential_headers_by_name() {
        for name in [
            "Authorization",
            "Cookie",
            "X-Api-Key",
            "Private-Token",
            "X-Vault-Token",
        ] {
            assert!(is_credential_header(name), "{name}");
        }
        for name in ["X-Scope-OrgID", "Accept", "X-Request-Id"] {
            assert!(!is_credential_header(name), "{name}");
        }
    }

    #[test]
    fn urls_lose_credentials_and_query() {
        let url = reqwest::Url::parse("https://user:pw@example.test/a?token=abc").unwrap();
        assert_eq!(redacted_url(&url), "https://example.test/a?%E2%80%A6");
    }
    #[test]
    fn excerpts_are_bounded_and_flat() {
        assert_eq!(excerpt(b"a\nb", 10, false), "a b");
        assert_eq!(excerpt(b"", 10, false), "(empty)");
        let long = vec![b'x'; 5000];
        let e = excerpt(&long, 10, false);
        assert_eq!(e, "xxxxxxxxxx… (5000 bytes in all)");
        assert!(excerpt(b"short", 10, true).ends_with("(more than 5 bytes in all)"));
    }
}
