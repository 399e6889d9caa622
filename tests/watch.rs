//! End-to-end tests of `ready watch` against a REAL Prometheus (Debian's package): the test
//! writes two versions of a service (`version="v1"`, the baseline, and `version="v2"`, the new
//! one) per scenario as OpenMetrics, request counters by status and a latency histogram, scraped
//! every 15 s, backfills them with promtool and serves them on loopback. Every watch starts at
//! `START` in the past, so its measurements are taken at their own instants from stored data at
//! once: a 10-minute watch runs in well under a second, without sleeping.

mod support;

use std::sync::OnceLock;
use support::Run;
use support::prometheus::{self, Server, Vanishing};

/// The deploy: Friday 2024-06-07 12:00:00 UTC.
const START: i64 = 1_717_761_600;
const START_TEXT: &str = "2024-06-07T12:00:00Z";
const SCRAPE: i64 = 15;
/// The data: from 2 minutes before the deploy to 11 minutes after.
const FROM: i64 = START - 120;
const TO: i64 = START + 660;

/// The latency buckets (seconds) and two shapes of the share of requests in each: p95 is
/// 162.5 ms for `FAST` and 250 ms for `SLOW` (histogram_quantile interpolates in a bucket).
const LE: [&str; 7] = ["0.05", "0.1", "0.2", "0.3", "0.5", "1", "+Inf"];
const FAST: [f64; 7] = [0.5, 0.4, 0.08, 0.02, 0.0, 0.0, 0.0];
const SLOW: [f64; 7] = [0.3, 0.3, 0.3, 0.1, 0.0, 0.0, 0.0];

/// What a version serves in the 15 s that end at `t`: requests, failed requests, latency.
type Traffic = fn(i64) -> (f64, f64, [f64; 7]);

/// The measurement (1-based, one a minute) that the 15 s ending at `t` belong to.
fn minute(t: i64) -> i64 {
    (t - START + 59).div_euclid(60)
}

const HEALTHY: Traffic = |_| (100.0, 0.1, FAST);

struct Scenario {
    name: &'static str,
    baseline: Traffic,
    new: Traffic,
}

const SCENARIOS: &[Scenario] = &[
    // Both versions at 0.1% errors and 162.5 ms p95.
    Scenario {
        name: "healthy",
        baseline: HEALTHY,
        new: HEALTHY,
    },
    // The new version fails 5% of requests from the 4th minute on.
    Scenario {
        name: "errors",
        baseline: HEALTHY,
        new: |t| (100.0, if minute(t) >= 4 { 5.0 } else { 0.1 }, FAST),
    },
    // The new version answers slower: p95 250 ms, under the absolute 300 ms, 54% above v1.
    Scenario {
        name: "latency",
        baseline: HEALTHY,
        new: |_| (100.0, 0.1, SLOW),
    },
    // The new version gets 4 requests a minute.
    Scenario {
        name: "quiet",
        baseline: HEALTHY,
        new: |_| (1.0, 0.0, FAST),
    },
    // The baseline fails 1%; the new version 0.4% or 1.6% in turns, 6% in one minute: noisy,
    // one measurement above the absolute 5%, but no worse.
    Scenario {
        name: "noisy",
        baseline: |_| (100.0, 1.0, FAST),
        new: |t| {
            let errors = match minute(t) {
                6 => 6.0,
                m if m % 2 == 0 => 0.4,
                _ => 1.6,
            };
            (100.0, errors, FAST)
        },
    },
];

/// OpenMetrics text of every scenario, and how many samples it holds.
fn openmetrics() -> (String, i64) {
    let mut requests = String::new();
    let mut buckets = String::new();
    let mut samples = 0;
    for s in SCENARIOS {
        for (version, traffic) in [("v1", s.baseline), ("v2", s.new)] {
            let labels = format!("scenario=\"{}\",version=\"{version}\"", s.name);
            let (mut ok, mut bad) = (0.0, 0.0);
            let mut cumulative = [0.0; 7];
            let mut ok_lines = String::new();
            let mut bad_lines = String::new();
            let mut bucket_lines = vec![String::new(); 7];
            let mut t = FROM;
            while t <= TO {
                if t > FROM {
                    let (n, errors, shape) = traffic(t);
                    ok += n - errors;
                    bad += errors;
                    let mut below = 0.0;
                    for (i, share) in shape.iter().enumerate() {
                        below += share * n;
                        // The +Inf bucket holds every request, whatever rounding says.
                        cumulative[i] += if i == 6 { n } else { below };
                    }
                }
                ok_lines.push_str(&format!(
                    "http_requests_total{{{labels},code=\"200\"}} {ok} {t}\n"
                ));
                bad_lines.push_str(&format!(
                    "http_requests_total{{{labels},code=\"500\"}} {bad} {t}\n"
                ));
                for (i, le) in LE.iter().enumerate() {
                    bucket_lines[i].push_str(&format!(
                        "http_request_duration_seconds_bucket{{{labels},le=\"{le}\"}} {} {t}\n",
                        cumulative[i]
                    ));
                }
                samples += 9;
                t += SCRAPE;
            }
            requests.push_str(&ok_lines);
            requests.push_str(&bad_lines);
            buckets.push_str(&bucket_lines.concat());
        }
    }
    let text = format!(
        "# HELP http_requests Requests served.\n# TYPE http_requests counter\n{requests}# HELP http_request_duration_seconds_bucket Latency buckets.\n# TYPE http_request_duration_seconds_bucket unknown\n{buckets}# EOF\n"
    );
    (text, samples)
}

fn server() -> Option<&'static Server> {
    static SERVER: OnceLock<Result<Server, String>> = OnceLock::new();
    prometheus::shared(&SERVER, || {
        let (text, expected) = openmetrics();
        prometheus::backfilled(
            &text,
            &format!(
                "query=sum(count_over_time(%7B__name__%3D~%22http_.*%22%7D%5B20m%5D))&time={TO}"
            ),
            expected,
        )
    })
}

// ---------------------------------------------------------------- running the binary

fn watch(inputs: &[(&str, &str)]) -> Run {
    inputs
        .iter()
        .fold(support::Step::new().arg("watch"), |step, (name, value)| {
            step.input(name, value)
        })
        .run()
}

fn error_ratio(scenario: &str) -> String {
    format!(
        "error-ratio: sum(rate(http_requests_total{{scenario=\"{scenario}\",version=\"{{{{version}}}}\",code=\"500\"}}[{{{{.window}}}}])) / sum(rate(http_requests_total{{scenario=\"{scenario}\",version=\"{{{{version}}}}\"}}[{{{{.window}}}}]))"
    )
}

fn p95(scenario: &str) -> String {
    format!(
        "p95-ms: 1000 * histogram_quantile(0.95, sum by (le) (rate(http_request_duration_seconds_bucket{{scenario=\"{scenario}\",version=\"{{{{version}}}}\"}}[{{{{.window}}}}])))"
    )
}

fn requests(scenario: &str) -> String {
    format!(
        "requests: sum(increase(http_requests_total{{scenario=\"{scenario}\",version=\"{{{{version}}}}\"}}[{{{{.window}}}}]))"
    )
}

/// A 10-minute watch of one scenario, a measurement a minute, v2 against v1, with explicit
/// queries (error ratio, p95, requests) and `thresholds`.
fn scenario(server: &Server, name: &str, thresholds: &str, extra: &[(&str, &str)]) -> Run {
    let url = server.url();
    let queries = format!("{}\n{}\n{}\n", error_ratio(name), p95(name), requests(name));
    let mut inputs = vec![
        ("prometheus-url", url.as_str()),
        ("queries", queries.as_str()),
        ("version", "v2"),
        ("baseline-version", "v1"),
        ("duration", "10m"),
        ("interval", "1m"),
        ("thresholds", thresholds),
        ("start", START_TEXT),
    ];
    inputs.extend_from_slice(extra);
    watch(&inputs)
}

const THRESHOLDS: &str =
    "error-ratio <= 1%\np95-ms <= 300\np95-ms <= baseline + 20%\nerror-ratio <= baseline + 25%\n";

fn measurements(r: &Run) -> Vec<serde_json::Value> {
    serde_json::from_str::<serde_json::Value>(r.output("measurements"))
        .unwrap()
        .as_array()
        .unwrap()
        .clone()
}

fn statuses(r: &Run) -> Vec<String> {
    measurements(r)
        .iter()
        .map(|m| m["status"].as_str().unwrap().to_string())
        .collect()
}

/// `+Nm` after the start, as RFC 3339.
fn at_minute(n: i64) -> String {
    jiff::Timestamp::from_second(START + 60 * n)
        .unwrap()
        .strftime("%Y-%m-%dT%H:%M:%SZ")
        .to_string()
}

// ---------------------------------------------------------------- the scenarios

#[test]
fn a_healthy_rollout_passes_with_a_chart_of_both_versions() {
    let Some(server) = server() else { return };
    let dir = tempfile::tempdir().unwrap();
    let slo_file = dir.path().join("slos.yml");
    // The SLO file error-budget-gate reads, written for the whole service: the watch adds the
    // version matcher to its selectors.
    std::fs::write(
        &slo_file,
        r#"version: "prometheus/v1"
service: "shop"
slos:
  - name: "availability"
    objective: 99.5
    sli:
      events:
        error_query: sum(rate(http_requests_total{scenario="healthy",code="500"}[{{.window}}]))
        total_query: sum(rate(http_requests_total{scenario="healthy"}[{{.window}}]))
"#,
    )
    .unwrap();
    let url = server.url();
    let r = watch(&[
        ("prometheus-url", url.as_str()),
        (
            "prometheus-headers",
            "Authorization: Bearer watch-secret-token-1234",
        ),
        ("slo-file", slo_file.to_str().unwrap()),
        ("queries", &format!("{}\n", p95("healthy"))),
        (
            "thresholds",
            "shop/availability <= 0.5%\nshop/availability <= baseline + 25%\np95-ms <= 200\np95-ms <= baseline + 20%",
        ),
        ("version", "v2"),
        ("baseline-version", "v1"),
        ("duration", "10m"),
        ("interval", "1m"),
        ("start", START_TEXT),
    ]);
    assert_eq!(r.code, 0, "{}", r.log());
    assert_eq!(r.output("result"), "passed");
    assert_eq!(statuses(&r), vec!["passed"; 10]);
    assert_eq!(r.output("verdict-at"), at_minute(10));
    let first = &measurements(&r)[0];
    assert!(
        (first["new"]["values"]["shop/availability"]
            .as_f64()
            .unwrap()
            - 0.001)
            .abs()
            < 1e-9,
        "{first}"
    );
    assert!(
        (first["new"]["values"]["p95-ms"].as_f64().unwrap() - 162.5).abs() < 1e-6,
        "{first}"
    );
    // Requests from the SLI's total rate over the 1m window: 400 a minute.
    assert!(
        (first["new"]["requests"].as_f64().unwrap() - 400.0).abs() < 1e-6,
        "{first}"
    );
    assert!(
        r.summary
            .contains("passed: 10 measurements of v2 over +10m, 0 failed"),
        "{}",
        r.summary
    );
    assert_eq!(
        r.summary.matches("```mermaid\nxychart-beta").count(),
        2,
        "{}",
        r.summary
    );
    assert!(
        r.summary
            .contains("title \"shop/availability (%) over the watch\""),
        "{}",
        r.summary
    );
    assert!(
        r.summary.contains("10 queries (1 per measurement"),
        "{}",
        r.summary
    );
    // The credential is masked first and never printed.
    assert!(
        r.stdout.contains("::add-mask::watch-secret-token-1234"),
        "{}",
        r.stdout
    );
    let log = r.log();
    let printed: Vec<&str> = log
        .lines()
        .filter(|l| !l.starts_with("::add-mask::") && l.contains("watch-secret-token-1234"))
        .collect();
    assert!(printed.is_empty(), "{printed:?}");
    assert!(!r.summary.contains("watch-secret-token-1234"));
}

#[test]
fn errors_that_rise_after_three_minutes_fail_at_the_sixth_measurement_not_at_the_end() {
    let Some(server) = server() else { return };
    let r = scenario(server, "errors", THRESHOLDS, &[]);
    assert_eq!(r.code, 1, "{}", r.log());
    assert_eq!(r.output("result"), "blocked");
    assert_eq!(
        statuses(&r),
        ["passed", "passed", "passed", "failed", "failed", "failed"]
    );
    assert_eq!(r.output("verdict-at"), at_minute(6));
    // The log shows each measurement as it is taken (stored data: no waiting between them).
    let progress: Vec<&str> = r
        .stderr
        .lines()
        .filter_map(|l| l.split_once("] measurement ").map(|(_, rest)| rest))
        .collect();
    assert_eq!(progress.len(), 6, "{}", r.stderr);
    // Stable but for the elapsed time before `]`, which is cut off above.
    insta::assert_snapshot!("watch_errors_progress", progress.join("\n"));
    assert!(
        r.stdout.contains("::error title=failed-measurement%3A Failed measurement::+4m (2024-06-07T12:04:00Z): error-ratio is 5%25, above 1%25"),
        "{}",
        r.stdout
    );
    let summary = regex_lite_took(&r.summary);
    insta::assert_snapshot!("watch_errors_summary", summary);
}

/// A watch shorter than its failure limit: two measurements, both failed, with the default
/// limit of 3. Every measurement failing blocks; it is never a pass because the limit was out
/// of reach.
#[test]
fn a_watch_whose_every_measurement_failed_blocks_whatever_the_failure_limit() {
    let Some(server) = server() else { return };
    let start = at_minute(4);
    let r = scenario(
        server,
        "errors",
        THRESHOLDS,
        &[("duration", "2m"), ("start", start.as_str())],
    );
    assert_eq!(r.code, 1, "{}", r.log());
    assert_eq!(r.output("result"), "blocked");
    assert_eq!(statuses(&r), ["failed", "failed"]);
    assert!(
        r.stdout
            .contains("2 failed measurements by +2m of +2m (failure-limit 2)"),
        "{}",
        r.stdout
    );
}

/// The summary with the one figure that differs run to run (the slowest measurement's time).
fn regex_lite_took(summary: &str) -> String {
    let mark = "the slowest took ";
    let Some(i) = summary.find(mark) else {
        return summary.to_string();
    };
    let rest = &summary[i + mark.len()..];
    let digits = rest.chars().take_while(char::is_ascii_digit).count();
    format!("{}{mark}N{}", &summary[..i], &rest[digits..])
}

#[test]
fn a_latency_regression_within_the_absolute_limit_fails_on_the_baseline_comparison() {
    let Some(server) = server() else { return };
    let r = scenario(server, "latency", THRESHOLDS, &[]);
    assert_eq!(r.code, 1, "{}", r.log());
    // Five measurements of each version before the rank test may speak, then three failures.
    assert_eq!(
        statuses(&r),
        [
            "passed", "passed", "passed", "passed", "failed", "failed", "failed"
        ]
    );
    assert_eq!(r.output("verdict-at"), at_minute(7));
    let m = &measurements(&r)[6];
    assert!(
        (m["new"]["values"]["p95-ms"].as_f64().unwrap() - 250.0).abs() < 1e-6,
        "{m}"
    );
    assert!(
        m["reasons"][0]
            .as_str()
            .unwrap()
            .starts_with("p95-ms is worse than the baseline by more than 20% over 7 measurements (Mann-Whitney U = 49"),
        "{m}"
    );
}

#[test]
fn too_little_traffic_is_inconclusive_not_a_pass() {
    let Some(server) = server() else { return };
    let r = scenario(server, "quiet", THRESHOLDS, &[]);
    assert_eq!(r.code, 3, "{}", r.log());
    assert_eq!(r.output("result"), "error");
    assert_eq!(statuses(&r), vec!["inconclusive"; 10]);
    assert!(
        r.stdout.contains(
            "inconclusive: only 0 of 10 measurements had enough traffic or data (min-requests 100)"
        ),
        "{}",
        r.stdout
    );
    assert!(
        r.summary.contains("| +1m | inconclusive |"),
        "{}",
        r.summary
    );
    assert!(
        r.summary
            .contains("4 requests, fewer than min-requests 100"),
        "{}",
        r.summary
    );
}

#[test]
fn a_prometheus_that_goes_away_mid_watch_cannot_decide() {
    let Some(server) = server() else { return };
    // Four measurements get through, then the server is gone.
    let proxy = Vanishing::start(server.port, 4);
    let url = proxy.url();
    let queries = format!("{}\n{}\n", error_ratio("healthy"), requests("healthy"));
    let r = watch(&[
        ("prometheus-url", url.as_str()),
        ("queries", queries.as_str()),
        ("thresholds", "error-ratio <= 1%"),
        ("version", "v2"),
        ("duration", "10m"),
        ("interval", "1m"),
        ("start", START_TEXT),
    ]);
    assert_eq!(r.code, 3, "{}", r.log());
    assert_eq!(r.output("result"), "error");
    assert_eq!(statuses(&r), vec!["passed"; 4]);
    assert_eq!(r.output("verdict-at"), at_minute(5));
    assert!(
        r.stdout.contains("could not decide: the measurement at +5m failed after 4 measurement(s): Prometheus unreachable"),
        "{}",
        r.stdout
    );
}

#[test]
fn an_answer_with_warnings_is_not_trusted() {
    let Some(data) = server() else { return };
    static PARTIAL: OnceLock<Result<Server, String>> = OnceLock::new();
    let Some(partial) = prometheus::shared(&PARTIAL, || prometheus::partial(data)) else {
        return;
    };
    let r = scenario(partial, "healthy", THRESHOLDS, &[]);
    assert_eq!(r.code, 3, "{}", r.log());
    assert_eq!(r.output("result"), "error");
    assert_eq!(statuses(&r), Vec::<String>::new());
    assert_eq!(r.output("verdict-at"), at_minute(1));
    assert!(
        r.stdout.contains(
            "answered the measurement at 12:01:00Z with warnings, so the answer may be partial"
        ),
        "{}",
        r.stdout
    );
}

#[test]
fn a_noisy_version_that_is_no_worse_passes() {
    let Some(server) = server() else { return };
    let r = scenario(
        server,
        "noisy",
        "error-ratio <= 5%\nerror-ratio <= baseline + 25%\n",
        &[],
    );
    assert_eq!(r.code, 0, "{}", r.log());
    let s = statuses(&r);
    assert_eq!(s.len(), 10);
    // The one noisy minute fails on its own; it is one of three allowed, and the rank test sees
    // no version that is worse.
    assert_eq!(s.iter().filter(|s| *s == "failed").count(), 1, "{s:?}");
    assert_eq!(s[5], "failed");
    assert!(
        r.stdout
            .contains("::warning title=failed-measurement%3A Failed measurement::+6m"),
        "{}",
        r.stdout
    );
}

#[test]
fn a_version_without_series_fails_unless_told_to_wait() {
    let Some(server) = server() else { return };
    let r = scenario(server, "healthy", THRESHOLDS, &[("version", "v9")]);
    assert_eq!(r.code, 1, "{}", r.log());
    assert_eq!(statuses(&r), ["failed", "failed", "failed"]);
    assert!(
        r.stdout
            .contains("no data for the new version (on-no-data: fail)"),
        "{}",
        r.stdout
    );
    let r = scenario(
        server,
        "healthy",
        THRESHOLDS,
        &[("version", "v9"), ("on-no-data", "wait")],
    );
    assert_eq!(r.code, 3, "{}", r.log());
    assert_eq!(statuses(&r), vec!["inconclusive"; 10]);
}

// ---------------------------------------------------------------- bad input

#[test]
fn invalid_inputs_exit_2_with_what_was_expected() {
    // No server needed: every one of these is refused before the first query.
    let base = [
        ("prometheus-url", "http://127.0.0.1:9"),
        (
            "queries",
            "p95-ms: x{v=\"{{version}}\"}\nrequests: y{v=\"{{version}}\"}",
        ),
        ("version", "v2"),
        ("thresholds", "p95-ms <= 200"),
    ];
    for (name, value, says) in [
        ("thresholds", "p95-ms < 200", "thresholds line 1: no `<=`"),
        (
            "thresholds",
            "p95-ms <= baseline + 10%",
            "set baseline-version",
        ),
        (
            "queries",
            "p95-ms: sum(up)\nrequests: y{v=\"{{version}}\"}",
            "cannot select one version in `sum(up)`",
        ),
        (
            "interval",
            "500ms",
            "interval: `500ms` must be whole seconds",
        ),
        (
            "duration",
            "10s",
            "duration / interval gives 0 measurements",
        ),
        (
            "on-no-data",
            "ignore",
            "on-no-data: `ignore` is none of fail, wait, pass",
        ),
        (
            "failure-limit",
            "0",
            "failure-limit must be a whole number, at least 1",
        ),
        (
            "start",
            "yesterday",
            "start `yesterday` is not an RFC 3339 instant",
        ),
        ("version", "", "version is required"),
        ("prometheus-url", "ftp://x", "is not an http(s) URL"),
    ] {
        let mut inputs: Vec<(&str, &str)> =
            base.iter().copied().filter(|(n, _)| *n != name).collect();
        inputs.push((name, value));
        let r = watch(&inputs);
        assert_eq!(r.code, 2, "{name}={value}: {}", r.log());
        assert_eq!(r.output("result"), "invalid");
        assert!(r.stdout.contains(says), "{name}={value}: {}", r.stdout);
    }
    let r = watch(&[
        ("prometheus-url", "http://127.0.0.1:9"),
        ("queries", "p95-ms: x{v=\"{{version}}\"}"),
        ("version", "v2"),
        ("thresholds", "p95-ms <= 200"),
    ]);
    assert_eq!(r.code, 2);
    assert!(
        r.stdout.contains("min-requests needs a request count"),
        "{}",
        r.stdout
    );
}

#[test]
fn an_openslo_file_is_watched_like_a_sloth_spec() {
    let Some(server) = server() else { return };
    let dir = tempfile::tempdir().unwrap();
    let file = dir.path().join("openslo.yml");
    std::fs::write(
        &file,
        r#"apiVersion: openslo/v1
kind: SLO
metadata:
  name: availability
spec:
  service: shop
  budgetingMethod: Occurrences
  objectives:
    - target: 0.99
  indicator:
    metadata:
      name: errors
    spec:
      ratioMetric:
        counter: true
        bad:
          metricSource:
            type: Prometheus
            spec:
              query: http_requests_total{scenario="errors",code="500"}
        total:
          metricSource:
            type: Prometheus
            spec:
              query: http_requests_total{scenario="errors"}
"#,
    )
    .unwrap();
    let url = server.url();
    let r = watch(&[
        ("prometheus-url", url.as_str()),
        ("slo-file", file.to_str().unwrap()),
        ("version", "v2"),
        ("baseline-version", "v1"),
        ("duration", "10m"),
        ("interval", "1m"),
        ("start", START_TEXT),
    ]);
    // The default thresholds: at most the 1% the objective allows, so 5% from +4m fails.
    assert_eq!(r.code, 1, "{}", r.log());
    assert_eq!(r.output("verdict-at"), at_minute(6));
    let first = &measurements(&r)[0];
    assert!(
        (first["new"]["requests"].as_f64().unwrap() - 400.0).abs() < 1e-6,
        "{first}"
    );
    assert!(
        r.stdout.contains("shop/availability is 5%25, above 1%25"),
        "{}",
        r.stdout
    );
}
