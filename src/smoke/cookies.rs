//! The cookie jar a run keeps across steps: what `Set-Cookie` headers hand out is sent back to
//! the same host (and its subdomains with a `Domain`), on the paths it was set for, over https
//! only when `Secure`. Every value is a secret: registered when stored (see `http_step`).

use std::sync::Mutex;

#[derive(Debug, Clone, PartialEq, Eq)]
struct Cookie {
    name: String,
    value: String,
    /// Lower case; `host_only` cookies match this host exactly.
    domain: String,
    host_only: bool,
    path: String,
    secure: bool,
}

#[derive(Debug, Default)]
pub struct Jar {
    cookies: Mutex<Vec<Cookie>>,
}

impl Jar {
    /// Stores the cookies of one answer to `url`; a `Max-Age` of 0 or less, or an `Expires` in
    /// the past, removes the cookie.
    pub fn store(&self, url: &reqwest::Url, set_cookie: &[String]) {
        let host = url.host_str().unwrap_or_default().to_ascii_lowercase();
        let mut jar = self.cookies.lock().unwrap_or_else(|e| e.into_inner());
        for header in set_cookie {
            let Some((cookie, expired)) = parse(header, &host, url.path()) else {
                continue;
            };
            jar.retain(|c| {
                !(c.name == cookie.name && c.domain == cookie.domain && c.path == cookie.path)
            });
            if !expired {
                jar.push(cookie);
            }
        }
    }

    /// The `Cookie` header for a request to `url`, if the jar has any for it.
    pub fn header_for(&self, url: &reqwest::Url) -> Option<String> {
        let host = url.host_str().unwrap_or_default().to_ascii_lowercase();
        let https = matches!(url.scheme(), "https" | "wss");
        let jar = self.cookies.lock().unwrap_or_else(|e| e.into_inner());
        let pairs: Vec<String> = jar
            .iter()
            .filter(|c| {
                let domain_ok = if c.host_only {
                    host == c.domain
                } else {
                    host == c.domain || host.ends_with(&format!(".{}", c.domain))
                };
                let path_ok = url.path() == c.path
                    || url.path().starts_with(&c.path)
                        && (c.path.ends_with('/') || url.path()[c.path.len()..].starts_with('/'));
                domain_ok && path_ok && (https || !c.secure)
            })
            .map(|c| format!("{}={}", c.name, c.value))
            .collect();
        (!pairs.is_empty()).then(|| pairs.join("; "))
    }
}

/// One `Set-Cookie` header, and whether it removes the cookie. A `Domain` that does not cover
/// the host is refused, as browsers do.
fn parse(header: &str, host: &str, request_path: &str) -> Option<(Cookie, bool)> {
    let mut parts = header.split(';');
    let (name, value) = parts.next()?.split_once('=')?;
    let name = name.trim();
    if name.is_empty() {
        return None;
    }
    let default_path = match request_path.rfind('/') {
        Some(0) | None => "/".to_string(),
        Some(i) => request_path[..i].to_string(),
    };
    let mut cookie = Cookie {
        name: name.to_string(),
        value: value.trim().to_string(),
        domain: host.to_string(),
        host_only: true,
        path: default_path,
        secure: false,
    };
    let mut expired = false;
    for attribute in parts {
        let (key, val) = attribute.split_once('=').unwrap_or((attribute, ""));
        let val = val.trim();
        match key.trim().to_ascii_lowercase().as_str() {
            "domain" => {
                let domain = val.trim_start_matches('.').to_ascii_lowercase();
                if domain.is_empty() {
                    continue;
                }
                if host != domain && !host.ends_with(&format!(".{domain}")) {
                    return None;
                }
                cookie.domain = domain;
                cookie.host_only = false;
            }
            "path" if val.starts_with('/') => cookie.path = val.to_string(),
            "secure" => cookie.secure = true,
            "max-age" => expired |= val.parse::<i64>().is_ok_and(|s| s <= 0),
            "expires" => {
                expired |= httpdate::parse_http_date(val)
                    .is_ok_and(|when| when <= std::time::SystemTime::now());
            }
            _ => {}
        }
    }
    Some((cookie, expired))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn url(u: &str) -> reqwest::Url {
        reqwest::Url::parse(u).unwrap()
    }

    #[test]
    fn cookies_go_back_to_their_host_path_and_scheme() {
        let jar = Jar::default();
        jar.store(
            &url("https://app.test/login"),
            &[
                "session=abc; Path=/; HttpOnly".into(),
                "pref=dark; Path=/settings".into(),
                "tls=1; Secure".into(),
                "wide=1; Domain=app.test".into(),
                "evil=1; Domain=other.test".into(),
            ],
        );
        assert_eq!(
            jar.header_for(&url("https://app.test/drafts")).as_deref(),
            Some("session=abc; tls=1; wide=1")
        );
        assert_eq!(
            jar.header_for(&url("http://app.test/settings/x"))
                .as_deref(),
            Some("session=abc; pref=dark; wide=1")
        );
        assert_eq!(
            jar.header_for(&url("https://api.app.test/")).as_deref(),
            Some("wide=1")
        );
        assert_eq!(jar.header_for(&url("https://other.test/")), None);
        jar.store(
            &url("https://app.test/logout"),
            &["session=; Max-Age=0; Path=/".into()],
        );
        assert_eq!(
            jar.header_for(&url("https://app.test/drafts")).as_deref(),
            Some("tls=1; wide=1")
        );
    }
}
