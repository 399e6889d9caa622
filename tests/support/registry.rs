//! A real OCI registry for the promote and rollback tests: Debian's docker-registry (the CNCF
//! distribution server), started on a free loopback port with a generated config and stopped on
//! Drop; and a tiny independent pusher that uploads blobs and manifests over the API.

use std::io::{BufRead, BufReader};
use std::path::PathBuf;
use std::process::{Child, Stdio};
use std::sync::mpsc;
use std::time::Duration;

pub const USER: &str = "ci-bot";
pub const PASSWORD: &str = "s3cret-Registry-pw";

pub struct Registry {
    child: Child,
    pub port: u16,
    pub dir: tempfile::TempDir,
    pub auth: bool,
}

impl Drop for Registry {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

fn tool(var: &str, fallback: &str) -> Option<PathBuf> {
    if let Some(path) = std::env::var_os(var).filter(|p| !p.is_empty()) {
        return Some(PathBuf::from(path));
    }
    std::env::split_paths(&std::env::var_os("PATH").unwrap_or_default())
        .map(|d| d.join(fallback))
        .find(|p| p.is_file())
}

/// The registry, or None (with a note) when it is missing and READY_ALLOW_MISSING_TOOLS=1.
pub fn start(auth: bool) -> Option<Registry> {
    start_in(auth, false, tempfile::tempdir().unwrap())
}

impl Registry {
    /// Stops this registry and starts it again on the same storage, read-only (pushes refused).
    pub fn restart_read_only(mut self) -> Registry {
        let _ = self.child.kill();
        let _ = self.child.wait();
        let dir = std::mem::replace(&mut self.dir, tempfile::tempdir().unwrap());
        start_in(self.auth, true, dir).unwrap()
    }
}

fn start_in(auth: bool, read_only: bool, dir: tempfile::TempDir) -> Option<Registry> {
    let missing = |what: &str| {
        if std::env::var("READY_ALLOW_MISSING_TOOLS").as_deref() == Ok("1") {
            eprintln!("note: {what} is missing; skipped (READY_ALLOW_MISSING_TOOLS=1)");
            None
        } else {
            panic!(
                "{what} is missing: run scripts/test.sh (it installs it through scripts/provision/registry.sh)"
            )
        }
    };
    let Some(bin) = tool("READY_TEST_REGISTRY_BIN", "docker-registry") else {
        return missing("docker-registry (READY_TEST_REGISTRY_BIN)");
    };
    let auth_config = if auth {
        let Some(htpasswd) = tool("READY_TEST_HTPASSWD_BIN", "htpasswd") else {
            return missing("htpasswd (READY_TEST_HTPASSWD_BIN)");
        };
        let out = std::process::Command::new(htpasswd)
            .args(["-Bbn", USER, PASSWORD])
            .output()
            .unwrap();
        assert!(out.status.success(), "htpasswd failed");
        std::fs::write(dir.path().join("htpasswd"), &out.stdout).unwrap();
        format!(
            "auth:\n  htpasswd:\n    realm: ready-test\n    path: {}\n",
            dir.path().join("htpasswd").display()
        )
    } else {
        String::new()
    };
    let port = std::net::TcpListener::bind("127.0.0.1:0")
        .unwrap()
        .local_addr()
        .unwrap()
        .port();
    let config = format!(
        "version: 0.1\nlog:\n  level: info\n  accesslog:\n    disabled: true\nstorage:\n  filesystem:\n    rootdirectory: {}\n  delete:\n    enabled: true\n  maintenance:\n    readonly:\n      enabled: {read_only}\nhttp:\n  addr: 127.0.0.1:{port}\n  secret: ready-test-secret\n{auth_config}",
        dir.path().join("data").display()
    );
    let config_path = dir.path().join("config.yml");
    std::fs::write(&config_path, config).unwrap();
    let mut child = std::process::Command::new(bin)
        .arg("serve")
        .arg(&config_path)
        .env_clear()
        .stdin(Stdio::null())
        .stdout(Stdio::null())
        .stderr(Stdio::piped())
        .spawn()
        .unwrap();
    // Ready when it logs that it listens; its log goes on to the test's stderr after that.
    let stderr = child.stderr.take().unwrap();
    let (tx, rx) = mpsc::channel();
    std::thread::spawn(move || {
        let mut tx = Some(tx);
        for line in BufReader::new(stderr).lines().map_while(Result::ok) {
            if line.contains("listening on") {
                if let Some(tx) = tx.take() {
                    let _ = tx.send(Ok(()));
                }
            } else if tx.is_some() && line.contains("level=fatal") {
                let _ = tx.take().unwrap().send(Err(line));
            }
        }
    });
    let mut registry = Registry {
        child,
        port,
        dir,
        auth,
    };
    match rx.recv_timeout(Duration::from_secs(30)) {
        Ok(Ok(())) => Some(registry),
        other => {
            let _ = registry.child.kill();
            panic!("docker-registry did not start: {other:?}")
        }
    }
}

impl Registry {
    pub fn image(&self, name: &str) -> String {
        format!("127.0.0.1:{}/{name}", self.port)
    }

    pub fn pusher(&self, repo: &str) -> Pusher {
        Pusher {
            base: format!("http://127.0.0.1:{}/v2/{repo}", self.port),
            auth: self.auth,
            http: ready_actions::http::client(&ready_actions::http::Policy::default()).unwrap(),
        }
    }
}

pub fn sha256(bytes: &[u8]) -> String {
    let d = ring::digest::digest(&ring::digest::SHA256, bytes);
    let hex: String = d.as_ref().iter().map(|b| format!("{b:02x}")).collect();
    format!("sha256:{hex}")
}

pub const OCI_INDEX: &str = "application/vnd.oci.image.index.v1+json";
pub const OCI_MANIFEST: &str = "application/vnd.oci.image.manifest.v1+json";
pub const DOCKER_MANIFEST: &str = "application/vnd.docker.distribution.manifest.v2+json";
pub const ACCEPT: &str = "application/vnd.oci.image.index.v1+json, application/vnd.docker.distribution.manifest.list.v2+json, application/vnd.oci.image.manifest.v1+json, application/vnd.docker.distribution.manifest.v2+json";

/// Uploads over the distribution API with its own requests (not the code under test).
pub struct Pusher {
    base: String,
    auth: bool,
    http: reqwest::Client,
}

fn block_on<F: std::future::Future>(f: F) -> F::Output {
    tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
        .unwrap()
        .block_on(f)
}

impl Pusher {
    fn with_auth(&self, r: reqwest::RequestBuilder) -> reqwest::RequestBuilder {
        if self.auth {
            r.basic_auth(USER, Some(PASSWORD))
        } else {
            r
        }
    }

    pub fn blob(&self, bytes: &[u8]) -> String {
        let digest = sha256(bytes);
        block_on(async {
            let r = self
                .with_auth(self.http.post(format!("{}/blobs/uploads/", self.base)))
                .send()
                .await
                .unwrap();
            assert_eq!(r.status().as_u16(), 202, "upload start");
            let location = r.headers()["location"].to_str().unwrap().to_string();
            let mut url = reqwest::Url::parse(&self.base)
                .unwrap()
                .join(&location)
                .unwrap();
            url.query_pairs_mut().append_pair("digest", &digest);
            let r = self
                .with_auth(self.http.put(url))
                .body(bytes.to_vec())
                .send()
                .await
                .unwrap();
            assert_eq!(r.status().as_u16(), 201, "upload: {:?}", r.text().await);
        });
        digest
    }

    /// Puts a manifest under `reference` and returns its digest.
    pub fn manifest(&self, reference: &str, media_type: &str, bytes: &[u8]) -> String {
        block_on(async {
            let r = self
                .with_auth(
                    self.http
                        .put(format!("{}/manifests/{reference}", self.base)),
                )
                .header("content-type", media_type)
                .body(bytes.to_vec())
                .send()
                .await
                .unwrap();
            assert_eq!(r.status().as_u16(), 201, "manifest: {:?}", r.text().await);
        });
        sha256(bytes)
    }

    /// The manifest a reference resolves to: (digest header, content type, bytes), or None.
    pub fn get(&self, reference: &str) -> Option<(String, String, Vec<u8>)> {
        block_on(async {
            let r = self
                .with_auth(
                    self.http
                        .get(format!("{}/manifests/{reference}", self.base)),
                )
                .header("accept", ACCEPT)
                .send()
                .await
                .unwrap();
            if r.status().as_u16() == 404 {
                return None;
            }
            assert!(r.status().is_success(), "get {reference}: {}", r.status());
            let digest = r.headers()["docker-content-digest"]
                .to_str()
                .unwrap()
                .to_string();
            let ct = r.headers()["content-type"].to_str().unwrap().to_string();
            Some((digest, ct, r.bytes().await.unwrap().to_vec()))
        })
    }

    pub fn digest_of(&self, reference: &str) -> Option<String> {
        self.get(reference).map(|(d, _, _)| d)
    }

    /// A one-layer image for `platform` (`linux/amd64`), as an OCI or Docker v2 manifest.
    pub fn image(&self, build: &str, platform: &str, media_type: &str) -> (String, Vec<u8>) {
        let (os, arch) = platform.split_once('/').unwrap();
        let layer = format!("layer of build {build} for {platform}").into_bytes();
        let layer_digest = self.blob(&layer);
        let config = serde_json::to_vec(&serde_json::json!({
            "architecture": arch, "os": os,
            "config": {"Labels": {"build": build}},
            "rootfs": {"type": "layers", "diff_ids": [layer_digest]},
        }))
        .unwrap();
        let config_digest = self.blob(&config);
        let (config_type, layer_type) = if media_type == DOCKER_MANIFEST {
            (
                "application/vnd.docker.container.image.v1+json",
                "application/vnd.docker.image.rootfs.diff.tar.gzip",
            )
        } else {
            (
                "application/vnd.oci.image.config.v1+json",
                "application/vnd.oci.image.layer.v1.tar",
            )
        };
        let manifest = serde_json::to_vec(&serde_json::json!({
            "schemaVersion": 2,
            "mediaType": media_type,
            "config": {"mediaType": config_type, "digest": config_digest, "size": config.len()},
            "layers": [{"mediaType": layer_type, "digest": layer_digest, "size": layer.len()}],
        }))
        .unwrap();
        (sha256(&manifest), manifest)
    }

    /// Pushes a single-platform image under `tag`; returns its digest.
    pub fn push_image(&self, build: &str, tag: &str, media_type: &str) -> String {
        let (_, bytes) = self.image(build, "linux/amd64", media_type);
        self.manifest(tag, media_type, &bytes)
    }

    /// Pushes a two-platform OCI index (amd64, arm64) under `tag`; returns the index digest.
    pub fn push_index(&self, build: &str, tag: &str) -> String {
        let mut manifests = Vec::new();
        for platform in ["linux/amd64", "linux/arm64"] {
            let (digest, bytes) = self.image(build, platform, OCI_MANIFEST);
            self.manifest(&digest, OCI_MANIFEST, &bytes);
            let (os, arch) = platform.split_once('/').unwrap();
            manifests.push(serde_json::json!({
                "mediaType": OCI_MANIFEST, "digest": digest, "size": bytes.len(),
                "platform": {"os": os, "architecture": arch},
            }));
        }
        let index = serde_json::to_vec(&serde_json::json!({
            "schemaVersion": 2, "mediaType": OCI_INDEX, "manifests": manifests,
        }))
        .unwrap();
        self.manifest(tag, OCI_INDEX, &index)
    }
}
