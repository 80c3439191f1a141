//! Host prerequisites: Debian packages (qemu, cross linkers, ...), apt sources and foreign
//! architectures for the guests' packages, rustup targets and components.
//!
//! Nothing is touched when everything is there already. Changes are made as root, or through
//! `sudo` when it exists; otherwise the exact commands are printed and the runner stops.

use std::collections::{BTreeMap, BTreeSet};
use std::path::{Path, PathBuf};
use std::process::Command;

use anyhow::{bail, Context, Result};

use crate::boards::{Board, Debian, Kind};
use crate::host::{debian, exec};
use crate::progress::step;
use crate::targets::{self, Target};

/// Where packages come from (the mirror every Debian install can reach).
const MIRROR: &str = "http://deb.debian.org/debian";
/// The apt source file this runner writes for the host's backports (qemu on bookworm).
const BACKPORTS_LIST: &str = "/etc/apt/sources.list.d/alsa-direct-backports.list";

/// How something is detected as present.
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord)]
pub enum Probe {
    /// A program in `PATH`.
    Command(String),
    /// An installed Debian package.
    Package(String),
    /// Files a compiler must find to link a static program for its target: the C library's
    /// start files and archive (`crt1.o`, `libc.a`), asked of the compiler itself with
    /// `-print-file-name`, so that what is checked is what the link needs.
    CompilerFinds {
        /// The C compiler that links for the target.
        compiler: String,
        /// File names it must resolve.
        files: Vec<String>,
    },
}

/// A Debian package the runner needs, and how to tell it is there.
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord)]
pub struct Need {
    /// How to tell it is installed.
    pub probe: Probe,
    /// Package to install when it is not.
    pub package: String,
    /// Part of the qemu family: taken from `<codename>-backports` on bookworm, where the
    /// preinstalled qemu-utils 10 conflicts with bookworm's own qemu 7.2.
    pub backports: bool,
}

impl Need {
    /// Needs `program` in `PATH`, from `package`.
    fn command(program: &str, package: &str, backports: bool) -> Need {
        Need {
            probe: Probe::Command(program.into()),
            package: package.into(),
            backports,
        }
    }

    /// Needs `package` installed.
    fn package(package: &str, backports: bool) -> Need {
        Need {
            probe: Probe::Package(package.into()),
            package: package.into(),
            backports,
        }
    }

    /// What is missing, e.g. `` `qemu-system-aarch64` `` or `crt1.o and libc.a for
    /// `aarch64-linux-gnu-gcc``.
    fn what(&self) -> String {
        match &self.probe {
            Probe::Command(program) => format!("`{program}`"),
            Probe::Package(package) => format!("package {package}"),
            Probe::CompilerFinds { compiler, files } => {
                format!("{} for `{compiler}`", files.join(" and "))
            }
        }
    }

    /// True when the need is met.
    fn present(&self) -> bool {
        match &self.probe {
            Probe::Command(program) => exec::which(program).is_some(),
            Probe::Package(package) => package_installed(package),
            Probe::CompilerFinds { compiler, files } => {
                files.iter().all(|file| compiler_finds(compiler, file))
            }
        }
    }

    /// The linker needs the target's C library start files, from `package`.
    fn start_files(compiler: &str, package: &str) -> Need {
        Need {
            probe: Probe::CompilerFinds {
                compiler: compiler.into(),
                files: vec!["crt1.o".into(), "libc.a".into()],
            },
            package: package.into(),
            backports: false,
        }
    }
}

/// True when `compiler -print-file-name=FILE` resolves `file` to a path that exists (gcc
/// echoes the bare name when it cannot find the file).
fn compiler_finds(compiler: &str, file: &str) -> bool {
    exec::output(Command::new(compiler).arg(format!("-print-file-name={file}")))
        .map(|path| {
            let path = Path::new(path.trim());
            path.is_absolute() && path.exists()
        })
        .unwrap_or(false)
}

/// True when dpkg reports the package as installed.
pub fn package_installed(package: &str) -> bool {
    exec::output(Command::new("dpkg-query").args(["-W", "-f=${Status}", package]))
        .map(|s| s.trim() == "install ok installed")
        .unwrap_or(false)
}

/// What building static binaries for `target` needs: its C compiler as the linker, and the C
/// library the compiler links against.
pub fn needs_for_build(target: &Target) -> Vec<Need> {
    vec![
        Need::command(target.c_compiler, target.c_compiler_package, false),
        Need::start_files(target.c_compiler, target.libc_package),
    ]
}

/// What `cargo test --target <target>` on the host needs (linker and qemu-user runner).
pub fn needs_for_host_tests(target: &Target) -> Vec<Need> {
    let mut needs = needs_for_build(target);
    if let Some(runner) = target.qemu_user {
        needs.push(Need::command(runner, "qemu-user-static", true));
    }
    needs
}

/// The package holding a qemu system emulator.
fn qemu_system_package(binary: &str) -> &'static str {
    targets::by_qemu_system(binary).map_or("qemu-system-misc", |t| t.qemu_system_package)
}

/// What booting an emulated board needs (emulator, firmware, unpacking tools, linkers); an
/// error names a run's target the runner does not know.
pub fn needs_for_board(board: &Board) -> Result<Vec<Need>> {
    let mut needs = vec![
        Need::command("xz", "xz-utils", false),
        Need::command("dpkg-deb", "dpkg", false),
    ];
    if let Some(qemu) = &board.qemu {
        needs.push(Need::command(
            &qemu.binary,
            qemu_system_package(&qemu.binary),
            true,
        ));
        if qemu.bios.as_deref() == Some("default") && qemu.binary.contains("riscv") {
            needs.push(Need::package("opensbi", true));
        }
    }
    if board.standin.is_some() || board.kind == Kind::Real {
        // Over SSH: the client, and ssh-keygen for the stand-in's key pair (one package).
        needs.push(Need::command("ssh", "openssh-client", false));
        needs.push(Need::command("ssh-keygen", "openssh-client", false));
    }
    for run in &board.runs {
        let target = targets::by_triple(board.run_target(run))
            .with_context(|| format!("board {}, run {}", board.name, run.name))?;
        needs.extend(needs_for_build(target));
    }
    Ok(needs)
}

/// Who may change the host.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Privilege {
    /// Running as root.
    Root,
    /// Not root, but `sudo` exists.
    Sudo,
    /// Neither: print the commands for someone who can.
    Nobody,
}

/// One change to the host.
enum Action {
    /// Write an apt source file.
    WriteFile {
        /// Absolute path.
        path: String,
        /// Whole file content.
        content: String,
    },
    /// Run a command (as root).
    Run(Vec<String>),
}

impl Action {
    /// A command to run as root.
    fn run(args: &[&str]) -> Action {
        Action::Run(args.iter().map(|s| s.to_string()).collect())
    }

    /// The action as a shell command line (as root).
    fn shell(&self) -> String {
        match self {
            Action::WriteFile { path, content } => {
                format!("echo {} > {}", exec::quote(content.trim_end()), path)
            }
            Action::Run(args) => args.iter().map(exec::quote).collect::<Vec<_>>().join(" "),
        }
    }
}

/// The host being prepared, remembering what was done in this process.
pub struct Host {
    /// Who may change the host.
    privilege: Privilege,
    /// `VERSION_CODENAME` of the host, e.g. `bookworm`.
    codename: String,
    /// dpkg's native architecture, e.g. `amd64`.
    native_arch: String,
    /// `apt-get update` already ran in this process.
    updated: bool,
}

impl Host {
    /// Looks at the host (who we are, which Debian).
    pub fn detect() -> Host {
        let privilege = if is_root() {
            Privilege::Root
        } else if exec::which("sudo").is_some() {
            Privilege::Sudo
        } else {
            Privilege::Nobody
        };
        let codename = std::fs::read_to_string("/etc/os-release")
            .ok()
            .and_then(|text| {
                text.lines().find_map(|l| {
                    l.strip_prefix("VERSION_CODENAME=")
                        .map(|v| v.trim_matches('"').to_owned())
                })
            })
            .unwrap_or_default();
        let native_arch = exec::output(Command::new("dpkg").arg("--print-architecture"))
            .map(|s| s.trim().to_owned())
            .unwrap_or_else(|_| "amd64".into());
        Host {
            privilege,
            codename,
            native_arch,
            updated: false,
        }
    }

    /// Installs the needed packages that are missing (nothing happens when none is).
    pub fn ensure_packages(&mut self, needs: &[Need]) -> Result<()> {
        let missing: BTreeSet<&Need> = needs.iter().filter(|n| !n.present()).collect();
        if missing.is_empty() {
            return Ok(());
        }
        let names: BTreeSet<&str> = missing.iter().map(|n| n.package.as_str()).collect();
        step!(
            "missing host packages: {}",
            names.into_iter().collect::<Vec<_>>().join(" ")
        );
        let mut actions = Vec::new();
        let use_backports = self.codename == "bookworm";
        let backports_suite = format!("{}-backports", self.codename);
        let add_backports =
            use_backports && missing.iter().any(|n| n.backports) && !sources_mention(&backports_suite);
        if add_backports {
            actions.push(Action::WriteFile {
                path: BACKPORTS_LIST.into(),
                content: format!(
                    "deb [arch={}] {MIRROR} {backports_suite} main\n",
                    self.native_arch
                ),
            });
        }
        // A source written now is unknown to apt until the next update, even when an update
        // already ran in this process (for a new dpkg architecture, say).
        if !self.updated || add_backports {
            actions.push(Action::run(&["apt-get", "update"]));
        }
        let missing_needs: Vec<&Need> = missing.iter().copied().collect();
        actions.extend(self.install_actions(&missing_needs));
        self.apply(&actions)?;
        let still: Vec<&Need> = missing.iter().copied().filter(|n| !n.present()).collect();
        if !still.is_empty() {
            bail!("{}", self.still_missing(&still));
        }
        Ok(())
    }

    /// The `apt-get install` commands for `needs`: one for the host's suite and, on bookworm,
    /// one for the qemu family from backports.
    fn install_actions(&self, needs: &[&Need]) -> Vec<Action> {
        let use_backports = self.codename == "bookworm";
        let backports_suite = format!("{}-backports", self.codename);
        let mut actions = Vec::new();
        for from_backports in [false, true] {
            let group: BTreeSet<&str> = needs
                .iter()
                .filter(|n| (n.backports && use_backports) == from_backports)
                .map(|n| n.package.as_str())
                .collect();
            if group.is_empty() {
                continue;
            }
            let mut args = vec!["apt-get", "install", "-y", "--no-install-recommends"];
            if from_backports {
                args.extend(["-t", backports_suite.as_str()]);
            }
            args.extend(group);
            actions.push(Action::run(&args));
        }
        actions
    }

    /// The message for needs that an install did not meet: each missing piece with the exact
    /// command that installs its package, as this user would type it.
    fn still_missing(&self, still: &[&Need]) -> String {
        let sudo = if self.privilege == Privilege::Sudo {
            "sudo "
        } else {
            ""
        };
        let lines: Vec<String> = still
            .iter()
            .map(|need| {
                let commands: Vec<String> = self
                    .install_actions(&[need])
                    .iter()
                    .map(|a| format!("{sudo}{}", a.shell()))
                    .collect();
                format!("    {}: {}", need.what(), commands.join("; "))
            })
            .collect();
        format!(
            "installed, but still missing:\n{}\nthe package did not provide it: check `apt-cache policy` for the package, \
             install it by hand with the command shown, and run this command again",
            lines.join("\n")
        )
    }

    /// Makes the guests' packages reachable by apt: each foreign dpkg architecture and, for a
    /// suite other than the host's, one apt source restricted to the guests' architectures
    /// (pinned so it never replaces host packages; one source per suite, or apt warns that the
    /// suite's `Architecture: all` index is configured several times). Runs `apt-get update`
    /// once when it added anything.
    pub fn ensure_guest_sources(&mut self, guests: &[&Debian]) -> Result<()> {
        let mut actions = Vec::new();
        let mut pins = Vec::new();
        let mut archs = foreign_architectures();
        let mut other_suites: BTreeMap<&str, BTreeSet<String>> = BTreeMap::new();
        for debian in guests {
            let arch = debian.arch.as_str();
            if arch != self.native_arch && archs.insert(arch.to_owned()) {
                actions.push(Action::run(&["dpkg", "--add-architecture", arch]));
            }
            if debian.suite != self.codename {
                other_suites
                    .entry(debian.suite.as_str())
                    .or_default()
                    .insert(arch.to_owned());
            }
        }
        for (suite, wanted) in other_suites {
            let name = format!("alsa-direct-{suite}");
            let list = format!("/etc/apt/sources.list.d/{name}.list");
            let listed = listed_architectures(&std::fs::read_to_string(&list).unwrap_or_default());
            if !wanted.is_subset(&listed) {
                let all: Vec<String> = listed.union(&wanted).cloned().collect();
                actions.push(Action::WriteFile {
                    path: list,
                    content: format!("deb [arch={}] {MIRROR} {suite} main\n", all.join(",")),
                });
            }
            // `[arch=...]` still brings the suite's `Architecture: all` packages; priority 1
            // keeps them from replacing or upgrading anything the host has installed, while
            // packages that exist only there (the guests') stay installable and downloadable.
            let pref = format!("/etc/apt/preferences.d/{name}.pref");
            if !Path::new(&pref).exists() {
                pins.push(Action::WriteFile {
                    path: pref,
                    content: format!(
                        "# Written by alsa-direct's board runner: {suite} is here only for guest packages.\n\
                         Package: *\nPin: release n={suite}\nPin-Priority: 1\n"
                    ),
                });
            }
        }
        if !actions.is_empty() {
            actions.push(Action::run(&["apt-get", "update"]));
        }
        // Pins go first: apt never sees the new suite unpinned.
        pins.extend(actions);
        if pins.is_empty() {
            return Ok(());
        }
        self.apply(&pins)
    }

    /// The release to take a guest's packages from: its suite when that is not the host's own
    /// (apt's candidate would be the host suite's version), `None` otherwise.
    pub fn guest_release<'a>(&self, debian: &'a Debian) -> Option<&'a str> {
        (debian.suite != self.codename).then_some(debian.suite.as_str())
    }

    /// Makes `debian`'s packages reachable (its suite's source and architecture, see
    /// [`Host::ensure_guest_sources`]) and runs `apt-get update` unless it already ran in this
    /// process: the step to take when apt does not know a guest package. A board whose kernel
    /// is cached skips the sources at start, yet may still need a package fetched later.
    pub fn update_once_for(&mut self, debian: &Debian) -> Result<()> {
        self.ensure_guest_sources(&[debian])?;
        if self.updated {
            return Ok(());
        }
        self.apply(&[Action::run(&["apt-get", "update"])])
    }

    /// The `.deb` of `package:arch` for `debian`'s suite: the one under `debs` when there is
    /// one, else downloaded there, after making the suite reachable when apt does not know it.
    pub fn guest_deb(&mut self, debian: &Debian, package: &str, arch: &str, debs: &Path) -> Result<PathBuf> {
        if let Some(deb) = debian::find_deb(debs, package, arch) {
            return Ok(deb);
        }
        let release = self.guest_release(debian);
        match debian::download(package, arch, release, debs) {
            Ok(deb) => Ok(deb),
            Err(err) => {
                step!("{err:#}; updating apt's lists and trying again");
                self.update_once_for(debian)?;
                debian::download(package, arch, self.guest_release(debian), debs)
            }
        }
    }

    /// Carries out actions as root (directly or through sudo), or prints them and fails. When
    /// sudo fails (no sudo rights, no password given), the commands left are printed the same
    /// way.
    fn apply(&mut self, actions: &[Action]) -> Result<()> {
        if self.privilege == Privilege::Nobody {
            bail!(
                "{}",
                for_root("the host needs changes that only root can make", actions)
            );
        }
        // sudo asks for the password here, once; without sudo rights nothing is started.
        if self.privilege == Privilege::Sudo
            && !actions.is_empty()
            && exec::run(Command::new("sudo").arg("true")).is_err()
        {
            bail!(
                "{}",
                for_root(
                    "the host needs changes that only root can make, and sudo refused",
                    actions
                )
            );
        }
        for (done, action) in actions.iter().enumerate() {
            if let Err(err) = self.apply_one(action) {
                if self.privilege == Privilege::Sudo {
                    bail!("{}", for_root(&format!("{err:#}"), &actions[done..]));
                }
                return Err(err);
            }
        }
        Ok(())
    }

    /// `args` as a command run as root: directly, or through `sudo env` (sudo's `env_reset`
    /// drops the caller's environment, so `DEBIAN_FRONTEND` is passed through `env`).
    fn as_root(&self, args: &[String]) -> Command {
        let mut cmd = if self.privilege == Privilege::Root {
            let mut c = Command::new(&args[0]);
            c.env("DEBIAN_FRONTEND", "noninteractive");
            c
        } else {
            let mut c = Command::new("sudo");
            c.args(["env", "DEBIAN_FRONTEND=noninteractive", &args[0]]);
            c
        };
        cmd.args(&args[1..]);
        cmd
    }

    /// Carries out one action as root (directly or through sudo).
    fn apply_one(&mut self, action: &Action) -> Result<()> {
        match action {
            Action::WriteFile { path, content } => {
                step!("writing {path}: {}", content.trim_end().replace('\n', " | "));
                if self.privilege == Privilege::Root {
                    std::fs::write(path, content).with_context(|| format!("writing {path}"))?;
                } else {
                    exec::run(Command::new("sudo").args(["sh", "-c"]).arg(action.shell()))?;
                }
            }
            Action::Run(args) => {
                let mut cmd = self.as_root(args);
                if args[0] == "apt-get" && args[1] == "update" {
                    // One index failing (a mirror mid-sync, an architecture a suite lacks)
                    // leaves the others usable: go on, and fail later if a package is
                    // really missing.
                    if let Err(err) = exec::run(&mut cmd) {
                        step!("warning: {err:#}; going on with the lists apt has");
                    }
                    self.updated = true;
                } else {
                    exec::run(&mut cmd)?;
                }
            }
        }
        Ok(())
    }
}

/// `why`, then the commands of `actions` for someone who can run them as root.
fn for_root(why: &str, actions: &[Action]) -> String {
    let lines: Vec<String> = actions.iter().map(|a| format!("    {}", a.shell())).collect();
    format!(
        "{why}; run as root:\n{}\nthen run this command again",
        lines.join("\n")
    )
}

/// Adds the rustup targets that are missing. Without rustup, checks that the Rust in use has
/// each target's standard library, and names the command that would add it when not.
pub fn ensure_rust_targets<'a>(targets: impl IntoIterator<Item = &'a str>) -> Result<()> {
    if exec::which("rustup").is_none() {
        let sysroot = exec::output(Command::new("rustc").args(["--print", "sysroot"]))?;
        let missing: Vec<&str> = targets
            .into_iter()
            .filter(|t| {
                !Path::new(sysroot.trim())
                    .join("lib/rustlib")
                    .join(t)
                    .join("lib")
                    .is_dir()
            })
            .collect();
        if !missing.is_empty() {
            bail!(
                "the Rust standard library is missing for {} and there is no rustup to add it: \
                 install rustup (https://rustup.rs) and run `rustup target add {}`, or add them to \
                 the Rust in use ({})",
                missing.join(", "),
                missing.join(" "),
                sysroot.trim()
            );
        }
        return Ok(());
    }
    let installed = exec::output(Command::new("rustup").args(["target", "list", "--installed"]))?;
    let installed: BTreeSet<&str> = installed.lines().map(str::trim).collect();
    let missing: BTreeSet<&str> = targets.into_iter().filter(|t| !installed.contains(t)).collect();
    if missing.is_empty() {
        return Ok(());
    }
    exec::run(Command::new("rustup").args(["target", "add"]).args(&missing))
}

/// Adds rustup components (`clippy`, `rustfmt`) whose cargo subcommand does not answer.
pub fn ensure_rust_components(components: &[&str]) -> Result<()> {
    for component in components {
        let sub = match *component {
            "rustfmt" => "fmt",
            other => other,
        };
        if exec::succeeds(exec::cargo().args([sub, "--version"])) {
            continue;
        }
        if exec::which("rustup").is_none() {
            bail!(
                "`cargo {sub}` is missing and there is no rustup to add it: install rustup \
                 (https://rustup.rs) and run `rustup component add {component}`"
            );
        }
        exec::run(Command::new("rustup").args(["component", "add", component]))?;
    }
    Ok(())
}

/// True when the runner runs as root.
pub fn is_root() -> bool {
    exec::output(Command::new("id").arg("-u"))
        .map(|s| s.trim() == "0")
        .unwrap_or(false)
}

/// Foreign architectures dpkg knows.
fn foreign_architectures() -> BTreeSet<String> {
    exec::output(Command::new("dpkg").arg("--print-foreign-architectures"))
        .map(|s| s.split_whitespace().map(str::to_owned).collect())
        .unwrap_or_default()
}

/// The architectures in the `[arch=a,b]` options of the enabled one-line sources in `text`.
fn listed_architectures(text: &str) -> BTreeSet<String> {
    text.lines()
        .map(str::trim)
        .filter(|l| l.starts_with("deb "))
        .filter_map(|l| l.split_once("[arch=")?.1.split_once(']'))
        .flat_map(|(archs, _)| archs.split(',').map(|a| a.trim().to_owned()))
        .filter(|a| !a.is_empty())
        .collect()
}

/// True when an enabled line of the apt sources names `suite` as a word.
fn sources_mention(suite: &str) -> bool {
    let mut files = vec![Path::new("/etc/apt/sources.list").to_owned()];
    if let Ok(dir) = std::fs::read_dir("/etc/apt/sources.list.d") {
        files.extend(dir.flatten().map(|e| e.path()).filter(|p| {
            matches!(
                p.extension().and_then(|e| e.to_str()),
                Some("list") | Some("sources")
            )
        }));
    }
    files.iter().any(|file| {
        std::fs::read_to_string(file)
            .map(|text| text_mentions(&text, suite))
            .unwrap_or(false)
    })
}

/// True when a non-comment line of an apt source text has `suite` as a word.
fn text_mentions(text: &str, suite: &str) -> bool {
    text.lines()
        .map(str::trim)
        .filter(|l| !l.starts_with('#'))
        .any(|l| l.split_whitespace().any(|w| w == suite))
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::targets::{HOST, TARGETS};

    #[test]
    fn finds_a_suite_in_one_line_and_deb822_sources() {
        assert!(text_mentions(
            "deb http://deb.debian.org/debian bookworm-backports main",
            "bookworm-backports"
        ));
        assert!(text_mentions(
            "Types: deb\nSuites: bookworm bookworm-backports\n",
            "bookworm-backports"
        ));
        assert!(!text_mentions(
            "# deb http://deb.debian.org/debian bookworm-backports main\nSuites: bookworm bookworm-updates",
            "bookworm-backports"
        ));
    }

    #[test]
    fn reads_the_architectures_of_a_one_line_source() {
        let text = "# deb [arch=s390x] http://x trixie main\n\
                    deb [arch=arm64,armhf] http://deb.debian.org/debian trixie main\n";
        let archs: Vec<String> = listed_architectures(text).into_iter().collect();
        assert_eq!(archs, ["arm64", "armhf"]);
        assert!(listed_architectures("deb http://deb.debian.org/debian trixie main").is_empty());
        assert!(listed_architectures("").is_empty());
    }

    #[test]
    fn without_root_the_commands_are_printed_and_nothing_runs() {
        let mut host = Host {
            privilege: Privilege::Nobody,
            codename: "bookworm".into(),
            native_arch: "amd64".into(),
            updated: false,
        };
        let actions = [
            Action::run(&["dpkg", "--add-architecture", "riscv64"]),
            Action::run(&["apt-get", "update"]),
        ];
        let err = format!("{:#}", host.apply(&actions).unwrap_err());
        assert!(
            err.contains("    dpkg --add-architecture riscv64\n    apt-get update\n"),
            "{err}"
        );
        assert!(!host.updated);
    }

    fn host(privilege: Privilege, codename: &str) -> Host {
        Host {
            privilege,
            codename: codename.into(),
            native_arch: "amd64".into(),
            updated: true,
        }
    }

    #[test]
    fn sudo_passes_the_frontend_through_env() {
        let args: Vec<String> = ["apt-get", "install", "-y", "gcc"]
            .iter()
            .map(|s| s.to_string())
            .collect();
        assert_eq!(
            exec::display(&host(Privilege::Sudo, "bookworm").as_root(&args)),
            "sudo env DEBIAN_FRONTEND=noninteractive apt-get install -y gcc"
        );
        assert_eq!(
            exec::display(&host(Privilege::Root, "bookworm").as_root(&args)),
            "DEBIAN_FRONTEND=noninteractive apt-get install -y gcc"
        );
    }

    #[test]
    fn qemu_comes_from_backports_on_bookworm_only() {
        let qemu = Need::command("qemu-system-aarch64", "qemu-system-arm", true);
        let gcc = Need::command("aarch64-linux-gnu-gcc", "gcc-aarch64-linux-gnu", false);
        let lines = |h: &Host| -> Vec<String> {
            h.install_actions(&[&qemu, &gcc])
                .iter()
                .map(Action::shell)
                .collect()
        };
        assert_eq!(
            lines(&host(Privilege::Root, "bookworm")),
            [
                "apt-get install -y --no-install-recommends gcc-aarch64-linux-gnu",
                "apt-get install -y --no-install-recommends -t bookworm-backports qemu-system-arm",
            ]
        );
        assert_eq!(
            lines(&host(Privilege::Root, "trixie")),
            ["apt-get install -y --no-install-recommends gcc-aarch64-linux-gnu qemu-system-arm"]
        );
    }

    #[test]
    fn what_is_still_missing_is_named_with_the_exact_command() {
        let libc = Need::start_files("aarch64-linux-gnu-gcc", "libc6-dev-arm64-cross");
        let qemu = Need::command("qemu-system-aarch64", "qemu-system-arm", true);
        let message = host(Privilege::Sudo, "bookworm").still_missing(&[&libc, &qemu]);
        assert!(
            message.contains(
                "    crt1.o and libc.a for `aarch64-linux-gnu-gcc`: \
                 sudo apt-get install -y --no-install-recommends libc6-dev-arm64-cross\n"
            ),
            "{message}"
        );
        assert!(
            message.contains(
                "    `qemu-system-aarch64`: sudo apt-get install -y --no-install-recommends -t bookworm-backports qemu-system-arm\n"
            ),
            "{message}"
        );
        let as_root = host(Privilege::Root, "bookworm").still_missing(&[&libc]);
        assert!(as_root.contains(": apt-get install -y"), "{as_root}");
    }

    #[test]
    fn the_linker_check_asks_for_the_c_library_of_each_cross_target() {
        for target in TARGETS.iter().filter(|t| t != &HOST) {
            let needs = needs_for_build(target);
            assert!(target.libc_package.starts_with("libc6-dev-") && target.libc_package.ends_with("-cross"));
            assert!(needs.iter().any(|n| n.package == target.libc_package
                && n.probe
                    == Probe::CompilerFinds {
                        compiler: target.c_compiler.into(),
                        files: vec!["crt1.o".into(), "libc.a".into()],
                    }));
        }
    }

    #[test]
    fn shell_lines_are_copyable() {
        let write = Action::WriteFile {
            path: "/etc/apt/sources.list.d/x.list".into(),
            content: "deb [arch=riscv64] http://deb.debian.org/debian trixie main\n".into(),
        };
        assert_eq!(
            write.shell(),
            "echo 'deb [arch=riscv64] http://deb.debian.org/debian trixie main' > /etc/apt/sources.list.d/x.list"
        );
    }
}
