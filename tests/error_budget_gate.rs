//! End-to-end tests of `ready error-budget-gate` against a REAL Prometheus (Debian's package):
//! synthetic `http_requests_total` counters for several scenarios are written as OpenMetrics,
//! backfilled with `promtool tsdb create-blocks-from openmetrics`, and served by one Prometheus
//! on a free loopback port, shared by every test in this file. Freezes and the metrics-file
//! source need no server.

mod support;

use std::io::{Read, Write};
use std::net::{TcpListener, TcpStream};
use std::path::{Path, PathBuf};
use std::process::{Child, ChildStdin, Stdio};
use std::sync::{Mutex, OnceLock};
use std::time::{Duration, Instant};
use support::Run;

/// The newest sample: Friday 2024-06-07 12:00:00 UTC. Every test evaluates `at` this instant.
const END: i64 = 1_717_761_600;
const AT: &str = "2024-06-07T12:00:00Z";
const STEP: i64 = 30;
const DAYS: i64 = 8;
/// Samples per series, both ends included.
const SAMPLES: i64 = DAYS * 86_400 / STEP + 1;

fn data(name: &str) -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("tests/data/error_budget_gate")
        .join(name)
}

// ---------------------------------------------------------------- the synthetic data

/// One scenario: requests and errors per scrape, as a function of the scrape's time.
struct Scenario {
    name: &'static str,
    traffic: fn(i64) -> (u64, u64),
    /// Seconds between samples, and the time of the newest one.
    scrape: (i64, i64),
}

/// Every scenario but one is scraped every 30 s up to `END`.
const HALF_MINUTE: (i64, i64) = (STEP, END);

const SCENARIOS: &[Scenario] = &[
    // 0.1% errors all week: 80% of a 99.5% budget left.
    Scenario {
        name: "healthy",
        traffic: |_| (1000, 1),
        scrape: HALF_MINUTE,
    },
    // 0.5% errors: exactly the budget, nothing left.
    Scenario {
        name: "edge",
        traffic: |_| (1000, 5),
        scrape: HALF_MINUTE,
    },
    // 1% errors: twice the budget.
    Scenario {
        name: "spent",
        traffic: |_| (1000, 10),
        scrape: HALF_MINUTE,
    },
    // 0.1% all week, then 50% errors in the last 20 minutes: budget fine, burning fast.
    Scenario {
        name: "fastburn",
        traffic: fast_burn,
        scrape: HALF_MINUTE,
    },
    // The same, scraped once a minute (the newest sample 30 s before `END`), as most servers
    // are: every burn-rate window must still hold a few samples.
    Scenario {
        name: "minutely",
        traffic: fast_burn,
        scrape: (60, END - 30),
    },
    // 0.1% all week, 50% errors from 70 to 35 minutes ago, then recovered: the long windows
    // still burn, the short ones confirm it is over.
    Scenario {
        name: "recovered",
        traffic: |t| {
            if t > END - 70 * 60 && t <= END - 35 * 60 {
                (1000, 500)
            } else {
                (1000, 1)
            }
        },
        scrape: HALF_MINUTE,
    },
    // Series exist, counters never move: no traffic.
    Scenario {
        name: "idle",
        traffic: |_| (0, 0),
        scrape: HALF_MINUTE,
    },
    // 1000 requests per step, none failed by status; the errors are counted apart, in
    // `app_errors_total`: 100 per step on instance "a", NaN from a broken exporter on "b".
    Scenario {
        name: "garbage",
        traffic: |_| (1000, 0),
        scrape: HALF_MINUTE,
    },
];

fn fast_burn(t: i64) -> (u64, u64) {
    if t > END - 20 * 60 {
        (1000, 500)
    } else {
        (1000, 1)
    }
}

/// The `app_errors_total` family of the "garbage" scenario, and how many samples it has.
fn app_errors(start: i64) -> (String, i64) {
    let mut text =
        String::from("# HELP app_errors Errors the app counted.\n# TYPE app_errors counter\n");
    for (instance, per_step) in [("a", Some(100u64)), ("b", None)] {
        for i in 0..SAMPLES {
            let value = per_step.map_or("NaN".to_string(), |n| (n * i as u64).to_string());
            let t = start + i * STEP;
            text.push_str(&format!(
                "app_errors_total{{scenario=\"garbage\",instance=\"{instance}\"}} {value} {t}\n"
            ));
        }
    }
    (text, 2 * SAMPLES)
}

/// OpenMetrics text: the counter families, each series in time order, `# EOF` at the end; and
/// how many samples it holds.
fn openmetrics() -> (String, i64) {
    let mut text =
        String::from("# HELP http_requests Requests served.\n# TYPE http_requests counter\n");
    let mut samples = 0;
    let start = END - (SAMPLES - 1) * STEP;
    for s in SCENARIOS {
        let (every, last) = s.scrape;
        let count = DAYS * 86_400 / every + 1;
        let (mut ok, mut bad) = (0u64, 0u64);
        let mut ok_lines = String::new();
        let mut bad_lines = String::new();
        for i in 0..count {
            let t = last - (count - 1 - i) * every;
            if i > 0 {
                let (total, errors) = (s.traffic)(t);
                ok += total - errors;
                bad += errors;
            }
            ok_lines.push_str(&format!(
                "http_requests_total{{scenario=\"{}\",code=\"200\"}} {ok} {t}\n",
                s.name
            ));
            bad_lines.push_str(&format!(
                "http_requests_total{{scenario=\"{}\",code=\"500\"}} {bad} {t}\n",
                s.name
            ));
        }
        text.push_str(&ok_lines);
        samples += count;
        if s.name != "idle" {
            text.push_str(&bad_lines);
            samples += count;
        }
    }
    let (errors, error_samples) = app_errors(start);
    text.push_str(&errors);
    samples += error_samples;
    text.push_str("# EOF\n");
    (text, samples)
}

// ---------------------------------------------------------------- the server

struct Server {
    port: u16,
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

fn tool(var: &str, name: &str) -> Option<PathBuf> {
    if let Some(p) = std::env::var_os(var).filter(|p| !p.is_empty()) {
        return Some(PathBuf::from(p));
    }
    std::env::split_paths(&std::env::var_os("PATH")?)
        .map(|d| d.join(name))
        .find(|p| p.is_file())
}

fn free_port() -> u16 {
    TcpListener::bind("127.0.0.1:0")
        .unwrap()
        .local_addr()
        .unwrap()
        .port()
}

/// A minimal HTTP/1.1 GET on loopback: (status, body).
fn http_get(port: u16, path: &str) -> Option<(u16, String)> {
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

/// Starts Prometheus with `config` on a free loopback port, its TSDB in `dir/tsdb`, and waits
/// until it is ready.
fn launch(prometheus: &Path, dir: &Path, config: &str) -> Result<Server, String> {
    let tsdb = dir.join("tsdb");
    let config_file = dir.join("prometheus.yml");
    std::fs::write(&config_file, config).map_err(|e| e.to_string())?;
    let port = free_port();
    // Retention counts back from the newest block: keep far more than the 8 days of data.
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

fn start_server() -> Result<Server, String> {
    let missing = |what: &str| {
        format!(
            "{what} not found: run scripts/test.sh (or source scripts/provision/error_budget_gate.sh)"
        )
    };
    let prometheus =
        tool("READY_TEST_PROMETHEUS", "prometheus").ok_or_else(|| missing("prometheus"))?;
    let promtool = tool("READY_TEST_PROMTOOL", "promtool").ok_or_else(|| missing("promtool"))?;

    let dir = tempfile::tempdir().map_err(|e| e.to_string())?.keep();
    let (text, expected) = openmetrics();
    let input = dir.join("data.om.txt");
    std::fs::write(&input, text).map_err(|e| e.to_string())?;
    let tsdb = dir.join("tsdb");
    let out = std::process::Command::new(&promtool)
        .args(["tsdb", "create-blocks-from", "openmetrics", "-q"])
        .arg(&input)
        .arg(&tsdb)
        .output()
        .map_err(|e| format!("promtool: {e}"))?;
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
    let port = server.port;

    // Out-of-order samples are dropped without a word: count what the server holds.
    let (status, body) = http_get(
        port,
        &format!(
            "/api/v1/query?query=sum(count_over_time(%7B__name__%3D~%22http_requests_total%7Capp_errors_total%22%7D%5B9d%5D))&time={END}"
        ),
    )
    .ok_or("count query failed")?;
    if status != 200 || !body.contains(&format!("\"{expected}\"")) {
        return Err(format!(
            "expected {expected} samples, got HTTP {status}: {body}"
        ));
    }
    Ok(server)
}

/// The shared server, or None when tools are missing and READY_ALLOW_MISSING_TOOLS=1.
fn server() -> Option<&'static Server> {
    static SERVER: OnceLock<Result<Server, String>> = OnceLock::new();
    match SERVER.get_or_init(start_server) {
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

/// A second Prometheus with no data of its own that reads remotely from the shared one and from
/// a store that is down: its answers are whole but flagged with a warning, as a partial answer
/// from Thanos is.
fn partial_server() -> Option<&'static Server> {
    static PARTIAL: OnceLock<Result<Server, String>> = OnceLock::new();
    let data = server()?;
    let started = PARTIAL.get_or_init(|| {
        let prometheus = tool("READY_TEST_PROMETHEUS", "prometheus").ok_or("no prometheus")?;
        let dir = tempfile::tempdir().map_err(|e| e.to_string())?.keep();
        let config = format!(
            "global:\n  evaluation_interval: 1h\nremote_read:\n  - url: http://127.0.0.1:{}/api/v1/read\n    read_recent: true\n  - url: http://127.0.0.1:{}/api/v1/read\n    read_recent: true\n    remote_timeout: 5s\n",
            data.port,
            free_port()
        );
        launch(&prometheus, &dir, &config)
    });
    Some(started.as_ref().unwrap_or_else(|e| panic!("{e}")))
}

// ---------------------------------------------------------------- running the binary

trait Numeric {
    fn num(&self, name: &str) -> f64;
}

impl Numeric for Run {
    fn num(&self, name: &str) -> f64 {
        self.output(name).parse().unwrap()
    }
}

/// Runs the gate inside a simulated Actions step with the given inputs (as INPUT_* variables).
fn gate(inputs: &[(&str, &str)]) -> Run {
    inputs
        .iter()
        .fold(
            support::Step::new().arg("error-budget-gate"),
            |step, (name, value)| step.input(name, value),
        )
        .run()
}

fn url(server: &Server) -> String {
    format!("http://127.0.0.1:{}", server.port)
}

fn error_query(scenario: &str) -> String {
    format!(
        "sum(increase(http_requests_total{{scenario=\"{scenario}\",code=~\"5..\"}}[{{{{.window}}}}]))"
    )
}

fn total_query(scenario: &str) -> String {
    format!("sum(increase(http_requests_total{{scenario=\"{scenario}\"}}[{{{{.window}}}}]))")
}

/// The gate on one scenario, 99.5% over 7d at the end of the data, plus extra inputs.
fn scenario(name: &str, extra: &[(&str, &str)]) -> Option<Run> {
    Some(scenario_on(server()?, name, extra))
}

/// The same, against `server`.
fn scenario_on(server: &Server, name: &str, extra: &[(&str, &str)]) -> Run {
    let (url, eq, tq) = (url(server), error_query(name), total_query(name));
    let mut inputs = vec![
        ("prometheus-url", url.as_str()),
        ("error-query", eq.as_str()),
        ("total-query", tq.as_str()),
        ("objective", "99.5"),
        ("window", "7d"),
        ("at", AT),
    ];
    inputs.extend_from_slice(extra);
    gate(&inputs)
}

fn close(a: f64, b: f64) -> bool {
    (a - b).abs() < 1e-6
}

// ---------------------------------------------------------------- against Prometheus

#[test]
fn healthy_budget_passes_with_table_bar_and_chart() {
    let Some(r) = scenario("healthy", &[]) else {
        return;
    };
    assert_eq!(r.code, 0, "{}", r.stdout);
    assert_eq!(r.output("result"), "passed");
    assert!(close(r.num("budget-remaining"), 0.8), "{:?}", r.outputs);
    assert!(close(r.num("error-ratio"), 0.001));
    assert_eq!(r.output("frozen"), "");
    let rates: serde_json::Value = serde_json::from_str(r.output("burn-rates")).unwrap();
    assert_eq!(rates.as_object().unwrap().len(), 5, "{rates}");
    assert!(
        r.output("burn-rates")
            .starts_with("{\"7d\":0.2,\"1h\":0.2,\"5m\":0.2,"),
        "{rates}"
    );
    for w in ["7d", "1h", "5m", "6h", "30m"] {
        assert!(close(rates[w].as_f64().unwrap(), 0.2), "{w}: {rates}");
    }
    let s = &r.summary;
    assert!(s.contains("error budget healthy: 80% left"), "{s}");
    assert!(
        s.contains("`████████████████░░░░` 80% of the budget left"),
        "{s}"
    );
    assert!(
        s.contains("| 7d | SLO window | 0.1% | 0.2 | 1 | ok |"),
        "{s}"
    );
    assert!(
        s.contains("| 1h | page 8.57% in 1h: long | 0.1% | 0.2 | 14.4 | ok |"),
        "{s}"
    );
    assert!(
        s.contains("| 30m | page 21.43% in 6h: short | 0.1% | 0.2 | 6 | ok |"),
        "{s}"
    );
    assert!(s.contains("```mermaid\nxychart-beta"), "{s}");
    assert!(s.contains("source: Prometheus, 2 queries"), "{s}");
    // 30 points of 0.1% and the budget line at 0.5%.
    let chart_line = s
        .lines()
        .find(|l| l.trim_start().starts_with("line [0.1"))
        .unwrap();
    assert_eq!(chart_line.matches("0.1").count(), 30, "{chart_line}");
    assert!(
        s.contains(&format!("line [{}]", vec!["0.5"; 30].join(", "))),
        "{s}"
    );
}

#[test]
fn budget_exactly_at_the_edge_blocks() {
    let Some(r) = scenario("edge", &[("burn-rate", "off")]) else {
        return;
    };
    assert_eq!(r.code, 1, "{}", r.stdout);
    assert_eq!(r.output("result"), "blocked");
    assert_eq!(r.num("budget-remaining"), 0.0);
    assert!(close(r.num("error-ratio"), 0.005));
    assert!(
        r.stdout.contains("::error title=budget-exhausted"),
        "{}",
        r.stdout
    );
    assert!(r.summary.contains("burn-rate rule off"));
    assert_eq!(
        r.output("burn-rates").matches(':').count(),
        1,
        "only the SLO window"
    );
}

#[test]
fn spent_budget_blocks_and_override_passes_with_a_record() {
    let Some(r) = scenario("spent", &[]) else {
        return;
    };
    assert_eq!(r.code, 1, "{}", r.stdout);
    assert!(close(r.num("budget-remaining"), -1.0));
    assert!(r.summary.contains("overspent"), "{}", r.summary);
    assert!(r.stdout.contains("budget-exhausted"));
    // 1% errors burn at 2×: below both page thresholds, so no fast-burn finding.
    assert!(!r.stdout.contains("fast-burn"), "{}", r.stdout);

    let Some(r) = scenario("spent", &[("override", "hotfix approved by @alice in #42")]) else {
        return;
    };
    assert_eq!(r.code, 0, "{}", r.stdout);
    assert_eq!(r.output("result"), "passed");
    assert!(
        r.stdout.contains("::warning title=override"),
        "{}",
        r.stdout
    );
    assert!(r.stdout.contains("hotfix approved by @alice in #42"));
    assert!(
        r.stdout.contains("::warning title=budget-exhausted"),
        "{}",
        r.stdout
    );
}

#[test]
fn fast_burn_blocks_while_the_week_is_healthy() {
    let Some(r) = scenario("fastburn", &[]) else {
        return;
    };
    assert_eq!(r.code, 1, "{}", r.stdout);
    let left = r.num("budget-remaining");
    assert!(left > 0.55 && left < 0.65, "{left}");
    let rates: serde_json::Value = serde_json::from_str(r.output("burn-rates")).unwrap();
    assert!(rates["1h"].as_f64().unwrap() > 30.0, "{rates}");
    assert!(close(rates["5m"].as_f64().unwrap(), 100.0), "{rates}");
    assert!(rates["6h"].as_f64().unwrap() < 6.0, "{rates}");
    assert!(r.stdout.contains("::error title=fast-burn"), "{}", r.stdout);
    assert!(r.summary.contains("| firing |"), "{}", r.summary);

    // Without the burn-rate rule the healthy week passes.
    let Some(r) = scenario("fastburn", &[("burn-rate", "off")]) else {
        return;
    };
    assert_eq!(r.code, 0, "{}", r.stdout);
}

#[test]
fn burn_rate_windows_hold_data_at_a_one_minute_scrape() {
    let Some(r) = scenario("minutely", &[]) else {
        return;
    };
    // A 7d SLO with windows scaled down to 1m10s would leave that one empty at this pace.
    let rates: serde_json::Value = serde_json::from_str(r.output("burn-rates")).unwrap();
    for (w, rate) in rates.as_object().unwrap() {
        assert!(rate.is_number(), "{w} has no data: {rates}");
    }
    assert_eq!(r.code, 1, "{}", r.stdout);
    assert!(
        r.summary
            .contains("| 5m | page 8.57% in 1h: short | 50% | 100 | 14.4 | firing |"),
        "{}",
        r.summary
    );
}

#[test]
fn a_burst_that_is_over_does_not_block() {
    let Some(r) = scenario("recovered", &[]) else {
        return;
    };
    assert_eq!(r.code, 0, "{}", r.stdout);
    let rates: serde_json::Value = serde_json::from_str(r.output("burn-rates")).unwrap();
    assert!(rates["1h"].as_f64().unwrap() > 14.4, "{rates}");
    assert!(rates["5m"].as_f64().unwrap() < 14.4, "{rates}");
    assert!(rates["6h"].as_f64().unwrap() > 6.0, "{rates}");
    assert!(rates["30m"].as_f64().unwrap() < 6.0, "{rates}");
    assert!(
        r.summary.contains("| above (not confirmed) |"),
        "{}",
        r.summary
    );
}

#[test]
fn no_data_blocks_unless_told_to_pass() {
    for name in ["absent", "idle"] {
        let Some(r) = scenario(name, &[]) else { return };
        assert_eq!(r.code, 1, "{name}: {}", r.stdout);
        assert_eq!(r.output("budget-remaining"), "");
        assert_eq!(r.output("error-ratio"), "");
        assert!(r.stdout.contains("::error title=no-data"), "{}", r.stdout);
        let what = if name == "absent" {
            "no series"
        } else {
            "no traffic"
        };
        assert!(r.stdout.contains(what), "{name}: {}", r.stdout);
    }
    let Some(r) = scenario("absent", &[("on-no-data", "pass")]) else {
        return;
    };
    assert_eq!(r.code, 0, "{}", r.stdout);
    assert!(r.stdout.contains("::warning title=no-data"), "{}", r.stdout);
}

#[test]
fn an_answer_with_warnings_cannot_pass_unless_trusted() {
    let Some(server) = partial_server() else {
        return;
    };
    let run = |name: &str, extra: &[(&str, &str)]| scenario_on(server, name, extra);
    let r = run("healthy", &[]);
    assert_eq!(r.code, 3, "{}", r.stdout);
    assert_eq!(r.output("result"), "error");
    assert!(
        r.stdout.contains("::error title=prometheus-warning"),
        "{}",
        r.stdout
    );
    assert!(
        r.stdout
            .contains("the answer may be partial, so it cannot pass the gate"),
        "{}",
        r.stdout
    );
    // Trusted, the healthy budget passes and the warning stays on record.
    let r = run("healthy", &[("accept-warnings", "on")]);
    assert_eq!(r.code, 0, "{}", r.stdout);
    assert!(close(r.num("budget-remaining"), 0.8), "{:?}", r.outputs);
    assert!(
        r.stdout.contains("::notice title=prometheus-warning"),
        "{}",
        r.stdout
    );
    // What blocks on part of the data blocks on all of it.
    let r = run("spent", &[]);
    assert_eq!(r.code, 1, "{}", r.stdout);
}

#[test]
fn a_query_prometheus_cannot_parse_is_invalid_input() {
    let Some(server) = server() else { return };
    let url = url(server);
    let r = gate(&[
        ("prometheus-url", &url),
        (
            "error-query",
            "sum(rate(http_requests_total{code=~\"5..\"[{{.window}}]))",
        ),
        ("total-query", &total_query("healthy")),
        ("objective", "99.5"),
        ("window", "7d"),
        ("at", AT),
    ]);
    assert_eq!(r.code, 2, "{}", r.stdout);
    assert_eq!(r.output("result"), "invalid");
    assert!(r.stdout.contains("bad_data"), "{}", r.stdout);
}

#[test]
fn a_query_that_fails_to_execute_cannot_decide() {
    let Some(server) = server() else { return };
    let url = url(server);
    // Many-to-many matching: parses, then fails in the engine (HTTP 422, errorType execution).
    let r = gate(&[
        ("prometheus-url", &url),
        (
            "error-query",
            "sum(increase(http_requests_total[{{.window}}]) / on() increase(http_requests_total[{{.window}}]))",
        ),
        ("total-query", &total_query("healthy")),
        ("objective", "99.5"),
        ("window", "7d"),
        ("at", AT),
    ]);
    assert_eq!(r.code, 3, "{}", r.stdout);
    assert_eq!(r.output("result"), "error");
    assert!(r.stdout.contains("execution"), "{}", r.stdout);
}

#[test]
fn server_down_cannot_decide() {
    let url = format!("http://127.0.0.1:{}", free_port());
    let r = gate(&[
        ("prometheus-url", &url),
        ("error-query", &error_query("healthy")),
        ("total-query", &total_query("healthy")),
        ("objective", "99.5"),
        ("at", AT),
    ]);
    assert_eq!(r.code, 3, "{}", r.stdout);
    assert_eq!(r.output("result"), "error");
    assert!(r.stdout.contains("could-not-decide"), "{}", r.stdout);
    assert!(r.stdout.contains("unreachable"), "{}", r.stdout);
}

#[test]
fn values_that_are_no_measurement_cannot_decide() {
    let Some(server) = server() else { return };
    let url = url(server);
    let errors = |selector: &str| {
        format!(
            "sum(increase(app_errors_total{{scenario=\"garbage\"{selector}}}[{{{{.window}}}}]))"
        )
    };
    let total = total_query("garbage");
    let run = |error_query: &str| {
        gate(&[
            ("prometheus-url", &url),
            ("error-query", error_query),
            ("total-query", &total),
            ("objective", "99.5"),
            ("window", "7d"),
            ("at", AT),
        ])
    };
    // The real series alone: 100 errors in 1000 requests, far over the budget.
    let r = run(&errors(",instance=\"a\""));
    assert_eq!(r.code, 1, "{}", r.stdout);
    assert!(close(r.num("error-ratio"), 0.1), "{:?}", r.outputs);
    // Beside a NaN series the sum is NaN: no count at all, so no decision either way.
    let r = run(&errors(""));
    assert_eq!(r.code, 3, "{}", r.stdout);
    assert_eq!(r.output("result"), "error");
    assert!(
        r.stdout.contains("::error title=could-not-decide"),
        "{}",
        r.stdout
    );
    assert!(
        r.stdout.contains(
            "the error query over 7d returned \"NaN\", not a finite, non-negative count: `sum(increase(app_errors_total{scenario=\"garbage\"}[7d]))`"
        ),
        "{}",
        r.stdout
    );
    // A raw ratio below zero, or minus infinity, is no ratio either.
    let dir = tempfile::tempdir().unwrap();
    for (value, shown) in [("- 0.5", "-0.5"), ("- Inf", "-Inf")] {
        let spec = dir.path().join("slo.yml");
        std::fs::write(
            &spec,
            format!(
                "version: prometheus/v1\nservice: shop\nslos:\n  - name: broken-ratio\n    objective: 99\n    sli:\n      raw:\n        error_ratio_query: sum(rate(http_requests_total{{scenario=\"healthy\"}}[{{{{.window}}}}])) * 0 {value}\n",
            ),
        )
        .unwrap();
        let r = gate(&[
            ("prometheus-url", &url),
            ("slo-file", spec.to_str().unwrap()),
            ("window", "7d"),
            ("at", AT),
        ]);
        assert_eq!(r.code, 3, "{value}: {}", r.stdout);
        assert!(
            r.stdout.contains(&format!(
                "the ratio query over 7d returned \"{shown}\", not an error ratio between 0 and 1"
            )),
            "{}",
            r.stdout
        );
    }
}

#[test]
fn sloth_file_with_several_slos() {
    let Some(server) = server() else { return };
    let url = url(server);
    let spec = data("sloth-shop.yml");
    let spec = spec.to_str().unwrap();
    let base = [
        ("prometheus-url", url.as_str()),
        ("slo-file", spec),
        ("window", "7d"),
        ("at", AT),
    ];

    let run = |slo: &str| {
        let mut inputs = base.to_vec();
        inputs.push(("slo", slo));
        gate(&inputs)
    };
    let r = run("requests-availability");
    assert_eq!(r.code, 0, "{}", r.stdout);
    assert!(
        r.summary.contains("`shop/requests-availability`"),
        "{}",
        r.summary
    );
    let r = run("checkout-availability");
    assert_eq!(r.code, 1, "{}", r.stdout);
    assert!(close(r.num("budget-remaining"), -1.0));
    // A raw ratio query: 0.5% against a 99% objective leaves half the budget.
    let r = run("search-ratio");
    assert_eq!(r.code, 0, "{}", r.stdout);
    assert!(close(r.num("budget-remaining"), 0.5), "{:?}", r.outputs);
    // Several SLOs and none picked: invalid, naming them.
    let r = gate(&base);
    assert_eq!(r.code, 2, "{}", r.stdout);
    assert!(
        r.stdout
            .contains("requests-availability, checkout-availability, search-ratio")
    );
}

#[test]
fn credential_headers_are_masked_and_other_headers_are_not() {
    let Some(server) = server() else { return };
    let url = url(server);
    let (eq, tq) = (error_query("healthy"), total_query("healthy"));
    let r = gate(&[
        ("prometheus-url", &url),
        (
            "prometheus-headers",
            "Authorization: Bearer s3cr3t-budget-token\nX-Scope-OrgID: 1",
        ),
        ("error-query", &eq),
        ("total-query", &tq),
        ("objective", "99.5"),
        ("window", "7d"),
        ("at", AT),
    ]);
    assert_eq!(r.code, 0, "{}", r.stdout);
    let masks: Vec<&str> = r
        .stdout
        .lines()
        .take_while(|l| l.starts_with("::add-mask::"))
        .collect();
    assert!(
        masks.contains(&"::add-mask::Bearer s3cr3t-budget-token")
            && masks.contains(&"::add-mask::s3cr3t-budget-token"),
        "{}",
        r.stdout
    );
    // The tenant is no secret: a mask of `1` would turn every number into `***`.
    assert!(!r.stdout.contains("::add-mask::1\n"), "{}", r.stdout);
    assert!(close(r.num("budget-remaining"), 0.8), "{:?}", r.outputs);
    assert!(!r.summary.contains("***"), "{}", r.summary);
}

#[test]
fn a_credential_too_short_to_mask_is_refused() {
    let r = gate(&[
        ("prometheus-url", "http://127.0.0.1:9"),
        ("prometheus-headers", "X-Api-Key: 12345"),
        ("objective", "99.5"),
        ("error-query", "a{x=\"{{.window}}\"}"),
        ("total-query", "b{x=\"{{.window}}\"}"),
    ]);
    assert_eq!(r.code, 2, "{}", r.stdout);
    assert!(
        r.stdout.contains(
            "prometheus-headers line 1: the value of X-Api-Key is a credential of fewer than 6 characters"
        ),
        "{}",
        r.stdout
    );
    assert!(!r.stdout.contains("add-mask"), "{}", r.stdout);
}

#[test]
fn credentials_in_the_prometheus_url_are_masked_with_their_basic_form() {
    let Some(server) = server() else { return };
    let url = url(server).replace("http://", "http://gate:prom-pass-word-9@");
    let (eq, tq) = (error_query("healthy"), total_query("healthy"));
    let r = gate(&[
        ("prometheus-url", &url),
        ("error-query", &eq),
        ("total-query", &tq),
        ("objective", "99.5"),
        ("window", "7d"),
        ("at", AT),
    ]);
    assert_eq!(r.code, 0, "{}", r.stdout);
    // base64 of gate:prom-pass-word-9, which reqwest sends as `Authorization: Basic`.
    assert!(
        r.stdout.starts_with(
            "::add-mask::prom-pass-word-9\n::add-mask::Z2F0ZTpwcm9tLXBhc3Mtd29yZC05\n"
        ),
        "{}",
        r.stdout
    );
}

// ---------------------------------------------------------------- without a server

fn from_file(file: &str, extra: &[(&str, &str)]) -> Run {
    let path = data(file);
    let mut inputs = vec![
        ("metrics-file", path.to_str().unwrap()),
        ("objective", "99.5"),
        ("window", "7d"),
        ("at", "2024-06-05T12:00:00Z"),
    ];
    inputs.extend_from_slice(extra);
    gate(&inputs)
}

#[test]
fn metrics_file_source() {
    let r = from_file("metrics-healthy.json", &[]);
    assert_eq!(r.code, 0, "{}", r.stdout);
    assert!(close(r.num("budget-remaining"), 0.6));
    assert!(r.summary.contains("source: metrics file"));
    // No range query, so no error-ratio chart; the burn windows against their thresholds are
    // drawn from the file's numbers.
    assert!(!r.summary.contains("Error ratio (%)"));
    insta::assert_snapshot!(
        "metrics_file_burn_windows",
        r.summary
            .split("```mermaid")
            .nth(1)
            .expect("a burn-window chart")
    );
    let r = from_file("metrics-burning.json", &[]);
    assert_eq!(r.code, 1, "{}", r.stdout);
    assert!(r.stdout.contains("fast-burn"));
    // The windows of a 90d SLO (burn-rate windows scaled up) are not in the file: invalid,
    // saying which.
    let r = from_file("metrics-healthy.json", &[("window", "90d")]);
    assert_eq!(r.code, 2, "{}", r.stdout);
    assert!(
        r.stdout.contains("90d, 3h, 15m, 18h, 1h30m"),
        "{}",
        r.stdout
    );
}

#[test]
fn empty_inputs_mean_not_set() {
    let r = from_file(
        "metrics-healthy.json",
        &[
            ("prometheus-url", ""),
            ("prometheus-headers", ""),
            ("slo-file", ""),
            ("slo", ""),
            ("burn-rate", ""),
            ("freeze-file", ""),
            ("override", ""),
            ("on-no-data", ""),
            ("error-query", ""),
            ("total-query", ""),
        ],
    );
    assert_eq!(r.code, 0, "{}", r.stdout);
    // burn-rate "" means on: all five windows are reported.
    assert_eq!(r.output("burn-rates").matches(':').count(), 5);
}

#[test]
fn freezes_follow_local_time_across_the_dst_change() {
    let freezes = data("freezes.yml");
    let f = freezes.to_str().unwrap();
    let at = |when: &str| from_file("metrics-healthy.json", &[("freeze-file", f), ("at", when)]);
    // Friday 15:00-18:00 Europe/Berlin: 14:00-17:00 UTC before the change on 31 March ...
    let r = at("2024-03-29T14:30:00Z");
    assert_eq!(r.code, 1, "{}", r.stdout);
    assert_eq!(r.output("frozen"), "No deploys on Friday afternoon");
    assert!(
        r.stdout.contains("::error title=deploy-freeze"),
        "{}",
        r.stdout
    );
    assert!(
        r.stdout.contains("until 2024-03-29 18:00 CET"),
        "{}",
        r.stdout
    );
    assert_eq!(at("2024-03-29T13:30:00Z").code, 0);
    // ... and 13:00-16:00 UTC after it.
    let r = at("2024-04-05T13:30:00Z");
    assert_eq!(r.code, 1, "{}", r.stdout);
    assert!(
        r.stdout.contains("until 2024-04-05 18:00 CEST"),
        "{}",
        r.stdout
    );
    assert_eq!(at("2024-04-05T16:30:00Z").code, 0);
    // An overnight window in another zone.
    assert_eq!(
        at("2024-06-09T03:00:00Z").output("frozen"),
        "US night maintenance"
    );
    // A one-off freeze, and an override that records why.
    let r = from_file(
        "metrics-healthy.json",
        &[
            ("freeze-file", f),
            ("at", "2024-12-24T10:00:00Z"),
            ("override", "security fix, approved by @bob"),
        ],
    );
    assert_eq!(r.code, 0, "{}", r.stdout);
    assert_eq!(r.output("frozen"), "Year-end freeze");
    assert!(
        r.stdout.contains("::warning title=override"),
        "{}",
        r.stdout
    );
}

#[test]
fn an_empty_freeze_file_is_invalid_not_a_silent_pass() {
    let dir = tempfile::tempdir().unwrap();
    for text in ["", "# freezes go here\n", "{}\n"] {
        let path = dir.path().join("freezes.yml");
        std::fs::write(&path, text).unwrap();
        let r = from_file(
            "metrics-healthy.json",
            &[("freeze-file", path.to_str().unwrap())],
        );
        assert_eq!(r.code, 2, "{text:?}: {}", r.stdout);
        assert_eq!(r.output("result"), "invalid");
        assert!(
            r.stdout.contains("freeze-file: no `freezes` list"),
            "{}",
            r.stdout
        );
    }
    // Saying "no freezes" in so many words is fine.
    let path = dir.path().join("freezes.yml");
    std::fs::write(&path, "freezes: []\n").unwrap();
    let r = from_file(
        "metrics-healthy.json",
        &[("freeze-file", path.to_str().unwrap())],
    );
    assert_eq!(r.code, 0, "{}", r.stdout);
}

#[test]
fn invalid_inputs_exit_2() {
    let cases: &[&[(&str, &str)]] = &[
        &[("objective", "101")],
        &[("window", "7 days")],
        &[("at", "yesterday")],
        &[("on-no-data", "maybe")],
        &[("prometheus-url", "http://127.0.0.1:9")],
        &[("slo", "x")],
    ];
    for extra in cases {
        let r = from_file("metrics-healthy.json", extra);
        assert_eq!(r.code, 2, "{extra:?}: {}", r.stdout);
        assert_eq!(r.output("result"), "invalid", "{extra:?}");
    }
    let r = gate(&[("objective", "99.5")]);
    assert_eq!(r.code, 2);
    assert!(r.stdout.contains("prometheus-url"), "{}", r.stdout);
}
