//! The real parts the pipeline e2e runs against, each started on loopback and stopped by PID on
//! Drop: a Docker daemon (no bridge, no iptables: builds and containers use the host network) and
//! the jobs' service containers on it, a static release server for `ready` (install.sh downloads
//! it as users do), two Prometheus servers with backfilled traffic, and act itself.

#![allow(dead_code)]

use std::collections::BTreeMap;
use std::io::{BufRead, BufReader, Read};
use std::net::TcpStream;
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

/// A tool from `var`, else from PATH.
pub fn tool(var: &str, name: &str) -> Option<PathBuf> {
    if let Some(path) = std::env::var_os(var).filter(|p| !p.is_empty()) {
        return Some(PathBuf::from(path));
    }
    std::env::split_paths(&std::env::var_os("PATH").unwrap_or_default())
        .map(|d| d.join(name))
        .find(|p| p.is_file())
}

pub fn free_port() -> u16 {
    std::net::TcpListener::bind("127.0.0.1:0")
        .unwrap()
        .local_addr()
        .unwrap()
        .port()
}

/// Polls `ready` every 50 ms until it holds or `within` passes.
pub fn wait_until(what: &str, within: Duration, mut ready: impl FnMut() -> bool) {
    let deadline = Instant::now() + within;
    while !ready() {
        assert!(
            Instant::now() < deadline,
            "{what}: not ready within {within:?}"
        );
        std::thread::sleep(Duration::from_millis(50));
    }
}

/// A plain HTTP GET on loopback: (status, body), or None when nothing answers.
pub fn http_get(port: u16, path: &str) -> Option<(u16, String)> {
    let mut stream = TcpStream::connect(("127.0.0.1", port)).ok()?;
    stream.set_read_timeout(Some(Duration::from_secs(5))).ok()?;
    use std::io::Write;
    write!(
        stream,
        "GET {path} HTTP/1.1\r\nHost: 127.0.0.1\r\nConnection: close\r\n\r\n"
    )
    .ok()?;
    let mut text = String::new();
    stream.read_to_string(&mut text).ok()?;
    let status = text.split_whitespace().nth(1)?.parse().ok()?;
    let body = text.split_once("\r\n\r\n").map(|(_, b)| b.to_string())?;
    Some((status, body))
}

/// A child process stopped by PID: SIGTERM, then SIGKILL after `grace`.
pub struct Process {
    pub child: Child,
    grace: Duration,
}

impl Process {
    pub fn new(child: Child, grace: Duration) -> Self {
        Process { child, grace }
    }
}

impl Drop for Process {
    fn drop(&mut self) {
        let pid = self.child.id().to_string();
        let _ = Command::new("kill").args(["-TERM", &pid]).status();
        let deadline = Instant::now() + self.grace;
        while Instant::now() < deadline {
            if let Ok(Some(_)) = self.child.try_wait() {
                return;
            }
            std::thread::sleep(Duration::from_millis(50));
        }
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

// ---------------------------------------------------------------- dockerd

/// Our own Docker daemon: its own socket, data and exec roots, no bridge network, no iptables
/// rules, so nothing it runs can reach beyond loopback unless it uses the host's network.
pub struct Dockerd {
    pub dir: PathBuf,
    pub host: String,
    /// Client configuration (logins) of this test only.
    pub config: PathBuf,
    process: Option<Process>,
}

impl Dockerd {
    pub fn start(dockerd: &Path) -> Dockerd {
        // The exec root holds sockets: keep its path short (108 bytes for a socket path).
        let dir = std::env::temp_dir().join(format!("ready-e2e-{}", std::process::id()));
        let _ = std::fs::remove_dir_all(&dir);
        std::fs::create_dir_all(dir.join("config")).unwrap();
        let socket = dir.join("docker.sock");
        let log = std::fs::File::create(dir.join("dockerd.log")).unwrap();
        let child = Command::new(dockerd)
            .arg(format!("--host=unix://{}", socket.display()))
            .arg(format!("--data-root={}", dir.join("data").display()))
            .arg(format!("--exec-root={}", dir.join("exec").display()))
            .arg(format!("--pidfile={}", dir.join("docker.pid").display()))
            .args([
                "--bridge=none",
                "--iptables=false",
                "--ip6tables=false",
                "--ip-masq=false",
            ])
            .stdin(Stdio::null())
            .stdout(log.try_clone().unwrap())
            .stderr(log)
            .spawn()
            .expect("starting dockerd");
        let mut daemon = Dockerd {
            host: format!("unix://{}", socket.display()),
            config: dir.join("config"),
            dir,
            process: Some(Process::new(child, Duration::from_secs(30))),
        };
        let deadline = Instant::now() + Duration::from_secs(60);
        loop {
            if daemon
                .docker(&["version", "--format", "{{.Server.Version}}"])
                .0
            {
                break;
            }
            if Instant::now() > deadline {
                let log =
                    std::fs::read_to_string(daemon.dir.join("dockerd.log")).unwrap_or_default();
                daemon.process = None;
                panic!("dockerd did not answer within 60 s:\n{log}");
            }
            std::thread::sleep(Duration::from_millis(100));
        }
        daemon
    }

    /// Runs the docker client against this daemon: (success, stdout + stderr).
    pub fn docker(&self, args: &[&str]) -> (bool, String) {
        let out = Command::new("docker")
            .args(args)
            .env("DOCKER_HOST", &self.host)
            .env("DOCKER_CONFIG", &self.config)
            .output()
            .expect("running docker");
        let mut text = String::from_utf8_lossy(&out.stdout).into_owned();
        text.push_str(&String::from_utf8_lossy(&out.stderr));
        (out.status.success(), text)
    }

    pub fn must(&self, args: &[&str]) -> String {
        let (ok, text) = self.docker(args);
        assert!(ok, "docker {args:?} failed:\n{text}");
        text
    }
}

impl Drop for Dockerd {
    fn drop(&mut self) {
        // Containers first, so that the daemon's shutdown has nothing to wait for.
        let (_, ids) = self.docker(&["ps", "--all", "--quiet"]);
        let ids: Vec<&str> = ids.split_whitespace().collect();
        if !ids.is_empty() {
            let mut args = vec!["rm", "--force"];
            args.extend(ids);
            let _ = self.docker(&args);
        }
        self.process = None;
        // dockerd leaves mounts below its exec root (the default network namespace): unmount
        // them, deepest first, so that the directory can go.
        let mounts = std::fs::read_to_string("/proc/self/mounts").unwrap_or_default();
        let mut points: Vec<&str> = mounts
            .lines()
            .filter_map(|l| l.split_whitespace().nth(1))
            .filter(|p| Path::new(p).starts_with(&self.dir))
            .collect();
        points.sort_by_key(|p| std::cmp::Reverse(p.len()));
        for point in points {
            let _ = Command::new("umount").arg(point).status();
        }
        let _ = std::fs::remove_dir_all(&self.dir);
    }
}

// ---------------------------------------------------------------- service containers

/// A job's service container, started as GitHub's runner starts one before the job's steps:
/// act starts none for jobs that run on the host, so the e2e does it from the workflow's own
/// definition. The image, `env` and `options` are the workflow's (`image` is the caller's input,
/// passed in as `image`); the container runs on the host network, where `ports` has nothing left
/// to publish, and the job waits, as on GitHub, until its health check says healthy.
pub struct Service<'d> {
    docker: &'d Dockerd,
    pub id: String,
}

impl Dockerd {
    pub fn start_service(&self, name: &str, spec: &yaml_serde::Value, image: &str) -> Service<'_> {
        let mut args = vec![
            "run".to_string(),
            "--detach".into(),
            "--network=host".into(),
            format!("--name={name}"),
        ];
        if let Some(env) = spec["env"].as_mapping() {
            for (key, value) in env {
                let (Some(key), Some(value)) = (key.as_str(), value.as_str()) else {
                    panic!("service {name}: env must be plain strings: {key:?}: {value:?}");
                };
                assert!(
                    !value.contains("${{"),
                    "service {name}: the e2e reads literal env only ({key})"
                );
                args.push(format!("--env={key}={value}"));
            }
        }
        // The runner hands `options` to `docker create` as one string, split as a shell would.
        let options = spec["options"].as_str().unwrap_or_default();
        args.extend(shell_words(options));
        assert!(
            args.iter().any(|a| a == "--health-cmd"),
            "service {name}: the e2e waits on the service's health check, and it has none"
        );
        args.push(image.to_string());
        let args: Vec<&str> = args.iter().map(String::as_str).collect();
        let id = self.must(&args).trim().to_string();
        let service = Service { docker: self, id };
        wait_until(
            &format!("service {name} ({image}) healthy"),
            Duration::from_secs(90),
            || service.health() == "healthy",
        );
        service
    }
}

impl Service<'_> {
    /// What Docker's health check says: starting, healthy or unhealthy.
    pub fn health(&self) -> String {
        let (_, text) =
            self.docker
                .docker(&["inspect", "--format", "{{.State.Health.Status}}", &self.id]);
        let status = text.trim().to_string();
        assert!(
            status != "unhealthy",
            "the service container is unhealthy:\n{}",
            self.docker.docker(&["logs", &self.id]).1
        );
        status
    }
}

impl Drop for Service<'_> {
    fn drop(&mut self) {
        let _ = self.docker.docker(&["rm", "--force", &self.id]);
    }
}

/// Words of `text` as a POSIX shell splits them, for double- and single-quoted words (what
/// service `options` use); no expansions.
fn shell_words(text: &str) -> Vec<String> {
    let mut words = Vec::new();
    let mut word: Option<String> = None;
    let mut quote: Option<char> = None;
    for c in text.chars() {
        match (quote, c) {
            (Some(q), c) if c == q => quote = None,
            (Some(_), c) => word.get_or_insert_default().push(c),
            (None, '"' | '\'') => {
                quote = Some(c);
                word.get_or_insert_default();
            }
            (None, c) if c.is_whitespace() => words.extend(word.take()),
            (None, c) => word.get_or_insert_default().push(c),
        }
    }
    assert!(quote.is_none(), "an unclosed quote in {text:?}");
    words.extend(word);
    words
}

// ---------------------------------------------------------------- the release server

/// `ready` as a release: the archive install.sh asks for and its SHA256SUMS, served by a static
/// file server (Python's http.server) on loopback.
pub struct ReleaseServer {
    pub base: String,
    _dir: tempfile::TempDir,
    _process: Process,
}

impl ReleaseServer {
    pub fn start(binary: &Path) -> ReleaseServer {
        let dir = tempfile::tempdir().unwrap();
        let version = format!("v{}", env!("CARGO_PKG_VERSION"));
        let release = dir.path().join("releases").join(&version);
        let stage = dir.path().join("stage");
        std::fs::create_dir_all(&release).unwrap();
        std::fs::create_dir_all(&stage).unwrap();
        std::fs::copy(binary, stage.join("ready")).unwrap();
        let target = match std::env::consts::ARCH {
            "aarch64" => "aarch64-unknown-linux-musl",
            _ => "x86_64-unknown-linux-musl",
        };
        let asset = format!("ready-{target}.tar.gz");
        let status = Command::new("tar")
            .arg("-czf")
            .arg(release.join(&asset))
            .arg("-C")
            .arg(&stage)
            .arg("ready")
            .status()
            .unwrap();
        assert!(status.success());
        let sums = Command::new("sha256sum")
            .arg(&asset)
            .current_dir(&release)
            .output()
            .unwrap();
        std::fs::write(release.join("SHA256SUMS"), sums.stdout).unwrap();
        let port = free_port();
        let child = Command::new("python3")
            .args(["-m", "http.server", "--bind", "127.0.0.1"])
            .arg(port.to_string())
            .arg("--directory")
            .arg(dir.path())
            .stdout(Stdio::null())
            .stderr(Stdio::null())
            .spawn()
            .expect("python3 -m http.server");
        let process = Process::new(child, Duration::from_secs(5));
        wait_until("the release server", Duration::from_secs(20), || {
            http_get(port, &format!("/releases/{version}/SHA256SUMS"))
                .is_some_and(|(s, _)| s == 200)
        });
        ReleaseServer {
            base: format!("http://127.0.0.1:{port}/releases"),
            _dir: dir,
            _process: process,
        }
    }
}

// ---------------------------------------------------------------- Prometheus

/// A Prometheus serving `http_requests_total{job="drafts-api"}` for the 8 days up to now, with
/// `error_percent` of the requests failing in the last `recent_hours` hours.
pub struct Prometheus {
    pub url: String,
    _dir: tempfile::TempDir,
    _process: Process,
}

impl Prometheus {
    /// Eight days of backfilled traffic, its last `recent_hours` with `error_percent`% errors;
    /// with `scrape`, also the live service on that loopback port, every second, as job
    /// drafts-api (its series carry the `version` label watch selects on).
    pub fn start(
        prometheus: &Path,
        promtool: &Path,
        recent_hours: u64,
        error_percent: u64,
        scrape: Option<u16>,
    ) -> Self {
        let dir = tempfile::tempdir().unwrap();
        let now = std::time::SystemTime::now()
            .duration_since(std::time::UNIX_EPOCH)
            .unwrap()
            .as_secs();
        // One sample a minute, ending a minute ago so that every sample lands in a backfilled
        // block; 1,000 requests a minute.
        let (step, samples) = (60u64, 8 * 24 * 60u64);
        let start = now - 60 - (samples - 1) * step;
        let mut ok_lines = String::new();
        let mut bad_lines = String::new();
        let (mut ok, mut bad) = (0u64, 0u64);
        for i in 0..samples {
            let t = start + i * step;
            if i > 0 {
                let errors = if t + recent_hours * 3600 >= now {
                    10 * error_percent
                } else {
                    0
                };
                ok += 1000 - errors;
                bad += errors;
            }
            ok_lines.push_str(&format!(
                "http_requests_total{{job=\"drafts-api\",code=\"200\"}} {ok} {t}\n"
            ));
            bad_lines.push_str(&format!(
                "http_requests_total{{job=\"drafts-api\",code=\"500\"}} {bad} {t}\n"
            ));
        }
        let text = format!(
            "# HELP http_requests Requests served.\n# TYPE http_requests counter\n{ok_lines}{bad_lines}# EOF\n"
        );
        let input = dir.path().join("data.om.txt");
        std::fs::write(&input, text).unwrap();
        let tsdb = dir.path().join("tsdb");
        let out = Command::new(promtool)
            .args(["tsdb", "create-blocks-from", "openmetrics", "-q"])
            .arg(&input)
            .arg(&tsdb)
            .output()
            .expect("promtool");
        assert!(
            out.status.success(),
            "promtool: {}",
            String::from_utf8_lossy(&out.stderr)
        );
        let config = dir.path().join("prometheus.yml");
        let scrape_configs = match scrape {
            Some(port) => format!(
                "scrape_configs:\n  - job_name: drafts-api\n    scrape_interval: 1s\n    static_configs:\n      - targets: [\"127.0.0.1:{port}\"]\n"
            ),
            None => "scrape_configs: []\n".to_string(),
        };
        std::fs::write(
            &config,
            format!("global:\n  evaluation_interval: 1h\n{scrape_configs}"),
        )
        .unwrap();
        let port = free_port();
        let log = std::fs::File::create(dir.path().join("prometheus.log")).unwrap();
        let child = Command::new(prometheus)
            .arg(format!("--config.file={}", config.display()))
            .arg(format!("--storage.tsdb.path={}", tsdb.display()))
            .arg("--storage.tsdb.retention.time=3650d")
            .arg(format!("--web.listen-address=127.0.0.1:{port}"))
            .arg("--log.level=warn")
            .stdout(log.try_clone().unwrap())
            .stderr(log)
            .spawn()
            .expect("starting prometheus");
        let process = Process::new(child, Duration::from_secs(10));
        wait_until("prometheus", Duration::from_secs(90), || {
            http_get(port, "/-/ready").is_some_and(|(s, _)| s == 200)
        });
        Prometheus {
            url: format!("http://127.0.0.1:{port}"),
            _dir: dir,
            _process: process,
        }
    }
}

// ---------------------------------------------------------------- act

/// What one act run did: its exit, the log, and each job's result by job id (a job that did not
/// run, skipped by its `if:`, has none).
pub struct ActRun {
    pub success: bool,
    /// act exited non-zero.
    pub act_failed: bool,
    pub log: String,
    pub jobs: BTreeMap<String, String>,
}

impl ActRun {
    pub fn job(&self, id: &str) -> &str {
        self.jobs.get(id).map_or("did not run", String::as_str)
    }

    /// What act said beyond the info lines: its own errors (a run it gave up on says why only
    /// here) and the jobs' warnings and errors; text that is not one of its JSON lines too.
    pub fn complaints(&self) -> Vec<String> {
        self.log
            .lines()
            .filter_map(
                |line| match serde_json::from_str::<serde_json::Value>(line) {
                    Ok(v) if v["level"] == "info" => None,
                    Ok(v) => Some(format!("{} {}", v["jobID"], v["msg"])),
                    Err(_) => Some(line.to_string()),
                },
            )
            .collect()
    }

    /// The lines that job printed, to read in a failure message.
    pub fn lines_of(&self, id: &str) -> String {
        self.log
            .lines()
            .filter_map(|l| serde_json::from_str::<serde_json::Value>(l).ok())
            .filter(|v| v["jobID"] == id)
            .filter_map(|v| v["msg"].as_str().map(str::to_string))
            .collect::<Vec<_>>()
            .join("\n")
    }
}

/// Runs act on `repo`: jobs on the host (`-self-hosted`), our own `uses:` resolved to
/// `actions_repo`, nothing fetched.
pub struct Act {
    pub bin: PathBuf,
    /// act's HOME: its caches and the runner tool cache, shared by the runs of one test.
    pub home: tempfile::TempDir,
    pub actions_repo: PathBuf,
}

impl Act {
    /// Runs the demo's pipeline (`deploy.yml`) for `event`.
    pub fn run(
        &self,
        repo: &Path,
        event: &str,
        payload: &serde_json::Value,
        options: &[(&str, String)],
    ) -> ActRun {
        self.run_workflow(repo, "deploy.yml", event, payload, options)
    }

    /// One run of `workflow`. A run that act itself gave up on (exit non-zero while no job
    /// failed: act's own error, before the jobs it skipped could start) is tried once more,
    /// saying so; a job that failed is never retried.
    pub fn run_workflow(
        &self,
        repo: &Path,
        workflow: &str,
        event: &str,
        payload: &serde_json::Value,
        options: &[(&str, String)],
    ) -> ActRun {
        let run = self.run_once(repo, workflow, event, payload, options);
        if run.act_failed && !run.jobs.values().any(|r| r != "success") {
            eprintln!(
                "act stopped with no failed job (jobs: {:?}); once more. It said:\n{}",
                run.jobs,
                run.complaints().join("\n")
            );
            return self.run_once(repo, workflow, event, payload, options);
        }
        run
    }

    fn run_once(
        &self,
        repo: &Path,
        workflow: &str,
        event: &str,
        payload: &serde_json::Value,
        options: &[(&str, String)],
    ) -> ActRun {
        let event_file = self.home.path().join("event.json");
        std::fs::write(&event_file, payload.to_string()).unwrap();
        let mut cmd = Command::new(&self.bin);
        cmd.arg(event)
            .arg("--workflows")
            .arg(repo.join(".github/workflows").join(workflow))
            .arg("--eventpath")
            .arg(&event_file)
            .args(["--platform", "ubuntu-24.04=-self-hosted"])
            .arg("--local-repository")
            .arg(format!(
                "ready-actions/ready-actions@v1={}",
                self.actions_repo.display()
            ))
            .args(["--action-offline-mode", "--json"])
            .current_dir(repo)
            .env("HOME", self.home.path())
            .env_remove("GITHUB_ACTIONS")
            .stdin(Stdio::null());
        for (flag, value) in options {
            cmd.arg(flag).arg(value);
        }
        let out = cmd.output().expect("running act");
        let log = String::from_utf8_lossy(&out.stdout).into_owned()
            + &String::from_utf8_lossy(&out.stderr);
        // READY_E2E_LOG_DIR keeps every run's log (act's JSON lines), for reading after a failure.
        if let Some(dir) = std::env::var_os("READY_E2E_LOG_DIR") {
            let dir = PathBuf::from(dir);
            let _ = std::fs::create_dir_all(&dir);
            let n = std::fs::read_dir(&dir).map_or(0, |d| d.count());
            let _ = std::fs::write(dir.join(format!("{n:02}-{event}.jsonl")), &log);
        }
        let mut jobs = BTreeMap::new();
        for line in log.lines() {
            let Ok(v) = serde_json::from_str::<serde_json::Value>(line) else {
                continue;
            };
            if let (Some(id), Some(result)) = (v["jobID"].as_str(), v["jobResult"].as_str()) {
                jobs.insert(id.to_string(), result.to_string());
            }
        }
        // act's exit status does not always carry a failed job of a called workflow: both count.
        let failed = jobs.values().any(|r| r != "success");
        ActRun {
            success: out.status.success() && !failed,
            act_failed: !out.status.success(),
            log,
            jobs,
        }
    }
}

/// The files git knows in `root` (tracked, or new and not ignored), copied as they are in the
/// work tree: what a checkout of this commit of ready-actions holds, without build output.
pub fn export_tree(root: &Path, to: &Path) {
    let out = Command::new("git")
        .args([
            "ls-files",
            "-z",
            "--cached",
            "--others",
            "--exclude-standard",
        ])
        .current_dir(root)
        .output()
        .expect("git ls-files");
    assert!(out.status.success());
    for name in out.stdout.split(|b| *b == 0).filter(|n| !n.is_empty()) {
        let name = String::from_utf8_lossy(name).into_owned();
        let from = root.join(&name);
        if !from.is_file() {
            continue;
        }
        let dest = to.join(&name);
        std::fs::create_dir_all(dest.parent().unwrap()).unwrap();
        std::fs::copy(&from, &dest).unwrap();
    }
}

/// A git command in `repo` that must succeed; its stdout, trimmed.
pub fn git(repo: &Path, args: &[&str]) -> String {
    let out = Command::new("git")
        .args([
            "-c",
            "user.name=Ada Lovelace",
            "-c",
            "user.email=ada@example.com",
        ])
        .args(args)
        .current_dir(repo)
        .output()
        .expect("git");
    assert!(
        out.status.success(),
        "git {args:?}: {}",
        String::from_utf8_lossy(&out.stderr)
    );
    String::from_utf8_lossy(&out.stdout).trim().to_string()
}

/// Reads lines from a file as they are appended (the demo's deploy log).
pub fn lines(path: &Path) -> Vec<String> {
    std::fs::File::open(path)
        .map(|f| BufReader::new(f).lines().map_while(Result::ok).collect())
        .unwrap_or_default()
}
