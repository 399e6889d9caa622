//! scripts/install.sh against a loopback HTTP server that serves a fake release.

use std::collections::HashMap;
use std::io::{BufRead, BufReader, Write};
use std::net::TcpListener;
use std::path::{Path, PathBuf};
use std::process::{Command, Output};
use std::sync::{Arc, Mutex};

const TARGET: &str = "x86_64-unknown-linux-musl";
const ASSET: &str = "ready-x86_64-unknown-linux-musl.tar.gz";

/// A static file server that records every path it was asked for.
struct ReleaseServer {
    base: String,
    files: Arc<Mutex<HashMap<String, Vec<u8>>>>,
    requests: Arc<Mutex<Vec<String>>>,
}

impl ReleaseServer {
    fn start() -> Self {
        let listener = TcpListener::bind("127.0.0.1:0").unwrap();
        let base = format!("http://{}/releases", listener.local_addr().unwrap());
        let files: Arc<Mutex<HashMap<String, Vec<u8>>>> = Arc::default();
        let requests: Arc<Mutex<Vec<String>>> = Arc::default();
        let (f, r) = (files.clone(), requests.clone());
        std::thread::spawn(move || {
            for stream in listener.incoming() {
                let Ok(mut stream) = stream else { continue };
                let mut reader = BufReader::new(stream.try_clone().unwrap());
                let mut request_line = String::new();
                if reader.read_line(&mut request_line).is_err() {
                    continue;
                }
                loop {
                    let mut header = String::new();
                    if reader.read_line(&mut header).unwrap_or(0) == 0 || header == "\r\n" {
                        break;
                    }
                }
                let path = request_line
                    .split_whitespace()
                    .nth(1)
                    .unwrap_or("")
                    .to_string();
                r.lock().unwrap().push(path.clone());
                let body = f.lock().unwrap().get(&path).cloned();
                let (status, body) = match body {
                    Some(body) => ("200 OK", body),
                    None => ("404 Not Found", b"Not Found".to_vec()),
                };
                let head = format!(
                    "HTTP/1.1 {status}\r\nContent-Length: {}\r\nConnection: close\r\n\r\n",
                    body.len()
                );
                let _ = stream.write_all(head.as_bytes());
                let _ = stream.write_all(&body);
            }
        });
        ReleaseServer {
            base,
            files,
            requests,
        }
    }

    fn serve(&self, name: &str, body: Vec<u8>) {
        let path = format!("/releases/v{}/{name}", env!("CARGO_PKG_VERSION"));
        self.files.lock().unwrap().insert(path, body);
    }

    fn requests(&self) -> Vec<String> {
        self.requests.lock().unwrap().clone()
    }
}

fn sha256(path: &Path) -> String {
    let sum = Command::new("sha256sum").arg(path).output().unwrap();
    let sum = String::from_utf8(sum.stdout).unwrap();
    sum.split_whitespace().next().unwrap().to_string()
}

/// The SHA256SUMS lines the release pins in its commit: the archive's and the binary's.
fn pinned_sums(dir: &Path, archive_line: &str) -> String {
    let binary = sha256(&dir.join("stage/ready"));
    format!("{archive_line}{binary}  ready-{TARGET}/ready\n")
}

/// A release archive holding a stand-in `ready`, and its SHA256SUMS line.
fn fake_release(dir: &Path) -> (Vec<u8>, String) {
    let stage = dir.join("stage");
    std::fs::create_dir_all(&stage).unwrap();
    std::fs::write(
        stage.join("ready"),
        "#!/bin/sh\necho 'ready (fake release)'\n",
    )
    .unwrap();
    let archive = dir.join(ASSET);
    let status = Command::new("tar")
        .args(["-czf"])
        .arg(&archive)
        .arg("-C")
        .arg(&stage)
        .arg("ready")
        .status()
        .unwrap();
    assert!(status.success());
    let sum = Command::new("sha256sum").arg(&archive).output().unwrap();
    let sum = String::from_utf8(sum.stdout).unwrap();
    let hex = sum.split_whitespace().next().unwrap().to_string();
    (
        std::fs::read(&archive).unwrap(),
        format!("{hex}  {ASSET}\n"),
    )
}

/// A release server serving the stand-in release and its sums, and a runner to install from it.
fn served_release() -> (ReleaseServer, Runner) {
    let server = ReleaseServer::start();
    let runner = Runner::new();
    let (archive, sums) = fake_release(runner.tmp.path());
    server.serve(ASSET, archive);
    server.serve("SHA256SUMS", sums.into_bytes());
    (server, runner)
}

struct Runner {
    tmp: tempfile::TempDir,
}

impl Runner {
    fn new() -> Self {
        Runner {
            tmp: tempfile::tempdir().unwrap(),
        }
    }

    fn path(&self, name: &str) -> PathBuf {
        self.tmp.path().join(name)
    }

    fn run(&self, base: &str, extra: &[(&str, &str)]) -> Output {
        let script = Path::new(env!("CARGO_MANIFEST_DIR")).join("scripts/install.sh");
        self.run_script(&script, base, extra)
    }

    /// A checkout of this repository as a release commit has it: with `scripts/SHA256SUMS`.
    fn release_checkout(&self, pinned_sums: &str) -> PathBuf {
        let root = Path::new(env!("CARGO_MANIFEST_DIR"));
        let checkout = self.path("checkout");
        std::fs::create_dir_all(checkout.join("scripts")).unwrap();
        std::fs::copy(root.join("Cargo.toml"), checkout.join("Cargo.toml")).unwrap();
        std::fs::copy(
            root.join("scripts/install.sh"),
            checkout.join("scripts/install.sh"),
        )
        .unwrap();
        std::fs::write(checkout.join("scripts/SHA256SUMS"), pinned_sums).unwrap();
        checkout.join("scripts/install.sh")
    }

    fn run_script(&self, script: &Path, base: &str, extra: &[(&str, &str)]) -> Output {
        let mut cmd = Command::new("bash");
        cmd.arg(script)
            .env_clear()
            .env("PATH", "/usr/local/bin:/usr/bin:/bin")
            .env("HOME", self.tmp.path())
            .env("GITHUB_ACTIONS", "true")
            .env("RUNNER_OS", "Linux")
            .env("RUNNER_ARCH", "X64")
            .env("RUNNER_TOOL_CACHE", self.path("toolcache"))
            .env("GITHUB_OUTPUT", self.path("output"))
            .env("GITHUB_PATH", self.path("path"))
            .env("READY_DOWNLOAD_BASE", base);
        for (k, v) in extra {
            cmd.env(k, v);
        }
        cmd.output().unwrap()
    }

    fn file(&self, name: &str) -> String {
        std::fs::read_to_string(self.path(name)).unwrap_or_default()
    }

    fn installed(&self) -> PathBuf {
        self.path("toolcache/ready")
            .join(env!("CARGO_PKG_VERSION"))
            .join(TARGET)
            .join("ready")
    }
}

fn text(out: &Output) -> String {
    format!(
        "{}{}",
        String::from_utf8_lossy(&out.stdout),
        String::from_utf8_lossy(&out.stderr)
    )
}

#[test]
fn downloads_verifies_caches_and_then_uses_the_cache_without_a_request() {
    let (server, runner) = served_release();

    let first = runner.run(&server.base, &[]);
    assert!(first.status.success(), "{}", text(&first));
    let bin = runner.installed();
    let shown = Command::new(&bin).output().unwrap();
    assert_eq!(
        String::from_utf8_lossy(&shown.stdout),
        "ready (fake release)\n"
    );
    assert!(
        runner
            .file("output")
            .contains(&format!("path={}\n", bin.display()))
    );
    assert!(
        runner
            .file("output")
            .contains(&format!("version={}\n", env!("CARGO_PKG_VERSION")))
    );
    assert_eq!(
        runner.file("path").trim(),
        bin.parent().unwrap().display().to_string()
    );
    assert!(text(&first).contains("provenance not verified"));
    let asked = server.requests();
    assert_eq!(asked.len(), 2, "{asked:?}");

    let second = runner.run(&server.base, &[]);
    assert!(second.status.success(), "{}", text(&second));
    assert!(text(&second).contains("using the tool cache (checksum verified)"));
    assert_eq!(server.requests().len(), 2, "the cached run made a request");
}

#[test]
fn checksum_mismatch_aborts_and_leaves_nothing_on_path() {
    let server = ReleaseServer::start();
    let runner = Runner::new();
    let (archive, _) = fake_release(runner.tmp.path());
    server.serve(ASSET, archive);
    server.serve(
        "SHA256SUMS",
        format!("{}  {ASSET}\n", "0".repeat(64)).into_bytes(),
    );

    let out = runner.run(&server.base, &[]);
    assert_eq!(out.status.code(), Some(1));
    let said = text(&out);
    assert!(
        said.contains("checksum mismatch for ready-x86_64-unknown-linux-musl.tar.gz"),
        "{said}"
    );
    assert!(
        said.contains("::error title=ready install::checksum mismatch"),
        "{said}"
    );
    assert!(runner.file("path").is_empty());
    assert!(runner.file("output").is_empty());
    assert!(!runner.installed().exists());
}

#[test]
fn sums_without_an_entry_for_the_asset_abort() {
    let server = ReleaseServer::start();
    let runner = Runner::new();
    let (archive, _) = fake_release(runner.tmp.path());
    server.serve(ASSET, archive);
    server.serve("SHA256SUMS", b"abc  ready-other.tar.gz\n".to_vec());
    let out = runner.run(&server.base, &[]);
    assert_eq!(out.status.code(), Some(1));
    assert!(
        text(&out).contains("SHA256SUMS has no entry for"),
        "{}",
        text(&out)
    );
    assert!(runner.file("path").is_empty());
}

#[test]
fn unsupported_platforms_get_a_clear_error() {
    let runner = Runner::new();
    let out = runner.run("http://127.0.0.1:9/none", &[("RUNNER_OS", "FreeBSD")]);
    assert_eq!(out.status.code(), Some(1));
    assert!(
        text(&out).contains("unsupported operating system 'FreeBSD'"),
        "{}",
        text(&out)
    );
    let out = runner.run("http://127.0.0.1:9/none", &[("RUNNER_ARCH", "ARM")]);
    assert_eq!(out.status.code(), Some(1));
    assert!(
        text(&out).contains("unsupported architecture 'ARM' on linux"),
        "{}",
        text(&out)
    );
    let out = runner.run(
        "http://127.0.0.1:9/none",
        &[("RUNNER_OS", "Windows"), ("RUNNER_ARCH", "ARM64")],
    );
    assert!(
        text(&out).contains("unsupported platform windows aarch64"),
        "{}",
        text(&out)
    );
    assert!(runner.file("path").is_empty());
}

#[test]
fn unreachable_release_server_fails_instead_of_building() {
    let runner = Runner::new();
    // Port 9 (discard) on loopback refuses connections.
    let out = runner.run("http://127.0.0.1:9/releases", &[]);
    assert_eq!(out.status.code(), Some(1));
    assert!(text(&out).contains("could not reach"), "{}", text(&out));
}

/// A branch or SHA pin has no release asset: install.sh builds this crate with cargo, for real.
#[test]
fn missing_asset_falls_back_to_a_source_build() {
    let server = ReleaseServer::start();
    let runner = Runner::new();
    let cargo = std::env::var("CARGO").unwrap_or_else(|_| "cargo".into());
    let cargo_dir = Path::new(&cargo)
        .parent()
        .map(|p| p.display().to_string())
        .unwrap_or_default();
    let path = format!("{cargo_dir}:/usr/local/bin:/usr/bin:/bin");
    let target_dir = Path::new(env!("CARGO_MANIFEST_DIR")).join("target/install-source-build");
    let home = std::env::var("CARGO_HOME")
        .unwrap_or_else(|_| format!("{}/.cargo", std::env::var("HOME").unwrap()));
    let rustup_home = std::env::var("RUSTUP_HOME")
        .unwrap_or_else(|_| format!("{}/.rustup", std::env::var("HOME").unwrap()));
    let out = runner.run(
        &server.base,
        &[
            ("PATH", path.as_str()),
            ("CARGO_HOME", home.as_str()),
            ("RUSTUP_HOME", rustup_home.as_str()),
            ("READY_BUILD_PROFILE", "dev"),
            ("CARGO_TARGET_DIR", target_dir.to_str().unwrap()),
        ],
    );
    let said = text(&out);
    assert!(out.status.success(), "{said}");
    assert!(said.contains("building from source with cargo"), "{said}");
    let bin = target_dir.join("debug/ready");
    assert!(
        runner
            .file("output")
            .contains(&format!("path={}", bin.display()))
    );
    let version = Command::new(&bin).arg("--version").output().unwrap();
    assert!(
        String::from_utf8_lossy(&version.stdout)
            .starts_with(&format!("ready {}", env!("CARGO_PKG_VERSION")))
    );
    assert_eq!(server.requests().len(), 1, "only the asset was asked for");
}

#[test]
fn the_checksums_pinned_in_the_checkout_decide_and_the_server_sums_are_not_asked() {
    let server = ReleaseServer::start();
    let runner = Runner::new();
    let (archive, sums) = fake_release(runner.tmp.path());
    server.serve(ASSET, archive);
    // The server's own sums agree with its archive; the checkout pins another archive.
    server.serve("SHA256SUMS", sums.clone().into_bytes());
    let wrong = format!("{}  {ASSET}\n", "1".repeat(64));
    let script = runner.release_checkout(&pinned_sums(runner.tmp.path(), &wrong));
    let out = runner.run_script(&script, &server.base, &[]);
    let said = text(&out);
    assert_eq!(out.status.code(), Some(1), "{said}");
    assert!(
        said.contains(&format!(
            "checksum mismatch for {ASSET} against the checksums pinned in this checkout (scripts/SHA256SUMS)"
        )),
        "{said}"
    );
    assert!(!runner.installed().exists());
    assert!(runner.file("path").is_empty());
    let asked = server.requests();
    assert!(
        !asked.iter().any(|p| p.ends_with("/SHA256SUMS")),
        "{asked:?}"
    );

    // Pinned right: installed, with one request, the archive.
    let script = runner.release_checkout(&pinned_sums(runner.tmp.path(), &sums));
    let before = server.requests().len();
    let out = runner.run_script(&script, &server.base, &[]);
    assert!(out.status.success(), "{}", text(&out));
    assert_eq!(server.requests().len(), before + 1);
    assert!(runner.installed().exists());
}

#[test]
fn a_cached_binary_that_no_longer_matches_is_downloaded_again() {
    let (server, runner) = served_release();
    let first = runner.run(&server.base, &[]);
    assert!(first.status.success(), "{}", text(&first));
    std::fs::write(runner.installed(), "#!/bin/sh\necho 'tampered'\n").unwrap();

    let second = runner.run(&server.base, &[]);
    let said = text(&second);
    assert!(second.status.success(), "{said}");
    assert!(
        said.contains("the cached ready does not match its checksum: downloading it again"),
        "{said}"
    );
    assert!(!said.contains("using the tool cache"), "{said}");
    assert_eq!(server.requests().len(), 4, "downloaded again");
    let shown = Command::new(runner.installed()).output().unwrap();
    assert_eq!(
        String::from_utf8_lossy(&shown.stdout),
        "ready (fake release)\n"
    );
}

#[test]
fn plain_http_is_refused_unless_the_host_is_loopback() {
    let runner = Runner::new();
    for base in [
        "http://releases.example.test/releases",
        "http://127.0.0.1.example.test/releases",
    ] {
        let out = runner.run(base, &[]);
        let said = text(&out);
        assert_eq!(out.status.code(), Some(1), "{said}");
        assert!(
            said.contains("is not an https URL (plain http is allowed only on loopback)"),
            "{said}"
        );
    }
}

#[test]
fn gh_is_only_missed_when_provenance_is_checked() {
    let (server, runner) = served_release();
    let out = runner.run(&server.base, &[("READY_VERIFY_PROVENANCE", "false")]);
    let said = text(&out);
    assert!(out.status.success(), "{said}");
    assert!(!said.contains("gh not found"), "{said}");
    assert!(
        said.contains("provenance not checked (READY_VERIFY_PROVENANCE=false; checksum verified)"),
        "{said}"
    );
}

#[test]
fn jobs_installing_into_one_tool_cache_at_once_all_run_the_binary() {
    // Self-hosted runners and act share a tool cache between jobs: a job that finished installing
    // must never have its binary removed by another job that finishes later.
    let (server, runner) = served_release();
    let script = Path::new(env!("CARGO_MANIFEST_DIR")).join("scripts/install.sh");
    let jobs: Vec<_> = (0..8)
        .map(|i| {
            let mut cmd = Command::new("bash");
            cmd.arg("-c")
                .arg(r#"bin="$(bash "$1")" || exit 10; for _ in $(seq 20); do "$bin" >/dev/null || exit 11; done"#)
                .arg("job")
                .arg(&script)
                .env_clear()
                .env("PATH", "/usr/local/bin:/usr/bin:/bin")
                .env("HOME", runner.tmp.path())
                .env("RUNNER_OS", "Linux")
                .env("RUNNER_ARCH", "X64")
                .env("RUNNER_TOOL_CACHE", runner.path("toolcache"))
                .env("GITHUB_OUTPUT", runner.path(&format!("output-{i}")))
                .env("READY_DOWNLOAD_BASE", &server.base)
                .stdout(std::process::Stdio::piped())
                .stderr(std::process::Stdio::piped());
            cmd.spawn().unwrap()
        })
        .collect();
    for job in jobs {
        let out = job.wait_with_output().unwrap();
        assert!(
            out.status.success(),
            "exit {:?}: {}",
            out.status.code(),
            text(&out)
        );
    }
    let staged: Vec<_> = std::fs::read_dir(runner.installed().parent().unwrap().parent().unwrap())
        .unwrap()
        .map(|e| e.unwrap().file_name().to_string_lossy().into_owned())
        .filter(|n| n.contains("staging"))
        .collect();
    assert!(staged.is_empty(), "left behind: {staged:?}");
}
