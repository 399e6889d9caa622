//! A throwaway Postgres: `initdb` into a scratch directory, `postgres` on a free loopback port
//! with its socket in that directory, a random password, stopped by PID when dropped. Used when
//! no `database-url` is given (locally, with Debian's or another postgresql installed) and by the
//! tests. Postgres refuses to run as root: as root it runs as `nobody`, through setpriv.

use super::driver::Scratch;
use std::io::Read;
use std::path::{Path, PathBuf};
use std::process::{Child, ChildStdin, Command, Stdio};
use std::time::{Duration, Instant};

/// How long a fresh cluster may take to accept connections on a loaded machine.
const START_LIMIT: Duration = Duration::from_secs(90);

pub const USER: &str = "ready";

pub struct Throwaway {
    pub port: u16,
    pub password: String,
    /// The postmaster's PID, stopped in `Drop`.
    pub pid: u32,
    bin: PathBuf,
    /// A shell that owns the server and the data: when our end of its stdin closes (also when
    /// this process dies), it stops Postgres and removes the directory.
    keeper: Child,
    stdin: Option<ChildStdin>,
    dir: PathBuf,
}

/// The directory with `initdb` and `postgres`: PATH first, then Debian's
/// /usr/lib/postgresql/<version>/bin (newest version), where the package puts them.
pub fn find_bin() -> Option<PathBuf> {
    if let Some(initdb) = super::which("initdb") {
        // Debian links some of its programs onto PATH (initdb, maybe postgres), never all of
        // them (createdb, pg_isready): the directory the link points into has them all.
        let real = std::fs::canonicalize(&initdb).ok()?;
        return real.parent().map(Path::to_path_buf);
    }
    let mut versions: Vec<(u32, PathBuf)> = std::fs::read_dir("/usr/lib/postgresql")
        .ok()?
        .flatten()
        .filter_map(|e| {
            let version = e.file_name().to_string_lossy().parse().ok()?;
            let bin = e.path().join("bin");
            bin.join("initdb").is_file().then_some((version, bin))
        })
        .collect();
    versions.sort();
    versions.pop().map(|(_, bin)| bin)
}

impl Throwaway {
    /// Starts a cluster with the programs of `bin` and waits until it accepts connections.
    pub fn start(bin: &Path) -> Result<Throwaway, String> {
        let scratch = Scratch::new("postgres").map_err(|e| e.to_string())?;
        // The keeper removes the directory; the Scratch must not remove it first.
        let dir = scratch.path().to_path_buf();
        std::mem::forget(scratch);
        let fail = |what: String| {
            let _ = std::fs::remove_dir_all(&dir);
            what
        };
        let password = random_hex(12);
        crate::gha::secrets::register(&password);
        let pwfile = dir.join("pw");
        std::fs::write(&pwfile, &password).map_err(|e| fail(e.to_string()))?;
        let as_user = unprivileged(&dir).map_err(fail)?;
        let mut argv: Vec<std::ffi::OsString> = as_user.iter().map(Into::into).collect();
        argv.push(bin.join("initdb").into());
        argv.extend(["-D".into(), dir.join("data").into()]);
        for arg in [
            "-U",
            USER,
            "--auth=scram-sha-256",
            "-E",
            "UTF8",
            "--no-sync",
        ] {
            argv.push(arg.into());
        }
        argv.push(format!("--pwfile={}", pwfile.display()).into());
        let initdb = Command::new(&argv[0])
            .args(&argv[1..])
            .output()
            .map_err(|e| fail(format!("cannot run {}: {e}", bin.join("initdb").display())))?;
        if !initdb.status.success() {
            return Err(fail(format!(
                "initdb failed: {}",
                String::from_utf8_lossy(&initdb.stderr).trim()
            )));
        }
        let port = free_port().map_err(|e| fail(e.to_string()))?;
        let mut keeper = Command::new("sh")
            .arg("-c")
            .arg(
                r#"dir="$1"; shift
"$@" >"$dir/postgres.log" 2>&1 &
pid=$!
echo "$pid"
read -r _
kill -INT "$pid" 2>/dev/null
wait "$pid" 2>/dev/null
rm -rf "$dir""#,
            )
            .arg("sh")
            .arg(&dir)
            .args(&as_user)
            .arg(bin.join("postgres"))
            .arg("-D")
            .arg(dir.join("data"))
            .args(["-h", "127.0.0.1", "-p", &port.to_string(), "-k"])
            .arg(&dir)
            // A throwaway cluster: nothing to keep safe across a crash.
            .args([
                "-F",
                "-c",
                "full_page_writes=off",
                "-c",
                "synchronous_commit=off",
            ])
            .stdin(Stdio::piped())
            .stdout(Stdio::piped())
            .spawn()
            .map_err(|e| fail(format!("cannot start postgres: {e}")))?;
        let pid = read_pid(&mut keeper).map_err(fail)?;
        let server = Throwaway {
            port,
            password,
            pid,
            bin: bin.to_path_buf(),
            stdin: keeper.stdin.take(),
            keeper,
            dir,
        };
        server.wait_ready()?;
        Ok(server)
    }

    /// `postgresql://ready:<password>@127.0.0.1:<port>/<database>`.
    pub fn url(&self, database: &str) -> String {
        format!(
            "postgresql://{USER}:{}@127.0.0.1:{}/{database}",
            self.password, self.port
        )
    }

    /// The directory of the server's programs (psql, createdb beside them).
    pub fn bin(&self) -> &Path {
        &self.bin
    }

    /// Ready when `pg_isready` says so (or, without it, when the port accepts); bounded.
    fn wait_ready(&self) -> Result<(), String> {
        let deadline = Instant::now() + START_LIMIT;
        let isready = self.bin.join("pg_isready");
        loop {
            let ready = if isready.is_file() {
                Command::new(&isready)
                    .args([
                        "-q",
                        "-h",
                        "127.0.0.1",
                        "-p",
                        &self.port.to_string(),
                        "-t",
                        "1",
                    ])
                    .status()
                    .is_ok_and(|s| s.success())
            } else {
                std::net::TcpStream::connect(("127.0.0.1", self.port)).is_ok()
            };
            if ready {
                return Ok(());
            }
            if Instant::now() > deadline {
                let log =
                    std::fs::read_to_string(self.dir.join("postgres.log")).unwrap_or_default();
                return Err(format!(
                    "postgres did not accept connections within {}s: {}",
                    START_LIMIT.as_secs(),
                    super::driver::last_lines(&log, 10).trim()
                ));
            }
            std::thread::sleep(Duration::from_millis(100));
        }
    }
}

impl Drop for Throwaway {
    fn drop(&mut self) {
        let _ = Command::new("kill")
            .args(["-INT", &self.pid.to_string()])
            .status();
        // The keeper then waits for the postmaster and removes the data; bounded.
        self.stdin = None;
        let deadline = Instant::now() + Duration::from_secs(30);
        while Instant::now() < deadline {
            match self.keeper.try_wait() {
                Ok(Some(_)) | Err(_) => return,
                Ok(None) => std::thread::sleep(Duration::from_millis(20)),
            }
        }
        let _ = Command::new("kill")
            .args(["-KILL", &self.pid.to_string()])
            .status();
        let _ = self.keeper.kill();
    }
}

fn read_pid(keeper: &mut Child) -> Result<u32, String> {
    let mut stdout = keeper.stdout.take().ok_or("no stdout from the keeper")?;
    let mut line = String::new();
    let mut byte = [0u8; 1];
    while stdout.read(&mut byte).map_err(|e| e.to_string())? == 1 && byte[0] != b'\n' {
        line.push(byte[0] as char);
    }
    line.trim()
        .parse()
        .map_err(|_| "no PID from the keeper".to_string())
}

fn free_port() -> std::io::Result<u16> {
    Ok(std::net::TcpListener::bind("127.0.0.1:0")?
        .local_addr()?
        .port())
}

fn random_hex(bytes: usize) -> String {
    let mut raw = vec![0u8; bytes];
    getrandom::fill(&mut raw).expect("the operating system's random source is available");
    raw.iter().map(|b| format!("{b:02x}")).collect()
}

/// As root: the command prefix that runs a program as `nobody` (setpriv), after giving it `dir`.
/// Otherwise nothing: the programs run as we do.
#[cfg(unix)]
fn unprivileged(dir: &Path) -> Result<Vec<String>, String> {
    use std::os::unix::fs::MetadataExt;
    let root = std::fs::metadata("/proc/self").is_ok_and(|m| m.uid() == 0);
    if !root {
        return Ok(Vec::new());
    }
    let passwd = std::fs::read_to_string("/etc/passwd").map_err(|e| e.to_string())?;
    let (uid, gid) = passwd
        .lines()
        .map(|l| l.split(':').collect::<Vec<_>>())
        .find(|f| f.len() > 3 && f[0] == "nobody")
        .and_then(|f| Some((f[2].parse::<u32>().ok()?, f[3].parse::<u32>().ok()?)))
        .ok_or("postgres refuses to run as root, and there is no user nobody to run it as")?;
    for entry in std::fs::read_dir(dir).map_err(|e| e.to_string())?.flatten() {
        std::os::unix::fs::chown(entry.path(), Some(uid), Some(gid)).map_err(|e| e.to_string())?;
    }
    std::os::unix::fs::chown(dir, Some(uid), Some(gid)).map_err(|e| e.to_string())?;
    let setpriv = super::which("setpriv")
        .ok_or("postgres refuses to run as root, and setpriv (util-linux) is not on PATH")?;
    Ok(vec![
        setpriv.display().to_string(),
        format!("--reuid={uid}"),
        format!("--regid={gid}"),
        "--clear-groups".into(),
        "--".into(),
    ])
}

#[cfg(not(unix))]
fn unprivileged(_dir: &Path) -> Result<Vec<String>, String> {
    Ok(Vec::new())
}
