//! TLS and network options, shared by the HTTP and WebSocket transports: extra CA
//! certificates, a client certificate (mTLS), `insecure`, a proxy and `resolve` overrides. One
//! rustls configuration serves both transports, so a certificate a step trusts over HTTP is
//! trusted for its WebSocket too.

use rustls::pki_types::pem::PemObject;
use rustls::pki_types::{CertificateDer, PrivateKeyDer, ServerName, UnixTime};
use std::collections::BTreeMap;
use std::net::SocketAddr;
use std::sync::Arc;

/// The options as the inputs give them.
#[derive(Debug, Default)]
pub struct Options {
    pub ca_cert: Option<String>,
    pub client_cert: Option<String>,
    pub client_key: Option<String>,
    pub insecure: bool,
    pub proxy: Option<reqwest::Url>,
    /// `host:port` to the address to connect to instead of what DNS says.
    pub resolve: BTreeMap<(String, u16), SocketAddr>,
}

/// What the transports connect with.
#[derive(Clone)]
pub struct Net {
    pub client: reqwest::Client,
    /// For `wss:` handshakes (HTTP/1.1 only).
    pub ws_tls: Arc<rustls::ClientConfig>,
    pub proxy: Option<reqwest::Url>,
    pub resolve: BTreeMap<(String, u16), SocketAddr>,
}

/// Reads the `resolve` input: one `host:port:address` per line (curl's `--resolve`); the
/// address may be `[v6]`.
pub fn parse_resolve(text: &str) -> Result<BTreeMap<(String, u16), SocketAddr>, String> {
    let mut out = BTreeMap::new();
    for (i, line) in text.lines().enumerate() {
        let line = line.trim();
        if line.is_empty() || line.starts_with('#') {
            continue;
        }
        let bad = || {
            format!(
                "resolve line {}: expected host:port:address (e.g. app.example.com:443:127.0.0.1), got {line:?}",
                i + 1
            )
        };
        let mut parts = line.splitn(3, ':');
        let (Some(host), Some(port), Some(addr)) = (parts.next(), parts.next(), parts.next())
        else {
            return Err(bad());
        };
        let port: u16 = port.parse().map_err(|_| bad())?;
        let ip: std::net::IpAddr = addr
            .trim_start_matches('[')
            .trim_end_matches(']')
            .parse()
            .map_err(|_| bad())?;
        if host.is_empty() {
            return Err(bad());
        }
        out.insert((host.to_ascii_lowercase(), port), SocketAddr::new(ip, port));
    }
    Ok(out)
}

fn read_certs(path: &str, what: &str) -> Result<Vec<CertificateDer<'static>>, String> {
    let certs: Result<Vec<_>, _> = CertificateDer::pem_file_iter(path)
        .map_err(|e| format!("{what} {path}: {e}"))?
        .collect();
    let certs = certs.map_err(|e| format!("{what} {path}: not a PEM certificate file: {e}"))?;
    if certs.is_empty() {
        return Err(format!("{what} {path}: no PEM certificate in it"));
    }
    Ok(certs)
}

fn tls_config(o: &Options, alpn: &[&[u8]]) -> Result<rustls::ClientConfig, String> {
    let provider = Arc::new(rustls::crypto::ring::default_provider());
    let builder = rustls::ClientConfig::builder_with_provider(provider.clone())
        .with_safe_default_protocol_versions()
        .map_err(|e| format!("TLS: {e}"))?;
    let verifier: Arc<dyn rustls::client::danger::ServerCertVerifier> = if o.insecure {
        Arc::new(AcceptAnyCertificate(provider.clone()))
    } else {
        let extra = match &o.ca_cert {
            Some(path) => read_certs(path, "ca-cert")?,
            None => Vec::new(),
        };
        Arc::new(
            rustls_platform_verifier::Verifier::new_with_extra_roots(extra, provider)
                .map_err(|e| format!("ca-cert: {e}"))?,
        )
    };
    let builder = builder
        .dangerous()
        .with_custom_certificate_verifier(verifier);
    let mut config = match (&o.client_cert, &o.client_key) {
        (Some(cert), Some(key)) => {
            let certs = read_certs(cert, "client-cert")?;
            let key = PrivateKeyDer::from_pem_file(key)
                .map_err(|e| format!("client-key {key}: not a PEM private key: {e}"))?;
            builder
                .with_client_auth_cert(certs, key)
                .map_err(|e| format!("client-cert and client-key: {e}"))?
        }
        (None, None) => builder.with_no_client_auth(),
        _ => return Err("client-cert and client-key go together: give both".into()),
    };
    config.alpn_protocols = alpn.iter().map(|p| p.to_vec()).collect();
    Ok(config)
}

/// The HTTP client (HTTP/2 where the server offers it) and the WebSocket TLS settings.
pub fn build(o: &Options, policy: &crate::http::Policy) -> Result<Net, String> {
    let http_tls = tls_config(o, &[b"h2", b"http/1.1"])?;
    let ws_tls = Arc::new(tls_config(o, &[b"http/1.1"])?);
    let mut builder = crate::http::client_builder(policy)
        .tls_backend_preconfigured(http_tls)
        .tls_info(true);
    if let Some(proxy) = &o.proxy {
        let p = reqwest::Proxy::all(proxy.clone()).map_err(|e| format!("proxy: {e}"))?;
        builder = builder.proxy(p);
    } else {
        builder = builder.no_proxy();
    }
    let mut by_host: BTreeMap<&str, Vec<SocketAddr>> = BTreeMap::new();
    for ((host, _), addr) in &o.resolve {
        by_host.entry(host).or_default().push(*addr);
    }
    for (host, addrs) in by_host {
        builder = builder.resolve_to_addrs(host, &addrs);
    }
    let client = builder
        .build()
        .map_err(|e| format!("cannot build the HTTP client: {e}"))?;
    Ok(Net {
        client,
        ws_tls,
        proxy: o.proxy.clone(),
        resolve: o.resolve.clone(),
    })
}

type WsStream =
    tokio_tungstenite::WebSocketStream<tokio_tungstenite::MaybeTlsStream<tokio::net::TcpStream>>;

/// Opens a WebSocket: to the `resolve` address when one is given, through the proxy (an HTTP
/// `CONNECT`) when one is set.
pub async fn ws_connect(
    net: &Net,
    request: tokio_tungstenite::tungstenite::handshake::client::Request,
    config: tokio_tungstenite::tungstenite::protocol::WebSocketConfig,
) -> Result<
    (
        WsStream,
        tokio_tungstenite::tungstenite::handshake::client::Response,
    ),
    tokio_tungstenite::tungstenite::Error,
> {
    use tokio_tungstenite::tungstenite::Error;
    let uri = request.uri();
    let host = uri
        .host()
        .unwrap_or_default()
        .trim_matches(['[', ']'])
        .to_string();
    let tls = uri.scheme_str() == Some("wss");
    let port = uri.port_u16().unwrap_or(if tls { 443 } else { 80 });
    let io = |e: std::io::Error| Error::Io(e);
    let stream = match &net.proxy {
        Some(proxy) => connect_through(proxy, &host, port).await.map_err(io)?,
        None => {
            let target = net.resolve.get(&(host.to_ascii_lowercase(), port));
            let stream = match target {
                Some(addr) => tokio::net::TcpStream::connect(addr).await,
                None => tokio::net::TcpStream::connect((host.as_str(), port)).await,
            };
            stream.map_err(io)?
        }
    };
    let _ = stream.set_nodelay(true);
    tokio_tungstenite::client_async_tls_with_config(
        request,
        stream,
        Some(config),
        Some(tokio_tungstenite::Connector::Rustls(net.ws_tls.clone())),
    )
    .await
}

/// A tunnel to `host:port` through an HTTP proxy (`CONNECT`), with the proxy's credentials
/// from its URL.
async fn connect_through(
    proxy: &reqwest::Url,
    host: &str,
    port: u16,
) -> std::io::Result<tokio::net::TcpStream> {
    use tokio::io::{AsyncReadExt, AsyncWriteExt};
    let other = |m: String| std::io::Error::other(m);
    let proxy_host = proxy
        .host_str()
        .unwrap_or_default()
        .trim_matches(['[', ']']);
    let proxy_port = proxy.port_or_known_default().unwrap_or(8080);
    let mut stream = tokio::net::TcpStream::connect((proxy_host, proxy_port)).await?;
    let authority = if host.contains(':') {
        format!("[{host}]:{port}")
    } else {
        format!("{host}:{port}")
    };
    let mut head = format!("CONNECT {authority} HTTP/1.1\r\nHost: {authority}\r\n");
    if !proxy.username().is_empty() {
        let user = percent_encoding::percent_decode_str(proxy.username()).decode_utf8_lossy();
        let password = percent_encoding::percent_decode_str(proxy.password().unwrap_or(""))
            .decode_utf8_lossy();
        head.push_str(&format!(
            "Proxy-Authorization: Basic {}\r\n",
            crate::gha::secrets::basic_credential(&user, &password)
        ));
    }
    head.push_str("\r\n");
    stream.write_all(head.as_bytes()).await?;
    // The proxy's answer head, read a byte at a time so nothing of the tunnel is consumed.
    let mut answer = Vec::new();
    while !answer.ends_with(b"\r\n\r\n") {
        if answer.len() > 8192 {
            return Err(other("the proxy's answer to CONNECT is too long".into()));
        }
        let mut byte = [0u8; 1];
        if stream.read(&mut byte).await? == 0 {
            return Err(other(
                "the proxy closed the connection during CONNECT".into(),
            ));
        }
        answer.push(byte[0]);
    }
    let status_line = String::from_utf8_lossy(&answer);
    let status_line = status_line.lines().next().unwrap_or_default();
    if status_line.split_whitespace().nth(1) != Some("200") {
        return Err(other(format!(
            "the proxy refused CONNECT {authority}: {}",
            crate::http::excerpt(status_line.as_bytes(), 100, false)
        )));
    }
    Ok(stream)
}

/// `insecure`: accepts any certificate, still checking the handshake's signatures (so the
/// connection is encrypted, only not authenticated).
#[derive(Debug)]
struct AcceptAnyCertificate(Arc<rustls::crypto::CryptoProvider>);

impl rustls::client::danger::ServerCertVerifier for AcceptAnyCertificate {
    fn verify_server_cert(
        &self,
        _end_entity: &CertificateDer<'_>,
        _intermediates: &[CertificateDer<'_>],
        _server_name: &ServerName<'_>,
        _ocsp_response: &[u8],
        _now: UnixTime,
    ) -> Result<rustls::client::danger::ServerCertVerified, rustls::Error> {
        Ok(rustls::client::danger::ServerCertVerified::assertion())
    }

    fn verify_tls12_signature(
        &self,
        message: &[u8],
        cert: &CertificateDer<'_>,
        dss: &rustls::DigitallySignedStruct,
    ) -> Result<rustls::client::danger::HandshakeSignatureValid, rustls::Error> {
        rustls::crypto::verify_tls12_signature(
            message,
            cert,
            dss,
            &self.0.signature_verification_algorithms,
        )
    }

    fn verify_tls13_signature(
        &self,
        message: &[u8],
        cert: &CertificateDer<'_>,
        dss: &rustls::DigitallySignedStruct,
    ) -> Result<rustls::client::danger::HandshakeSignatureValid, rustls::Error> {
        rustls::crypto::verify_tls13_signature(
            message,
            cert,
            dss,
            &self.0.signature_verification_algorithms,
        )
    }

    fn supported_verify_schemes(&self) -> Vec<rustls::SignatureScheme> {
        self.0.signature_verification_algorithms.supported_schemes()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn resolve_lines() {
        let r = parse_resolve("app.test:8443:127.0.0.1\n# c\n\nv6.test:443:[::1]\n").unwrap();
        assert_eq!(
            r[&("app.test".to_string(), 8443)],
            "127.0.0.1:8443".parse().unwrap()
        );
        assert_eq!(
            r[&("v6.test".to_string(), 443)],
            "[::1]:443".parse().unwrap()
        );
        for bad in [
            "app.test:443",
            "app.test:x:127.0.0.1",
            "app.test:443:nowhere",
        ] {
            let e = parse_resolve(bad).unwrap_err();
            assert!(
                e.contains("line 1") && e.contains("host:port:address"),
                "{e}"
            );
        }
    }
}
