//! A small OCI distribution client: resolve a tag to its digest, copy a manifest's exact bytes
//! under another tag, read and write blobs. Authenticates as registries ask: anonymously, with
//! basic credentials, or through the bearer-token challenge (`WWW-Authenticate: Bearer realm=…`)
//! that GHCR and Docker Hub use. Every request goes through `crate::http` (timeouts, retries).

pub mod auth;
pub mod history;
pub mod manifest;
pub mod reference;

use crate::http::{self, Policy};
use crate::report::Failure;
use reference::Repository;
use reqwest::{Method, StatusCode, header};

/// Registries refuse manifests over 4 MiB (the distribution spec's minimum they must accept).
pub const MAX_MANIFEST: usize = 4 << 20;
/// The only blobs read are image configs, a few KiB; the cap keeps an endless one out of memory.
pub const MAX_BLOB: usize = 16 << 20;
/// Token answers, and error answers, which are read for their message only.
const MAX_SMALL_ANSWER: usize = 1 << 20;

/// A whole answer of at most `limit` bytes; a larger one, or a failed read, cannot be decided on.
async fn read_body(
    response: reqwest::Response,
    limit: usize,
    doing: &str,
) -> Result<Vec<u8>, RegistryError> {
    http::read_capped(response, limit)
        .await
        .map_err(|e| RegistryError::Unreachable(format!("{doing}: {e}")))
}

/// The start of an error answer, for its message: what follows the cap is not read.
async fn error_body(response: reqwest::Response) -> Vec<u8> {
    http::read_limited(response, MAX_SMALL_ANSWER)
        .await
        .map(|(body, _)| body)
        .unwrap_or_default()
}

/// Username and password (or token) for the registry.
#[derive(Clone)]
pub struct Credentials {
    pub username: String,
    pub password: String,
}

impl Credentials {
    /// The credentials from `registry-username` and `registry-password` (empty means unset),
    /// registering the password, and the `Basic` credential made of both, as secrets at once.
    /// For ghcr.io without a password, the workflow's `GITHUB_TOKEN` (from the environment) is
    /// used, and never for another host.
    pub fn from_inputs(
        repo: &Repository,
        username: Option<String>,
        password: Option<String>,
        env: impl Fn(&str) -> Option<String>,
    ) -> Result<Option<Credentials>, Failure> {
        let set = |v: Option<String>| v.filter(|v| !v.trim().is_empty());
        let username = set(username).map(|u| u.trim().to_string());
        let password = set(password);
        if let Some(p) = &password {
            crate::gha::secrets::register(p);
        }
        for (what, value) in [
            ("`registry-username`", &username),
            ("`registry-password`", &password),
        ] {
            if let Some(value) = value {
                crate::gha::secrets::check_one_line(what, value).map_err(Failure::invalid)?;
            }
        }
        let github_user = || set(env("GITHUB_ACTOR")).unwrap_or_else(|| "github-actions".into());
        let credentials = match (username, password) {
            (Some(username), Some(password)) => Ok(Some(Credentials { username, password })),
            (None, Some(password)) if repo.host == "ghcr.io" => Ok(Some(Credentials {
                username: github_user(),
                password,
            })),
            (None, Some(_)) => Err(Failure::invalid(
                "`registry-password` is set but `registry-username` is not",
            )),
            (Some(_), None) => Err(Failure::invalid(
                "`registry-username` is set but `registry-password` is not",
            )),
            (None, None) if repo.host == "ghcr.io" => match set(env("GITHUB_TOKEN")) {
                Some(token) => {
                    crate::gha::secrets::register(&token);
                    crate::gha::secrets::check_one_line("GITHUB_TOKEN", &token)
                        .map_err(Failure::invalid)?;
                    Ok(Some(Credentials {
                        username: github_user(),
                        password: token,
                    }))
                }
                None => Ok(None),
            },
            (None, None) => Ok(None),
        }?;
        if let Some(c) = &credentials {
            crate::gha::secrets::register_basic(&c.username, &c.password);
        }
        Ok(credentials)
    }
}

/// Why a registry call failed. `into_failure` maps it onto the exit-code contract.
#[derive(Debug, thiserror::Error)]
pub enum RegistryError {
    /// The registry could not be reached, or kept answering 5xx, after retries (exit 3).
    #[error("{0}")]
    Unreachable(String),
    /// The registry said no: wrong credentials or no permission (exit 2, the user's setup).
    #[error("{0}")]
    Denied(String),
    /// The registry refused the request as invalid (exit 2).
    #[error("{0}")]
    Rejected(String),
    /// The registry answered something we cannot trust: a digest that does not match the bytes,
    /// a tag that does not resolve to what was just written (exit 3: nothing can be decided).
    #[error("{0}")]
    Inconsistent(String),
}

impl RegistryError {
    pub fn into_failure(self) -> Failure {
        match self {
            RegistryError::Unreachable(m) | RegistryError::Inconsistent(m) => Failure::undecided(m),
            RegistryError::Denied(m) | RegistryError::Rejected(m) => Failure::invalid(m),
        }
    }
}

/// A manifest exactly as the registry stores it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Manifest {
    pub digest: String,
    pub media_type: String,
    pub bytes: Vec<u8>,
}

#[derive(Debug, Clone)]
enum AuthState {
    Anonymous,
    Basic,
    Bearer { token: String, scope: String },
}

/// A client for one repository.
pub struct Client {
    http: reqwest::Client,
    policy: Policy,
    repo: Repository,
    base: String,
    credentials: Option<Credentials>,
    auth: AuthState,
}

impl Client {
    pub fn new(
        repo: Repository,
        credentials: Option<Credentials>,
        policy: Policy,
    ) -> Result<Self, Failure> {
        let http = http::client(&policy)
            .map_err(|e| Failure::undecided(format!("cannot build the HTTP client: {e}")))?;
        Ok(Client {
            http,
            policy,
            base: repo.api_base(),
            repo,
            credentials,
            auth: AuthState::Anonymous,
        })
    }

    pub fn repository(&self) -> &Repository {
        &self.repo
    }

    fn url(&self, tail: &str) -> String {
        format!("{}{}/{tail}", self.base, self.repo.path)
    }

    /// Sends a request with the current credentials; on 401 answers the challenge (basic, or a
    /// bearer token from the realm) and sends it again.
    async fn request(
        &mut self,
        method: Method,
        url: &str,
        headers: &[(header::HeaderName, String)],
        body: Option<&[u8]>,
        push: bool,
    ) -> Result<reqwest::Response, RegistryError> {
        let mut rounds = 0;
        loop {
            let auth = self.auth.clone();
            let credentials = self.credentials.clone();
            let response = http::send(&self.policy, None, || {
                let mut request = self.http.request(method.clone(), url);
                for (name, value) in headers {
                    request = request.header(name, value);
                }
                request = match (&auth, &credentials) {
                    (AuthState::Basic, Some(c)) => {
                        request.basic_auth(&c.username, Some(&c.password))
                    }
                    (AuthState::Bearer { token, .. }, _) => request.bearer_auth(token),
                    _ => request,
                };
                if let Some(body) = body {
                    request = request.body(body.to_vec());
                }
                request
            })
            .await
            .map_err(|e| RegistryError::Unreachable(format!("the registry is unreachable: {e}")))?;
            if response.status() != StatusCode::UNAUTHORIZED || rounds >= 2 {
                return Ok(response);
            }
            rounds += 1;
            let challenges: Vec<auth::Challenge> = response
                .headers()
                .get_all(header::WWW_AUTHENTICATE)
                .iter()
                .filter_map(|v| v.to_str().ok())
                .flat_map(auth::parse_challenges)
                .collect();
            if let Some(bearer) = challenges.iter().find(|c| c.scheme == "bearer") {
                let scope = match bearer.param("scope") {
                    Some(scope) if !push || scope.contains("push") => scope.to_string(),
                    _ => auth::default_scope(&self.repo.path, push),
                };
                if matches!(&self.auth, AuthState::Bearer { scope: s, .. } if *s == scope) {
                    return Ok(response);
                }
                let token = self.fetch_token(bearer, &scope).await?;
                self.auth = AuthState::Bearer { token, scope };
            } else if challenges.iter().any(|c| c.scheme == "basic")
                && self.credentials.is_some()
                && !matches!(self.auth, AuthState::Basic)
            {
                self.auth = AuthState::Basic;
            } else {
                return Ok(response);
            }
        }
    }

    /// GET realm?service=…&scope=… with the basic credentials (if any) → token.
    async fn fetch_token(
        &mut self,
        challenge: &auth::Challenge,
        scope: &str,
    ) -> Result<String, RegistryError> {
        let realm = challenge.param("realm").ok_or_else(|| {
            RegistryError::Inconsistent(format!(
                "{} asks for a bearer token but names no realm to get it from",
                self.repo.host
            ))
        })?;
        let mut url = reqwest::Url::parse(realm).map_err(|e| {
            RegistryError::Inconsistent(format!("the token realm {realm:?} is not a URL: {e}"))
        })?;
        auth::check_realm(&url, self.repo.scheme).map_err(RegistryError::Inconsistent)?;
        {
            let mut query = url.query_pairs_mut();
            if let Some(service) = challenge.param("service") {
                query.append_pair("service", service);
            }
            query.append_pair("scope", scope);
        }
        let credentials = self.credentials.clone();
        let response = http::send(&self.policy, None, || {
            let request = self.http.get(url.clone());
            match &credentials {
                Some(c) => request.basic_auth(&c.username, Some(&c.password)),
                None => request,
            }
        })
        .await
        .map_err(|e| {
            RegistryError::Unreachable(format!("the registry's token service is unreachable: {e}"))
        })?;
        let status = response.status();
        let body = read_body(response, MAX_SMALL_ANSWER, "the registry's token answer").await?;
        if status == StatusCode::UNAUTHORIZED || status == StatusCode::FORBIDDEN {
            return Err(RegistryError::Denied(format!(
                "{}: the token service refused the {} (HTTP {}) for {scope}: check registry-username and registry-password",
                self.repo.host,
                if self.credentials.is_some() {
                    "credentials"
                } else {
                    "anonymous request"
                },
                status.as_u16()
            )));
        }
        if !status.is_success() {
            return Err(status_error(status, &body, "getting a registry token"));
        }
        let token = auth::token_from_answer(&body).ok_or_else(|| {
            RegistryError::Inconsistent(format!(
                "{}: the token service's answer has no token",
                self.repo.host
            ))
        })?;
        // A bearer token is a credential like the password it was bought with.
        crate::gha::secrets::register(&token);
        Ok(token)
    }

    /// The digest a tag (or digest) points at, or None when there is no such manifest.
    pub async fn resolve(&mut self, reference: &str) -> Result<Option<String>, RegistryError> {
        let url = self.url(&format!("manifests/{reference}"));
        let accept = [(header::ACCEPT, manifest::accept_header())];
        let response = self
            .request(Method::HEAD, &url, &accept, None, false)
            .await?;
        let status = response.status();
        if status == StatusCode::NOT_FOUND {
            return Ok(None);
        }
        if !status.is_success() {
            return Err(self.describe(
                status,
                &[],
                &format!("resolving {}:{reference}", self.repo.image),
            ));
        }
        let digest = response
            .headers()
            .get("docker-content-digest")
            .and_then(|v| v.to_str().ok())
            .map(str::to_string);
        match digest {
            Some(d) if reference::valid_digest(&d) => Ok(Some(d)),
            // Registries need not send the header on HEAD: read the manifest and hash it.
            _ => Ok(self.manifest(reference).await?.map(|m| m.digest)),
        }
    }

    /// The manifest's exact bytes, checked against its digest; None when there is none.
    pub async fn manifest(&mut self, reference: &str) -> Result<Option<Manifest>, RegistryError> {
        let url = self.url(&format!("manifests/{reference}"));
        let accept = [(header::ACCEPT, manifest::accept_header())];
        let response = self
            .request(Method::GET, &url, &accept, None, false)
            .await?;
        let status = response.status();
        let headers = response.headers().clone();
        let bytes = read_body(
            response,
            MAX_MANIFEST,
            &format!("reading the manifest {reference}"),
        )
        .await?;
        if status == StatusCode::NOT_FOUND {
            return Ok(None);
        }
        if !status.is_success() {
            return Err(self.describe(
                status,
                &bytes,
                &format!("reading {}:{reference}", self.repo.image),
            ));
        }
        let digest = manifest::sha256(&bytes);
        let claimed = headers
            .get("docker-content-digest")
            .and_then(|v| v.to_str().ok());
        let expected = if reference::valid_digest(reference) {
            Some(reference)
        } else {
            claimed.filter(|c| c.starts_with("sha256:"))
        };
        if let Some(expected) = expected
            && expected != digest
        {
            return Err(RegistryError::Inconsistent(format!(
                "{}:{reference}: the registry served a manifest whose sha256 is {digest}, not {expected}",
                self.repo.image
            )));
        }
        let content_type = headers
            .get(header::CONTENT_TYPE)
            .and_then(|v| v.to_str().ok());
        let media_type = manifest::media_type(&bytes, content_type).map_err(|e| {
            RegistryError::Rejected(format!("{}:{reference}: {e}", self.repo.image))
        })?;
        Ok(Some(Manifest {
            digest,
            media_type,
            bytes,
        }))
    }

    /// Stores the manifest's bytes under `tag` and returns the digest the registry reports.
    pub async fn put_manifest(&mut self, tag: &str, m: &Manifest) -> Result<String, RegistryError> {
        let url = self.url(&format!("manifests/{tag}"));
        let headers = [(header::CONTENT_TYPE, m.media_type.clone())];
        let response = self
            .request(Method::PUT, &url, &headers, Some(&m.bytes), true)
            .await?;
        let status = response.status();
        let digest = response
            .headers()
            .get("docker-content-digest")
            .and_then(|v| v.to_str().ok())
            .map(str::to_string);
        let body = error_body(response).await;
        if !status.is_success() {
            return Err(self.describe(
                status,
                &body,
                &format!("pushing {}:{tag}", self.repo.image),
            ));
        }
        Ok(digest.unwrap_or_else(|| m.digest.clone()))
    }

    /// A blob's bytes, checked against its digest.
    pub async fn blob(&mut self, digest: &str) -> Result<Option<Vec<u8>>, RegistryError> {
        let url = self.url(&format!("blobs/{digest}"));
        let response = self.request(Method::GET, &url, &[], None, false).await?;
        let status = response.status();
        let bytes = read_body(response, MAX_BLOB, &format!("reading the blob {digest}")).await?;
        if status == StatusCode::NOT_FOUND {
            return Ok(None);
        }
        if !status.is_success() {
            return Err(self.describe(status, &bytes, &format!("reading the blob {digest}")));
        }
        let actual = manifest::sha256(&bytes);
        if actual != digest {
            return Err(RegistryError::Inconsistent(format!(
                "the registry served blob {digest} with sha256 {actual}"
            )));
        }
        Ok(Some(bytes))
    }

    /// The commit an image was built from, from its `org.opencontainers.image.revision` label
    /// (through an index to its first platform image); None when it has none.
    pub async fn revision(&mut self, m: &Manifest) -> Result<Option<String>, RegistryError> {
        let mut next = manifest::next_for_labels(&m.bytes);
        // An index points at a manifest, which points at a config: two hops at most.
        for _ in 0..2 {
            match next {
                manifest::Next::Manifest(digest) => match self.manifest(&digest).await? {
                    Some(inner) => next = manifest::next_for_labels(&inner.bytes),
                    None => return Ok(None),
                },
                manifest::Next::Config(digest) => {
                    return Ok(self
                        .blob(&digest)
                        .await?
                        .and_then(|config| manifest::revision_label(&config)));
                }
                manifest::Next::None => return Ok(None),
            }
        }
        Ok(None)
    }

    /// Uploads a blob unless the registry has it already (monolithic upload: POST, then PUT).
    pub async fn push_blob(&mut self, bytes: &[u8]) -> Result<String, RegistryError> {
        let digest = manifest::sha256(bytes);
        let url = self.url(&format!("blobs/{digest}"));
        let response = self.request(Method::HEAD, &url, &[], None, true).await?;
        if response.status().is_success() {
            return Ok(digest);
        }
        let url = self.url("blobs/uploads/");
        let response = self
            .request(
                Method::POST,
                &url,
                &[(header::CONTENT_LENGTH, "0".into())],
                None,
                true,
            )
            .await?;
        let status = response.status();
        let location = response
            .headers()
            .get(header::LOCATION)
            .and_then(|v| v.to_str().ok())
            .map(str::to_string);
        let body = error_body(response).await;
        if status != StatusCode::ACCEPTED {
            return Err(self.describe(
                status,
                &body,
                &format!("starting an upload to {}", self.repo.image),
            ));
        }
        let location = location.ok_or_else(|| {
            RegistryError::Inconsistent("the registry started an upload without a Location".into())
        })?;
        let base = reqwest::Url::parse(&self.base).expect("the API base is a URL");
        let mut upload = base.join(&location).map_err(|e| {
            RegistryError::Inconsistent(format!(
                "the upload Location {location:?} is not a URL: {e}"
            ))
        })?;
        upload.query_pairs_mut().append_pair("digest", &digest);
        let headers = [(header::CONTENT_TYPE, "application/octet-stream".to_string())];
        let response = self
            .request(Method::PUT, upload.as_str(), &headers, Some(bytes), true)
            .await?;
        let status = response.status();
        let body = error_body(response).await;
        if !status.is_success() {
            return Err(self.describe(status, &body, &format!("uploading blob {digest}")));
        }
        Ok(digest)
    }

    /// An unsuccessful answer in words, classified for the exit code.
    fn describe(&self, status: StatusCode, body: &[u8], doing: &str) -> RegistryError {
        let who = if self.credentials.is_some() {
            "the credentials given"
        } else {
            "anonymous access (no registry-username/registry-password given)"
        };
        let detail = registry_errors(body);
        let detail = if detail.is_empty() {
            String::new()
        } else {
            format!(": {detail}")
        };
        match status.as_u16() {
            401 | 403 => RegistryError::Denied(format!(
                "{doing}: denied (HTTP {}) for {who}{detail}",
                status.as_u16()
            )),
            500..=599 | 408 | 429 => RegistryError::Unreachable(format!(
                "{doing}: the registry answered HTTP {} after retries{detail}",
                status.as_u16()
            )),
            _ => RegistryError::Rejected(format!(
                "{doing}: the registry refused it (HTTP {}){detail}",
                status.as_u16()
            )),
        }
    }
}

fn status_error(status: StatusCode, body: &[u8], doing: &str) -> RegistryError {
    let detail = registry_errors(body);
    let message = format!("{doing}: HTTP {} {detail}", status.as_u16());
    if status.is_server_error() {
        RegistryError::Unreachable(message)
    } else {
        RegistryError::Rejected(message)
    }
}

/// The distribution spec's error body, `{"errors":[{"code":…,"message":…}]}`, in words.
pub fn registry_errors(body: &[u8]) -> String {
    #[derive(serde::Deserialize)]
    struct Errors {
        errors: Vec<Error>,
    }
    #[derive(serde::Deserialize)]
    struct Error {
        #[serde(default)]
        code: String,
        #[serde(default)]
        message: String,
    }
    serde_json::from_slice::<Errors>(body)
        .map(|e| {
            e.errors
                .iter()
                .map(|e| match (e.code.is_empty(), e.message.is_empty()) {
                    (false, false) => format!("{} ({})", e.message, e.code),
                    (false, true) => e.code.clone(),
                    _ => e.message.clone(),
                })
                .collect::<Vec<_>>()
                .join("; ")
        })
        .unwrap_or_default()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn credentials_from_inputs() {
        let ghcr = reference::parse_image("ghcr.io/o/a").unwrap();
        let local = reference::parse_image("127.0.0.1:5000/a").unwrap();
        let env = |k: &str| match k {
            "GITHUB_TOKEN" => Some("ghs_workflowtoken".to_string()),
            "GITHUB_ACTOR" => Some("octocat".to_string()),
            _ => None,
        };
        // Registered as secrets for the whole test process: values no other test prints.
        let s = |v: &str| Some(v.to_string());
        let c = Credentials::from_inputs(&local, s("u"), s("unit-test-registry-pw"), env)
            .unwrap()
            .unwrap();
        assert_eq!(
            (c.username.as_str(), c.password.as_str()),
            ("u", "unit-test-registry-pw")
        );
        // Empty inputs mean unset; the workflow token never goes to another registry.
        assert!(
            Credentials::from_inputs(&local, s(""), s(""), env)
                .unwrap()
                .is_none()
        );
        let c = Credentials::from_inputs(&ghcr, s(""), None, env)
            .unwrap()
            .unwrap();
        assert_eq!(
            (c.username.as_str(), c.password.as_str()),
            ("octocat", "ghs_workflowtoken")
        );
        let c = Credentials::from_inputs(&ghcr, None, s("unit-test-ghcr-pat"), |_| None)
            .unwrap()
            .unwrap();
        assert_eq!(
            (c.username.as_str(), c.password.as_str()),
            ("github-actions", "unit-test-ghcr-pat")
        );
        assert!(Credentials::from_inputs(&local, None, s("unit-test-registry-pw"), env).is_err());
        assert!(Credentials::from_inputs(&local, s("u"), None, env).is_err());
    }

    #[test]
    fn registry_error_bodies() {
        assert_eq!(
            registry_errors(
                br#"{"errors":[{"code":"MANIFEST_UNKNOWN","message":"manifest unknown","detail":{}}]}"#
            ),
            "manifest unknown (MANIFEST_UNKNOWN)"
        );
        assert_eq!(registry_errors(b"not json"), "");
    }

    #[test]
    fn errors_map_onto_exit_codes() {
        use crate::report::Verdict;
        let verdict = |e: RegistryError| e.into_failure().into_report("promote").verdict;
        assert_eq!(
            verdict(RegistryError::Unreachable("x".into())),
            Verdict::Error
        );
        assert_eq!(
            verdict(RegistryError::Inconsistent("x".into())),
            Verdict::Error
        );
        assert_eq!(verdict(RegistryError::Denied("x".into())), Verdict::Invalid);
        assert_eq!(
            verdict(RegistryError::Rejected("x".into())),
            Verdict::Invalid
        );
    }

    /// The bearer-token flow as GHCR and Docker Hub run it, against a wiremock registry and token
    /// service: a pull token for reads, a second token with push scope for writes, basic
    /// credentials sent to the token service only.
    #[test]
    fn bearer_token_challenge_flow() {
        use wiremock::matchers::{header, method, path, query_param};
        use wiremock::{Mock, MockServer, ResponseTemplate};
        crate::runtime::block_on(async {
            let server = MockServer::start().await;
            let realm = format!("{}/token", server.uri());
            let challenge = |scope: &str| {
                ResponseTemplate::new(401).insert_header(
                    "www-authenticate",
                    format!(r#"Bearer realm="{realm}",service="reg.test",scope="{scope}""#)
                        .as_str(),
                )
            };
            let body = br#"{"schemaVersion":2,"mediaType":"application/vnd.oci.image.manifest.v1+json","config":{},"layers":[]}"#;
            let digest = manifest::sha256(body);
            for (scope, answer) in [
                ("repository:app:pull", r#"{"token":"tok-pull"}"#),
                ("repository:app:pull,push", r#"{"access_token":"tok-push"}"#),
            ] {
                Mock::given(method("GET"))
                    .and(path("/token"))
                    .and(query_param("service", "reg.test"))
                    .and(query_param("scope", scope))
                    .and(header("authorization", "Basic dTpwdw=="))
                    .respond_with(ResponseTemplate::new(200).set_body_string(answer))
                    .expect(1)
                    .mount(&server)
                    .await;
            }
            Mock::given(method("GET"))
                .and(path("/v2/app/manifests/prod"))
                .and(header("authorization", "Bearer tok-pull"))
                .respond_with(
                    ResponseTemplate::new(200)
                        .insert_header("content-type", manifest::OCI_MANIFEST)
                        .insert_header("docker-content-digest", digest.as_str())
                        .set_body_bytes(body.to_vec()),
                )
                .mount(&server)
                .await;
            Mock::given(method("PUT"))
                .and(path("/v2/app/manifests/stable"))
                .and(header("authorization", "Bearer tok-push"))
                .and(header("content-type", manifest::OCI_MANIFEST))
                .respond_with(
                    ResponseTemplate::new(201)
                        .insert_header("docker-content-digest", digest.as_str()),
                )
                .expect(1)
                .mount(&server)
                .await;
            Mock::given(method("GET"))
                .and(path("/v2/app/manifests/prod"))
                .respond_with(challenge("repository:app:pull"))
                .with_priority(10)
                .mount(&server)
                .await;
            Mock::given(method("PUT"))
                .and(path("/v2/app/manifests/stable"))
                .respond_with(challenge("repository:app:pull,push"))
                .with_priority(10)
                .mount(&server)
                .await;

            let repo = reference::parse_image(&format!("{}/app", server.address())).unwrap();
            let credentials = Credentials {
                username: "u".into(),
                password: "pw".into(),
            };
            let mut client = Client::new(repo, Some(credentials), Policy::default()).unwrap();
            let m = client.manifest("prod").await.unwrap().unwrap();
            assert_eq!(
                (m.digest.as_str(), m.media_type.as_str()),
                (digest.as_str(), manifest::OCI_MANIFEST)
            );
            // The pull token is reused: no second token request for the same scope.
            assert_eq!(client.manifest("prod").await.unwrap().unwrap().bytes, body);
            assert_eq!(client.put_manifest("stable", &m).await.unwrap(), digest);
            server.verify().await;

            // Refused by the token service: denied, which is the user's to fix (exit 2).
            let repo = reference::parse_image(&format!("{}/app", server.address())).unwrap();
            let wrong = Credentials {
                username: "u".into(),
                password: "wrong".into(),
            };
            let mut client = Client::new(repo, Some(wrong), Policy::default()).unwrap();
            Mock::given(method("GET"))
                .and(path("/token"))
                .respond_with(ResponseTemplate::new(401))
                .with_priority(10)
                .mount(&server)
                .await;
            let err = client.manifest("prod").await.unwrap_err();
            assert!(matches!(err, RegistryError::Denied(_)), "{err}");
            assert!(
                err.to_string()
                    .contains("token service refused the credentials"),
                "{err}"
            );
        });
    }
}
