//! A real Prometheus for the error-budget-gate and watch tests (Debian's package): OpenMetrics
//! text written by the test is backfilled with `promtool tsdb create-blocks-from openmetrics`
//! and served on a free loopback port, stopped by PID when dropped. And [`Vanishing`], a
//! loopback proxy in front of one that goes away after a number of requests.

use std::io::{BufRead, BufReader, Read, Write};
use std::net::{Shutdown, TcpListener, TcpStream};
use std::path::{Path, PathBuf};
use std::process::{Child, ChildStdin, Stdio};
use std::sync::Mutex;
use std::time::{Duration, Instant};

pub struct Server {
    pub port: u16,
    /// The Prometheus process itself, killed by PID in `Drop`.
    pid: u32,
    /// A shell that owns the server and the data directory: when our end of its stdin closes,
    /// which also happens when this test process dies, it kills Prometheus and removes the data.
    _keeper: Child,
    _stdin: Mutex<ChildStdin>,
}

impl Drop for Server {
    fn drop(&mut self) {
        let _ = std::process::Command::new("kill")
            .arg(self.pid.to_string())
            .status();
    }
}

impl Server {
    pub fn url(&self) -> String {
        format!("http://127.0.0.1:{}", self.port)
    }
}

pub fn tool(var: &str, name: &str) -> Option<PathBuf> {
    if let Some(p) = std::env::var_os(var).filter(|p| !p.is_empty()) {
        return Some(PathBuf::from(p));
    }
    std::env::split_paths(&std::env::var_os("PATH")?)
        .map(|d| d.join(name))
        .find(|p| p.is_file())
}

pub fn free_port() -> u16 {
    TcpListener::bind("127.0.0.1:0")
        .unwrap()
        .local_addr()
        .unwrap()
        .port()
}

/// A minimal HTTP/1.1 GET on loopback: (status, body).
pub fn http_get(port: u16, path: &str) -> Option<(u16, String)> {
    let mut s = TcpStream::connect(("127.0.0.1", port)).ok()?;
    s.set_read_timeout(Some(Duration::from_secs(10))).ok()?;
    write!(
        s,
        "GET {path} HTTP/1.1\r\nHost: 127.0.0.1\r\nConnection: close\r\n\r\n"
    )
    .ok()?;
    let mut raw = String::new();
    s.read_to_string(&mut raw).ok()?;
    let status = raw.split(' ').nth(1)?.parse().ok()?;
    let body = raw.split_once("\r\n\r\n").map(|(_, b)| b.to_string())?;
    Some((status, body))
}

/// The message of a missing tool; `shared` skips on it with READY_ALLOW_MISSING_TOOLS=1.
fn missing(what: &str) -> String {
    format!(
        "{what} not found: run scripts/test.sh (or source scripts/provision/error_budget_gate.sh)"
    )
}

pub fn prometheus_bin() -> Result<PathBuf, String> {
    tool("READY_TEST_PROMETHEUS", "prometheus").ok_or_else(|| missing("prometheus"))
}

/// Starts Prometheus with `config` on a free loopback port, its TSDB in `dir/tsdb`, and waits
/// until it is ready.
pub fn launch(prometheus: &Path, dir: &Path, config: &str) -> Result<Server, String> {
    let tsdb = dir.join("tsdb");
    let config_file = dir.join("prometheus.yml");
    std::fs::write(&config_file, config).map_err(|e| e.to_string())?;
    let port = free_port();
    // Retention counts back from the newest block: keep far more than the data spans.
    let mut keeper = std::process::Command::new("sh")
        .arg("-c")
        .arg(
            r#"prom="$1"; dir="$2"; shift 2
"$prom" "$@" >"$dir/prometheus.log" 2>&1 &
pid=$!
echo "$pid"
read -r _
kill "$pid" 2>/dev/null
wait "$pid" 2>/dev/null
rm -rf "$dir""#,
        )
        .arg("sh")
        .arg(prometheus)
        .arg(dir)
        .arg(format!("--config.file={}", config_file.display()))
        .arg(format!("--storage.tsdb.path={}", tsdb.display()))
        .arg("--storage.tsdb.retention.time=3650d")
        .arg(format!("--web.listen-address=127.0.0.1:{port}"))
        .arg("--log.level=warn")
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .spawn()
        .map_err(|e| format!("starting prometheus: {e}"))?;
    let mut pid_line = String::new();
    {
        let mut stdout = keeper.stdout.take().unwrap();
        let mut byte = [0u8; 1];
        while stdout.read(&mut byte).map_err(|e| e.to_string())? == 1 && byte[0] != b'\n' {
            pid_line.push(byte[0] as char);
        }
    }
    let pid: u32 = pid_line
        .trim()
        .parse()
        .map_err(|_| "no PID from the keeper".to_string())?;
    let server = Server {
        port,
        pid,
        _stdin: Mutex::new(keeper.stdin.take().unwrap()),
        _keeper: keeper,
    };

    // Ready when /-/ready answers 200; bounded, polling.
    let deadline = Instant::now() + Duration::from_secs(90);
    loop {
        if let Some((200, _)) = http_get(port, "/-/ready") {
            break;
        }
        if Instant::now() > deadline {
            let log = std::fs::read_to_string(dir.join("prometheus.log")).unwrap_or_default();
            return Err(format!("prometheus not ready after 90s:\n{log}"));
        }
        std::thread::sleep(Duration::from_millis(50));
    }
    Ok(server)
}

/// Backfills `openmetrics` (which must end in `# EOF`) and serves it. `check` is an instant
/// query (URL-encoded, with its `time`) that must answer with `"<expected>"`: out-of-order
/// samples are dropped without a word, so the test counts what the server holds.
pub fn backfilled(openmetrics: &str, check: &str, expected: i64) -> Result<Server, String> {
    let prometheus = prometheus_bin()?;
    let promtool = tool("READY_TEST_PROMTOOL", "promtool").ok_or_else(|| missing("promtool"))?;
    let dir = tempfile::tempdir().map_err(|e| e.to_string())?.keep();
    let input = dir.join("data.om.txt");
    std::fs::write(&input, openmetrics).map_err(|e| e.to_string())?;
    let out = std::process::Command::new(&promtool)
        .args(["tsdb", "create-blocks-from", "openmetrics", "-q"])
        .arg(&input)
        .arg(dir.join("tsdb"))
        .output()
        .map_err(|e| format!("promtool: {e}"))?;
    let _ = std::fs::remove_file(&input);
    if !out.status.success() {
        return Err(format!(
            "promtool failed: {}",
            String::from_utf8_lossy(&out.stderr)
        ));
    }
    let server = launch(
        &prometheus,
        &dir,
        "global:\n  evaluation_interval: 1h\nscrape_configs: []\n",
    )?;
    let (status, body) =
        http_get(server.port, &format!("/api/v1/query?{check}")).ok_or("count query failed")?;
    if status != 200 || !body.contains(&format!("\"{expected}\"")) {
        return Err(format!(
            "expected {expected} samples, got HTTP {status}: {body}"
        ));
    }
    Ok(server)
}

/// A second Prometheus with no data of its own that reads remotely from `data` and from a store
/// that is down: its answers are whole but flagged with a warning, as a partial answer from
/// Thanos is.
pub fn partial(data: &Server) -> Result<Server, String> {
    let bin = prometheus_bin()?;
    let dir = tempfile::tempdir().map_err(|e| e.to_string())?.keep();
    let config = format!(
        "global:\n  evaluation_interval: 1h\nremote_read:\n  - url: http://127.0.0.1:{}/api/v1/read\n    read_recent: true\n  - url: http://127.0.0.1:{}/api/v1/read\n    read_recent: true\n    remote_timeout: 5s\n",
        data.port,
        free_port()
    );
    launch(&bin, &dir, &config)
}

/// A server shared by the tests of one file, or None when tools are missing and
/// READY_ALLOW_MISSING_TOOLS=1; any other failure to start fails the test.
pub fn shared(
    cell: &'static std::sync::OnceLock<Result<Server, String>>,
    start: impl FnOnce() -> Result<Server, String>,
) -> Option<&'static Server> {
    match cell.get_or_init(start) {
        Ok(s) => Some(s),
        Err(e)
            if e.contains("not found")
                && std::env::var("READY_ALLOW_MISSING_TOOLS").as_deref() == Ok("1") =>
        {
            eprintln!("skipping: {e}");
            None
        }
        Err(e) => panic!("{e}"),
    }
}

/// A loopback HTTP proxy to a server that forwards `requests` requests, one per connection,
/// then stops listening: the server has gone away, as it does mid-watch.
pub struct Vanishing {
    pub port: u16,
}

impl Vanishing {
    pub fn start(upstream: u16, requests: usize) -> Vanishing {
        let listener = TcpListener::bind("127.0.0.1:0").unwrap();
        let port = listener.local_addr().unwrap().port();
        std::thread::spawn(move || {
            // Bounded before the errors are dropped: a failed accept counts as one of them.
            for stream in listener.incoming().take(requests).flatten() {
                let _ = forward(stream, upstream);
            }
            // The listener is dropped here: later connections are refused.
        });
        Vanishing { port }
    }

    pub fn url(&self) -> String {
        format!("http://127.0.0.1:{}", self.port)
    }
}

/// One request to `upstream` and its answer back, then the connection is closed.
fn forward(client: TcpStream, upstream: u16) -> std::io::Result<()> {
    client.set_read_timeout(Some(Duration::from_secs(30)))?;
    let mut reader = BufReader::new(client.try_clone()?);
    let mut head = String::new();
    let mut length = 0usize;
    loop {
        let mut line = String::new();
        if reader.read_line(&mut line)? == 0 {
            return Ok(());
        }
        if let Some((name, value)) = line.split_once(':')
            && name.eq_ignore_ascii_case("content-length")
        {
            length = value.trim().parse().unwrap_or(0);
        }
        if name_is(&line, "connection") {
            continue;
        }
        let end = line == "\r\n";
        if end {
            head.push_str("Connection: close\r\n");
        }
        head.push_str(&line);
        if end {
            break;
        }
    }
    let mut body = vec![0u8; length];
    reader.read_exact(&mut body)?;
    let mut server = TcpStream::connect(("127.0.0.1", upstream))?;
    server.set_read_timeout(Some(Duration::from_secs(30)))?;
    server.write_all(head.as_bytes())?;
    server.write_all(&body)?;
    let mut answer = Vec::new();
    server.read_to_end(&mut answer)?;
    let mut client = client;
    client.write_all(&answer)?;
    client.shutdown(Shutdown::Both)
}

fn name_is(line: &str, name: &str) -> bool {
    line.split_once(':')
        .is_some_and(|(n, _)| n.trim().eq_ignore_ascii_case(name))
}
