//! The system's `ssh`, driven in batch mode over one shared connection (a `ControlMaster`
//! socket), and what its failures mean for the user.
//!
//! Files go over the same connection as a tar stream (`tar -c | ssh ... tar -x`), so the
//! board needs only a POSIX shell and `tar` (busybox has both), not `scp` or `sftp-server`.

use std::io::{BufRead, BufReader, Write};
use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};
use std::str::FromStr;
use std::sync::mpsc::{self, RecvTimeoutError};
use std::time::{Duration, Instant};

use anyhow::{bail, Context, Result};

use crate::host::exec;

/// Where a board is reached: `[USER@]ADDR[:PORT]` (an IPv6 address in brackets with a port).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Address {
    /// Login name; ssh's default (the local user, or `~/.ssh/config`'s) when absent.
    pub user: Option<String>,
    /// Host name or address.
    pub host: String,
    /// TCP port; 22 (or `~/.ssh/config`'s) when absent.
    pub port: Option<u16>,
}

impl FromStr for Address {
    type Err = anyhow::Error;

    fn from_str(text: &str) -> Result<Address> {
        let (user, rest) = match text.rsplit_once('@') {
            Some((user, rest)) if !user.is_empty() => (Some(user.to_owned()), rest),
            Some(_) => bail!("{text:?}: empty user name before '@'"),
            None => (None, text),
        };
        let (host, port) = if let Some(inner) = rest.strip_prefix('[') {
            let (host, after) = inner
                .split_once(']')
                .with_context(|| format!("{text:?}: no ']' after the IPv6 address"))?;
            match after.strip_prefix(':') {
                Some(port) => (host, Some(port)),
                None if after.is_empty() => (host, None),
                None => bail!("{text:?}: expected ':PORT' after ']'"),
            }
        } else if rest.matches(':').count() == 1 {
            let (host, port) = rest.split_once(':').unwrap_or((rest, ""));
            (host, Some(port))
        } else {
            (rest, None)
        };
        if host.is_empty() || host.starts_with('-') || host.contains(char::is_whitespace) {
            bail!("{text:?}: expected [USER@]ADDR[:PORT], e.g. pi@raspberrypi.local or root@127.0.0.1:2222");
        }
        let port = port
            .map(|p| {
                p.parse::<u16>()
                    .ok()
                    .filter(|&p| p > 0)
                    .with_context(|| format!("{text:?}: port {p:?} is not a TCP port"))
            })
            .transpose()?;
        Ok(Address {
            user,
            host: host.to_owned(),
            port,
        })
    }
}

impl std::fmt::Display for Address {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        if let Some(user) = &self.user {
            write!(f, "{user}@")?;
        }
        if self.host.contains(':') {
            write!(f, "[{}]", self.host)?;
        } else {
            f.write_str(&self.host)?;
        }
        if let Some(port) = self.port {
            write!(f, ":{port}")?;
        }
        Ok(())
    }
}

/// How the board's host key is checked.
#[derive(Debug, Clone)]
pub enum HostKeys {
    /// The user's `known_hosts`; a board seen for the first time is added
    /// (`StrictHostKeyChecking=accept-new`), a changed key is refused.
    User,
    /// A file of this run only, emptied first: the emulated stand-in makes a new host key at
    /// every boot.
    Fresh(PathBuf),
}

/// One board's ssh settings and its shared connection.
#[derive(Debug)]
pub struct Ssh {
    /// The board.
    pub address: Address,
    /// The private key to log in with (`-i`); ssh's own choice when absent.
    pub identity: Option<PathBuf>,
    /// How the host key is checked.
    pub host_keys: HostKeys,
    /// The directory of the `ControlMaster` socket.
    control_dir: PathBuf,
}

/// What a remote command did.
#[derive(Debug)]
pub struct Finished {
    /// Exit status; None when it was killed at its time limit.
    pub status: Option<i32>,
    /// What it wrote to stderr.
    pub stderr: String,
}

impl Ssh {
    /// Settings for `address`, with the connection's socket under `control_dir`.
    pub fn new(address: Address, identity: Option<PathBuf>, host_keys: HostKeys, control_dir: &Path) -> Ssh {
        Ssh {
            address,
            identity,
            host_keys,
            control_dir: control_dir.to_owned(),
        }
    }

    /// The `ssh` options every command uses.
    pub fn options(&self) -> Vec<String> {
        let mut args: Vec<String> = [
            "-o",
            "BatchMode=yes",
            "-o",
            "ConnectTimeout=10",
            "-o",
            "ServerAliveInterval=15",
            "-o",
            "ControlMaster=auto",
            "-o",
            "ControlPersist=120",
        ]
        .map(String::from)
        .to_vec();
        args.push("-o".into());
        args.push(format!("ControlPath={}/%C", self.control_dir.display()));
        if let Some(port) = self.address.port {
            args.extend(["-p".into(), port.to_string()]);
        }
        if let Some(identity) = &self.identity {
            args.extend(["-i".into(), identity.display().to_string()]);
            args.extend(["-o".into(), "IdentitiesOnly=yes".into()]);
        }
        match &self.host_keys {
            HostKeys::User => args.extend(["-o".into(), "StrictHostKeyChecking=accept-new".into()]),
            HostKeys::Fresh(file) => {
                args.extend(["-o".into(), "StrictHostKeyChecking=no".into()]);
                args.extend(["-o".into(), format!("UserKnownHostsFile={}", file.display())]);
                args.extend(["-o".into(), "LogLevel=ERROR".into()]);
            }
        }
        args
    }

    /// `ssh OPTIONS [USER@]HOST -- REMOTE`.
    pub fn command(&self, remote: &str) -> Command {
        let mut cmd = Command::new("ssh");
        cmd.args(self.options());
        match &self.address.user {
            Some(user) => cmd.arg(format!("{user}@{}", self.address.host)),
            None => cmd.arg(&self.address.host),
        };
        cmd.arg("--").arg(remote);
        cmd
    }

    /// Opens the shared connection (the first handshake) and checks that a shell answers;
    /// the error says what to do (no key, refused, unreachable).
    ///
    /// # Errors
    /// When `ssh` is missing or the login fails.
    pub fn connect(&self) -> Result<()> {
        if let HostKeys::Fresh(file) = &self.host_keys {
            if let Some(dir) = file.parent() {
                std::fs::create_dir_all(dir).with_context(|| format!("creating {}", dir.display()))?;
            }
            std::fs::write(file, "").with_context(|| format!("emptying {}", file.display()))?;
        }
        std::fs::create_dir_all(&self.control_dir)
            .with_context(|| format!("creating {}", self.control_dir.display()))?;
        if exec::which("ssh").is_none() {
            bail!("no ssh client on this machine: install it (Debian: sudo apt-get install openssh-client)");
        }
        let mut cmd = self.command("echo alsa-direct-ssh-ok");
        let out = cmd
            .stdin(Stdio::null())
            .output()
            .with_context(|| format!("running {}", exec::display(&cmd)))?;
        let stdout = String::from_utf8_lossy(&out.stdout);
        if out.status.success() && stdout.contains("alsa-direct-ssh-ok") {
            return Ok(());
        }
        let stderr = String::from_utf8_lossy(&out.stderr);
        bail!(
            "{}",
            explain_failure(&stderr, &self.address, self.identity.as_deref())
        )
    }

    /// Runs the shell script `script` on the board (`sh -s`, the script on its stdin) and
    /// returns what it printed.
    ///
    /// # Errors
    /// When ssh fails to run it or the script exits with another status than 0.
    pub fn script_output(&self, script: &str) -> Result<String> {
        let mut cmd = self.command("sh -s");
        cmd.stdin(Stdio::piped())
            .stdout(Stdio::piped())
            .stderr(Stdio::piped());
        let mut child = cmd
            .spawn()
            .with_context(|| format!("running {}", exec::display(&cmd)))?;
        child
            .stdin
            .take()
            .context("ssh stdin")?
            .write_all(script.as_bytes())
            .context("sending the script")?;
        let out = child.wait_with_output()?;
        if !out.status.success() {
            bail!(
                "the script on {} failed ({}): {}",
                self.address,
                out.status,
                explain_failure(&String::from_utf8_lossy(&out.stderr), &self.address, None)
            );
        }
        Ok(String::from_utf8_lossy(&out.stdout).into_owned())
    }

    /// Copies the directory `staging` to `remote_dir` on the board (replacing it) as one tar
    /// stream over the shared connection.
    ///
    /// # Errors
    /// When tar or ssh fails.
    pub fn upload(&self, staging: &Path, remote_dir: &str) -> Result<()> {
        let dir = exec::quote(remote_dir);
        let mut unpack = self.command(&format!("rm -rf {dir} && mkdir -p {dir} && tar -xf - -C {dir}"));
        let mut tar = Command::new("tar");
        tar.arg("-C").arg(staging).args(["-cf", "-", "."]);
        let mut tar_child = tar
            .stdout(Stdio::piped())
            .spawn()
            .with_context(|| format!("running {}", exec::display(&tar)))?;
        let stream = tar_child.stdout.take().context("tar stdout")?;
        let out = unpack
            .stdin(stream)
            .output()
            .with_context(|| format!("running {}", exec::display(&unpack)))?;
        let tar_status = tar_child.wait()?;
        if !tar_status.success() {
            bail!("`{}` failed ({tar_status})", exec::display(&tar));
        }
        if !out.status.success() {
            bail!(
                "copying to {}:{remote_dir} failed ({}): {} (is there room on the board, and does it have tar?)",
                self.address,
                out.status,
                String::from_utf8_lossy(&out.stderr).trim()
            );
        }
        Ok(())
    }

    /// Runs `remote` on the board, handing each line it prints to `line` as it comes, and
    /// kills it after `limit`.
    ///
    /// # Errors
    /// When ssh cannot be started.
    pub fn stream(&self, remote: &str, limit: Duration, mut line: impl FnMut(&str)) -> Result<Finished> {
        let mut cmd = self.command(remote);
        cmd.stdin(Stdio::null())
            .stdout(Stdio::piped())
            .stderr(Stdio::piped());
        let mut child = cmd
            .spawn()
            .with_context(|| format!("running {}", exec::display(&cmd)))?;
        let stdout = child.stdout.take().context("ssh stdout")?;
        let mut stderr = child.stderr.take().context("ssh stderr")?;
        let err_reader = std::thread::spawn(move || {
            let mut text = String::new();
            let _ = std::io::Read::read_to_string(&mut stderr, &mut text);
            text
        });
        let (tx, rx) = mpsc::channel();
        std::thread::spawn(move || {
            for l in BufReader::new(stdout).lines() {
                let Ok(l) = l else { break };
                if tx.send(l).is_err() {
                    break;
                }
            }
        });
        let deadline = Instant::now() + limit;
        let mut killed = false;
        loop {
            match rx.recv_timeout(deadline.saturating_duration_since(Instant::now())) {
                Ok(l) => line(l.trim_end_matches('\r')),
                Err(RecvTimeoutError::Disconnected) => break,
                Err(RecvTimeoutError::Timeout) => {
                    let _ = child.kill();
                    killed = true;
                    break;
                }
            }
        }
        let status = child.wait()?;
        let stderr = err_reader.join().unwrap_or_default();
        Ok(Finished {
            status: if killed { None } else { status.code() },
            stderr,
        })
    }

    /// Closes the shared connection.
    pub fn close(&self) {
        let mut cmd = Command::new("ssh");
        cmd.args(self.options()).args(["-O", "exit"]);
        match &self.address.user {
            Some(user) => cmd.arg(format!("{user}@{}", self.address.host)),
            None => cmd.arg(&self.address.host),
        };
        let _ = cmd.stdout(Stdio::null()).stderr(Stdio::null()).status();
    }
}

/// What a failed `ssh` login means and what to do, from its stderr.
pub fn explain_failure(stderr: &str, address: &Address, identity: Option<&Path>) -> String {
    let said = stderr.trim();
    let port = address.port.map(|p| format!(" -p {p}")).unwrap_or_default();
    let login = match &address.user {
        Some(user) => format!("{user}@{}", address.host),
        None => address.host.clone(),
    };
    let advice = if said.contains("Permission denied") {
        match identity {
            Some(key) => format!(
                "the board refused the key {}: copy its public half there (ssh-copy-id -i {}{port} {login})",
                key.display(),
                key.display()
            ),
            None => format!(
                "the board accepts none of your SSH keys (and the runner cannot type a password): \
                 make a key if you have none (ssh-keygen -t ed25519) and copy it there \
                 (ssh-copy-id{port} {login}), or name one with --identity FILE"
            ),
        }
    } else if said.contains("Connection refused") {
        format!("nothing listens for SSH on {}: start the board's SSH server (Raspberry Pi OS: sudo raspi-config, Interface Options, SSH; others: sudo systemctl enable --now ssh)", address)
    } else if said.contains("Could not resolve hostname") {
        format!(
            "{} is not a known host name: use the board's IP address (it shows it with `hostname -I`)",
            address.host
        )
    } else if said.contains("Host key verification failed")
        || said.contains("REMOTE HOST IDENTIFICATION HAS CHANGED")
    {
        format!("the board's host key changed (a new system on it?): if that is expected, forget the old one with ssh-keygen -R {}", address.host)
    } else if said.contains("timed out")
        || said.contains("No route to host")
        || said.contains("Network is unreachable")
    {
        format!(
            "{} does not answer: is the board on and on this network?",
            address
        )
    } else {
        "ssh failed".to_owned()
    };
    if said.is_empty() {
        advice
    } else {
        format!("{advice} (ssh said: {})", said.lines().last().unwrap_or(said))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn addresses_parse_with_user_port_and_ipv6() {
        let a: Address = "pi@raspberrypi.local".parse().unwrap();
        assert_eq!(
            (a.user.as_deref(), a.host.as_str(), a.port),
            (Some("pi"), "raspberrypi.local", None)
        );
        let a: Address = "root@127.0.0.1:2222".parse().unwrap();
        assert_eq!(
            (a.user.as_deref(), a.host.as_str(), a.port),
            (Some("root"), "127.0.0.1", Some(2222))
        );
        let a: Address = "10.0.0.7".parse().unwrap();
        assert_eq!((a.user, a.port), (None, None));
        let a: Address = "u@[fe80::1]:22".parse().unwrap();
        assert_eq!((a.host.as_str(), a.port), ("fe80::1", Some(22)));
        assert_eq!(a.to_string(), "u@[fe80::1]:22");
        let a: Address = "fe80::1".parse().unwrap();
        assert_eq!((a.host.as_str(), a.port), ("fe80::1", None));
        for bad in [
            "",
            "@host",
            "root@",
            "root@host:0",
            "root@host:ssh",
            "-oProxyCommand=x",
            "a b",
        ] {
            assert!(bad.parse::<Address>().is_err(), "{bad}");
        }
    }

    #[test]
    fn options_share_one_connection_in_batch_mode() {
        let ssh = Ssh::new(
            "root@127.0.0.1:2222".parse().unwrap(),
            Some("/k/id".into()),
            HostKeys::Fresh("/t/known".into()),
            Path::new("/t/ctl"),
        );
        let cmd = ssh.command("true");
        let args: Vec<String> = cmd.get_args().map(|a| a.to_string_lossy().into_owned()).collect();
        let joined = args.join(" ");
        for part in [
            "-o BatchMode=yes",
            "-o ControlMaster=auto",
            "-o ControlPath=/t/ctl/%C",
            "-p 2222",
            "-i /k/id",
            "-o UserKnownHostsFile=/t/known",
            "root@127.0.0.1 -- true",
        ] {
            assert!(joined.contains(part), "{part}: {joined}");
        }
        let user = Ssh::new("pi@board".parse().unwrap(), None, HostKeys::User, Path::new("/c"));
        let joined: Vec<String> = user
            .command("x")
            .get_args()
            .map(|a| a.to_string_lossy().into_owned())
            .collect();
        assert!(joined.join(" ").contains("StrictHostKeyChecking=accept-new"));
        assert!(!joined.iter().any(|a| a == "-p" || a == "-i"));
    }

    #[test]
    fn failures_say_what_to_do() {
        let a: Address = "pi@board:2200".parse().unwrap();
        let no_key = explain_failure("pi@board: Permission denied (publickey,password).\n", &a, None);
        assert!(no_key.contains("ssh-copy-id -p 2200 pi@board"), "{no_key}");
        assert!(no_key.contains("ssh-keygen -t ed25519"), "{no_key}");
        let key = explain_failure("Permission denied (publickey).", &a, Some(Path::new("/k")));
        assert!(key.contains("ssh-copy-id -i /k"), "{key}");
        assert!(explain_failure(
            "ssh: connect to host board port 2200: Connection refused",
            &a,
            None
        )
        .contains("start the board's SSH server"));
        assert!(explain_failure(
            "ssh: Could not resolve hostname board: Name or service not known",
            &a,
            None
        )
        .contains("IP address"));
        assert!(explain_failure("Host key verification failed.", &a, None).contains("ssh-keygen -R board"));
        assert!(explain_failure(
            "ssh: connect to host board port 2200: Connection timed out",
            &a,
            None
        )
        .contains("does not answer"));
    }
}
