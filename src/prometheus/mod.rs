//! The one client for servers with the Prometheus query API (Prometheus, Thanos, Mimir,
//! VictoriaMetrics), shared by error-budget-gate and watch: the URL and header inputs (their
//! credentials masked first), form POSTs through the project's HTTP policy with a capped
//! answer, and what a failed answer means for the action (`answer_failure`).

pub mod api;
pub mod duration;

use crate::report::Failure;
use reqwest::header::{HeaderMap, HeaderName, HeaderValue};
use tokio::time::Instant;

/// The largest Prometheus answer read: the actions' queries return a few series, and reading
/// without a cap lets one answer take all the runner's memory.
pub const MAX_ANSWER: usize = 32 << 20;

/// A server to query, with the headers every request carries.
pub struct Server {
    url: reqwest::Url,
    headers: HeaderMap,
    client: reqwest::Client,
    policy: crate::http::Policy,
}

impl Server {
    /// From the `prometheus-url` and `prometheus-headers` inputs. Credentials in the URL and in
    /// credential headers are registered as secrets before anything else happens.
    pub fn connect(url: &str, headers: Option<&str>) -> Result<Server, Failure> {
        let parsed = reqwest::Url::parse(url)
            .ok()
            .filter(|u| matches!(u.scheme(), "http" | "https"))
            .ok_or_else(|| {
                Failure::invalid(format!(
                    "prometheus-url `{}` is not an http(s) URL",
                    crate::http::redacted_url(
                        &reqwest::Url::parse(url)
                            .unwrap_or_else(|_| reqwest::Url::parse("invalid:").unwrap())
                    )
                ))
            })?;
        crate::gha::secrets::register_url_credentials(&parsed);
        let headers = match headers {
            Some(h) => parse_headers(h)?,
            None => HeaderMap::new(),
        };
        let policy = crate::http::Policy::default();
        let client = crate::http::client(&policy)
            .map_err(|e| Failure::undecided(format!("HTTP client: {e}")))?;
        Ok(Server {
            url: parsed,
            headers,
            client,
            policy,
        })
    }

    fn endpoint(&self, path: &str) -> reqwest::Url {
        let mut url = self.url.clone();
        let joined = format!("{}/{path}", self.url.path().trim_end_matches('/'));
        url.set_path(&joined);
        url.set_query(None);
        url
    }

    /// POSTs a form to `api/v1/<path>` (`query`, `query_range`) with retries that end before
    /// `deadline`; returns the status and the body (at most `MAX_ANSWER`).
    pub async fn post(
        &self,
        path: &str,
        params: &[(&str, String)],
        deadline: Instant,
    ) -> Result<(u16, String), Failure> {
        let endpoint = self.endpoint(&format!("api/v1/{path}"));
        let body = api::form_body(params);
        let response = crate::http::send(&self.policy, Some(deadline), || {
            self.client
                .post(endpoint.clone())
                .headers(self.headers.clone())
                .header(
                    reqwest::header::CONTENT_TYPE,
                    "application/x-www-form-urlencoded",
                )
                .header(reqwest::header::ACCEPT, "application/json")
                .body(body.clone())
        })
        .await
        .map_err(|e| Failure::undecided(format!("Prometheus unreachable: {e}")))?;
        let status = response.status().as_u16();
        let body = crate::http::read_capped(response, MAX_ANSWER)
            .await
            .map_err(|e| Failure::undecided(format!("Prometheus answer: {e}")))?;
        Ok((status, String::from_utf8_lossy(&body).into_owned()))
    }
}

/// What an answer that cannot be used means: a query the server cannot parse is the user's
/// input (exit 2); anything else leaves the action unable to decide (exit 3).
pub fn answer_failure(status: u16, e: api::AnswerError, what: &str) -> Failure {
    match e {
        api::AnswerError::Api(api) if api.is_bad_query() => Failure::invalid(format!(
            "Prometheus rejected the {what} (HTTP {status}, {}): {}",
            api.error_type, api.message
        )),
        api::AnswerError::Api(api) => Failure::undecided(format!(
            "Prometheus answered the {what} with an error (HTTP {status}, {}): {}",
            api.error_type, api.message
        )),
        api::AnswerError::Malformed(m) => Failure::undecided(format!(
            "Prometheus answered the {what} with HTTP {status}: {m}"
        )),
        api::AnswerError::Nonsense(m) => Failure::undecided(format!(
            "Prometheus answered the {what} with a value the gate cannot trust: {m}"
        )),
    }
}

/// `Name: value` lines. The values of credential headers (Authorization, X-Api-Key, …) are
/// registered as secrets before anything else happens, and refused when too short to mask; the
/// others (X-Scope-OrgID) are not secrets, so that masking them does not hide digits everywhere.
pub fn parse_headers(text: &str) -> Result<HeaderMap, Failure> {
    let mut map = HeaderMap::new();
    for (i, line) in text.lines().enumerate() {
        let line = line.trim();
        if line.is_empty() {
            continue;
        }
        let Some((name, value)) = line.split_once(':') else {
            return Err(Failure::invalid(format!(
                "prometheus-headers line {} is not `Name: value`",
                i + 1
            )));
        };
        let value = value.trim();
        let secret = crate::http::is_credential_header(name.trim());
        if secret {
            // `Bearer <token>`, `Basic <credentials>`: the credential alone is a secret too.
            let credential = value.split_once(' ').map_or(value, |(_, c)| c.trim());
            crate::gha::secrets::check_maskable(
                &format!(
                    "prometheus-headers line {}: the value of {}",
                    i + 1,
                    name.trim()
                ),
                credential,
            )
            .map_err(Failure::invalid)?;
            crate::gha::secrets::register(value);
            crate::gha::secrets::register(credential);
        }
        let name = HeaderName::from_bytes(name.trim().as_bytes()).map_err(|_| {
            Failure::invalid(format!(
                "prometheus-headers line {}: `{}` is not a header name",
                i + 1,
                name.trim()
            ))
        })?;
        let mut value = HeaderValue::from_str(value).map_err(|_| {
            Failure::invalid(format!(
                "prometheus-headers line {}: the value of {name} has characters a header cannot carry",
                i + 1
            ))
        })?;
        value.set_sensitive(secret);
        map.append(name, value);
    }
    Ok(map)
}
