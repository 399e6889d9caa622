//! The I/O of a run: the database (given, or a throwaway one), the driver's answers to each step
//! in order until the first failure, and squawk's findings on each revision's offline SQL.

use super::Settings;
use super::contracts::{self, Lint};
use super::driver::{Answer, Driver, NoAnswer};
use super::order::{self, Step};
use super::postgres::{self, Throwaway};
use crate::check_alembic_heads::rules::Revision;
use crate::report::Failure;
use std::path::PathBuf;
use std::time::Duration;

/// What a run saw.
pub struct Collected {
    /// The online steps that ran, in order; the last one failed when the run stopped early.
    pub steps: Vec<(Step, Result<Answer, NoAnswer>)>,
    /// The steps the run reached but did not run: downgrades declared away (`no_downgrade`).
    pub skipped: Vec<Step>,
    /// Per revision, in upgrade order: its offline SQL's lints (`None`: not checked).
    pub sql: Vec<Option<Result<Vec<Lint>, String>>>,
    /// Per revision: its file, canonical, to find it in a traceback.
    pub files: Vec<Option<PathBuf>>,
    /// Where the migrations ran, for the summary: a host and database, never credentials.
    pub database: String,
    pub settings_stairway: bool,
    pub contracts_checked: bool,
}

/// A `database-url` is a Postgres URL; its password is registered as a secret at once. Returns
/// it as SQLAlchemy reads it (`postgres://`, which it refuses, becomes `postgresql://`).
pub fn check_url(url: &str) -> Result<String, Failure> {
    let parsed = reqwest::Url::parse(url).map_err(|e| {
        Failure::invalid(format!(
            "database-url is not a URL ({e}); expected postgresql://user:password@host:5432/database"
        ))
    })?;
    crate::gha::secrets::register_url_credentials(&parsed);
    let scheme = parsed.scheme();
    if !(scheme == "postgres" || scheme == "postgresql" || scheme.starts_with("postgresql+")) {
        return Err(Failure::invalid(format!(
            "database-url has the scheme {scheme:?}; migration-smoke runs on Postgres (postgresql://…)"
        )));
    }
    if let Some(password) = parsed.password() {
        crate::gha::secrets::check_maskable("the password in database-url", password)
            .map_err(Failure::invalid)?;
    }
    Ok(match url.strip_prefix("postgres://") {
        Some(rest) => format!("postgresql://{rest}"),
        None => url.to_string(),
    })
}

/// `host:port/database` of a URL, for the summary.
fn describe(url: &str) -> String {
    reqwest::Url::parse(url)
        .map(|u| {
            format!(
                "{}:{}{}",
                u.host_str().unwrap_or("localhost"),
                u.port().unwrap_or(5432),
                u.path()
            )
        })
        .unwrap_or_else(|_| "the database".into())
}

pub fn collect(settings: &Settings, revisions: &[Revision]) -> Result<Collected, Failure> {
    let mut squawk = super::python::words(&settings.squawk);
    // Found as a shell in the working directory finds it: on PATH, or a path from there.
    let found = squawk
        .first()
        .and_then(|program| super::which_in(&settings.dir, program));
    if let (Some(program), Some(found)) = (squawk.first_mut(), &found) {
        *program = found.display().to_string();
    }
    if settings.contracts && found.is_none() {
        return Err(Failure::invalid(format!(
            "contracts needs squawk (`{}` is not on PATH): pip install squawk-cli==2.70.0, or set contracts: false",
            settings.squawk
        )));
    }
    // A throwaway server lives as long as this function: it is dropped (stopped) at its end.
    let mut throwaway: Option<Throwaway> = None;
    let url = match &settings.database_url {
        Some(url) => url.clone(),
        None => {
            let bin = postgres::find_bin().ok_or_else(|| {
                Failure::invalid(
                    "no database-url given, and no initdb/postgres on PATH to start a throwaway Postgres",
                )
            })?;
            let server = Throwaway::start(&bin)
                .map_err(|e| Failure::undecided(format!("the throwaway Postgres: {e}")))?;
            let url = server.url("postgres");
            throwaway = Some(server);
            url
        }
    };
    let database = match &throwaway {
        Some(_) => format!("a throwaway Postgres ({})", describe(&url)),
        None => describe(&url),
    };
    let mut driver = Driver::start(
        &settings.dir,
        &settings.python,
        settings.config.as_deref(),
        &url,
    )
    .map_err(Failure::invalid)?;
    let tables = wait_for_database(
        &mut || driver.ping(settings.step_timeout),
        settings.connect_timeout,
        &mut std::thread::sleep,
    )?;
    let foreign: Vec<&String> = tables.iter().filter(|t| *t != "alembic_version").collect();
    if !foreign.is_empty() {
        return Err(Failure::invalid(format!(
            "{database} holds tables already ({}): migration-smoke upgrades and downgrades every migration, so database-url must name an empty, throwaway database",
            listing(&foreign)
        )));
    }

    let mut steps = Vec::new();
    let mut skipped = Vec::new();
    let plan = order::online_plan(revisions, settings.stairway, settings.model_check);
    let total = plan.len();
    let mut progress = crate::gha::Progress::stderr(super::NAME);
    for (n, step) in plan.into_iter().enumerate() {
        if step.kind.is_skipped() {
            progress.step(&skipped_line(revisions, &step, n + 1, total));
            skipped.push(step);
            continue;
        }
        let answer = driver.alembic(&step.argv, settings.step_timeout);
        progress.step(&step_line(revisions, &step, &answer, n + 1, total));
        // A failed step stops the run, but for `alembic check`: the schema is as the migrations
        // left it, and the walk back to base still has something to say.
        let stops = !matches!(&answer, Ok(a) if a.ok) && step.kind != order::Kind::ModelCheck;
        steps.push((step, answer));
        if stops {
            break;
        }
    }

    let mut sql = vec![None; revisions.len()];
    if settings.contracts {
        let mut files = Vec::new();
        let mut rendered = Vec::new();
        for (i, step) in order::sql_plan(revisions).into_iter().enumerate() {
            let Some(step) = step else { continue };
            match driver.alembic(&step.argv, settings.step_timeout) {
                Ok(a) if a.ok => {
                    let file = driver.scratch().join(format!("{i:05}.sql"));
                    std::fs::write(&file, &a.stdout).map_err(|e| {
                        Failure::undecided(format!("cannot keep the offline SQL: {e}"))
                    })?;
                    files.push(file);
                    rendered.push(i);
                }
                Ok(a) => sql[i] = Some(Err(a.error.unwrap_or_default())),
                Err(no) => sql[i] = Some(Err(no.describe())),
            }
        }
        let lints = contracts::lint(&squawk, &files).map_err(Failure::undecided)?;
        for (i, lints) in rendered.into_iter().zip(lints) {
            sql[i] = Some(Ok(lints));
        }
    }
    drop(driver);
    drop(throwaway);
    Ok(Collected {
        steps,
        skipped,
        sql,
        files: revisions
            .iter()
            .map(|r| std::fs::canonicalize(&r.file).ok())
            .collect(),
        database,
        settings_stairway: settings.stairway,
        contracts_checked: settings.contracts,
    })
}

/// One progress line per step: which, of how many, the revision, the direction, the time and
/// the outcome (`[3/15] s2_users downgrade: passed in 12ms`).
fn step_line(
    revisions: &[Revision],
    step: &Step,
    answer: &Result<Answer, NoAnswer>,
    n: usize,
    total: usize,
) -> String {
    let revision = step.revision.map_or("head", |i| revisions[i].id.as_str());
    let outcome = match answer {
        Ok(a) if a.ok => format!("passed in {}ms", a.ms.round()),
        Ok(a) => format!(
            "failed in {}ms: {}",
            a.ms.round(),
            a.error.as_deref().unwrap_or("no error given")
        ),
        Err(no) => format!("failed: {}", no.describe()),
    };
    format!(
        "[{n}/{total}] {revision} {}: {outcome}",
        step.kind.describe()
    )
}

/// The line of a step not run (`[5/11] r2 downgrade and upgrade again: skipped: r2 declares
/// no_downgrade "…"`), and for the walk down, what it leaves out.
fn skipped_line(revisions: &[Revision], step: &Step, n: usize, total: usize) -> String {
    let Some(i) = step.revision else {
        return format!("[{n}/{total}] {}: skipped", step.kind.describe());
    };
    let revision = &revisions[i];
    let walk = match step.kind {
        order::Kind::WalkStopped => format!("; the walk stops here: {}", order::not_walked(i)),
        _ => String::new(),
    };
    format!(
        "[{n}/{total}] {id} {}: skipped: {id} {}{walk}",
        step.kind.describe(),
        order::declared_away(revision),
        id = revision.id,
    )
}

fn listing(names: &[&String]) -> String {
    let shown: Vec<&str> = names.iter().take(5).map(|s| s.as_str()).collect();
    match names.len() {
        n if n > 5 => format!("{}, and {} more", shown.join(", "), n - 5),
        _ => shown.join(", "),
    }
}

/// The longest pause between two attempts to connect.
const MAX_PAUSE: Duration = Duration::from_secs(5);

/// Connects until the database answers or `timeout` has been spent waiting: a service container
/// may still be starting. A refused password or a database that does not exist will not get
/// better by waiting: invalid input at once. Returns the tables the database holds.
pub fn wait_for_database(
    ping: &mut dyn FnMut() -> Result<Answer, NoAnswer>,
    timeout: Duration,
    sleep: &mut dyn FnMut(Duration),
) -> Result<Vec<String>, Failure> {
    let policy = crate::http::Policy {
        base_delay: Duration::from_millis(250),
        max_delay: MAX_PAUSE,
        ..crate::http::Policy::default()
    };
    let mut waited = Duration::ZERO;
    let mut attempt = 0;
    loop {
        attempt += 1;
        let why = match ping() {
            Ok(a) if a.ok => return Ok(a.tables.unwrap_or_default()),
            Ok(a) => a.error.unwrap_or_default(),
            // The driver could not even start: Python or Alembic is missing, not the database.
            Err(NoAnswer::Ended(log)) => {
                return Err(Failure::invalid(format!(
                    "the Alembic driver did not start: {}",
                    if log.trim().is_empty() {
                        "no output"
                    } else {
                        log.trim()
                    }
                )));
            }
            Err(no) => no.describe(),
        };
        let why = why.lines().next().unwrap_or_default().to_string();
        if why.contains("password authentication failed") || why.contains("does not exist") {
            return Err(Failure::invalid(format!("the database refused us: {why}")));
        }
        let pause = crate::http::backoff(attempt, &policy).min(MAX_PAUSE);
        if waited + pause > timeout {
            return Err(Failure::undecided(format!(
                "the database could not be reached after {attempt} attempts in {}s (connect-timeout): {why}",
                waited.as_secs()
            )));
        }
        sleep(pause);
        waited += pause;
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn refused() -> Result<Answer, NoAnswer> {
        Ok(Answer {
            ok: false,
            error: Some("psycopg.OperationalError: connection refused\nmore".into()),
            ..Answer::default()
        })
    }

    #[test]
    fn a_database_still_starting_is_waited_for_with_backoff() {
        let mut calls = 0;
        let mut pauses = Vec::new();
        let tables = wait_for_database(
            &mut || {
                calls += 1;
                if calls < 4 {
                    refused()
                } else {
                    Ok(Answer {
                        ok: true,
                        tables: Some(vec!["alembic_version".into()]),
                        ..Answer::default()
                    })
                }
            },
            Duration::from_secs(60),
            &mut |d| pauses.push(d),
        )
        .unwrap();
        assert_eq!(tables, ["alembic_version"]);
        assert_eq!(pauses.len(), 3);
        assert!(pauses.windows(2).all(|w| w[0] <= w[1]), "{pauses:?}");
    }

    #[test]
    fn an_unreachable_database_is_undecided_within_the_timeout() {
        let mut waited = Duration::ZERO;
        let e = wait_for_database(&mut refused, Duration::from_secs(10), &mut |d| waited += d)
            .unwrap_err();
        assert!(matches!(e, Failure::Undecided(_)), "{e}");
        assert!(e.to_string().contains("connection refused"), "{e}");
        assert!(!e.to_string().contains("more"));
        assert!(waited <= Duration::from_secs(10));
        assert!(waited > Duration::from_secs(3), "{waited:?}");
    }

    #[test]
    fn a_refused_password_is_invalid_at_once() {
        let mut pauses = 0;
        let e = wait_for_database(
            &mut || {
                Ok(Answer {
                    ok: false,
                    error: Some("FATAL: password authentication failed for user \"x\"".into()),
                    ..Answer::default()
                })
            },
            Duration::from_secs(60),
            &mut |_| pauses += 1,
        )
        .unwrap_err();
        assert!(matches!(e, Failure::Invalid { .. }));
        assert_eq!(pauses, 0);
    }

    #[test]
    fn only_postgres_urls() {
        assert!(check_url("mysql://u:longpassword@h/db").is_err());
        assert!(check_url("not a url").is_err());
        assert!(
            check_url("postgresql://u:pw@h/db").is_err(),
            "too short to mask"
        );
        assert!(check_url("postgresql+psycopg://u:long-password@h:5433/db").is_ok());
        assert_eq!(
            check_url("postgres://u:long-password@h/db").unwrap(),
            "postgresql://u:long-password@h/db"
        );
        assert_eq!(describe("postgresql://u:p@db:5433/app"), "db:5433/app");
    }
}
