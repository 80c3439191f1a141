//! The Rust targets the runner builds, tests and lints for, and what each one is called by the
//! other tools on a Debian host: one table.
//!
//! `.cargo/config.toml` (the linkers and qemu-user runners) and `Cross.toml` list the same
//! targets for cargo and `cross`; the tests below check that they agree with [`TARGETS`].

use anyhow::{bail, Result};

/// What `cargo board ci` does with the firmware (`firmware/`) for a target.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Firmware {
    /// Not built: no emulated board runs this target.
    NotBuilt,
    /// Linted with clippy (an emulated board runs the target, its `_start` is per architecture).
    Linted,
    /// Linted, and its stripped size held to the budget.
    LintedAndSized,
}

/// One Rust target and its names in Debian's and qemu's tools.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Target {
    /// Rust target triple, e.g. `aarch64-unknown-linux-gnu`.
    pub triple: &'static str,
    /// Debian (dpkg) architecture, e.g. `arm64`.
    pub debian_arch: &'static str,
    /// Debian multiarch triple, e.g. `aarch64-linux-gnu` (libraries in `/lib/<multiarch>/`).
    pub multiarch: &'static str,
    /// The C compiler that links static programs for the target (`.cargo/config.toml`'s
    /// linker; `cc` for the host's own target); it also builds C programs for the guests.
    pub c_compiler: &'static str,
    /// Debian package holding [`Target::c_compiler`].
    pub c_compiler_package: &'static str,
    /// Debian package holding the target's `crt1.o` and `libc.a` (`--no-install-recommends`
    /// leaves it out of the compiler's).
    pub libc_package: &'static str,
    /// The qemu-user emulator `.cargo/config.toml` runs the target's host tests with (`None`:
    /// they run natively).
    pub qemu_user: Option<&'static str>,
    /// The qemu system emulator of the target's architecture.
    pub qemu_system: &'static str,
    /// Debian package holding [`Target::qemu_system`].
    pub qemu_system_package: &'static str,
    /// What `cargo board ci` does with the firmware for this target.
    pub firmware: Firmware,
}

/// Every target, the host's first; `cargo board ci` runs the host tests of each (the cross
/// ones under qemu-user) in this order.
pub const TARGETS: &[Target] = &[
    Target {
        triple: "x86_64-unknown-linux-gnu",
        debian_arch: "amd64",
        multiarch: "x86_64-linux-gnu",
        c_compiler: "cc",
        c_compiler_package: "gcc",
        libc_package: "libc6-dev",
        qemu_user: None,
        qemu_system: "qemu-system-x86_64",
        qemu_system_package: "qemu-system-x86",
        firmware: Firmware::LintedAndSized,
    },
    Target {
        triple: "aarch64-unknown-linux-gnu",
        debian_arch: "arm64",
        multiarch: "aarch64-linux-gnu",
        c_compiler: "aarch64-linux-gnu-gcc",
        c_compiler_package: "gcc-aarch64-linux-gnu",
        libc_package: "libc6-dev-arm64-cross",
        qemu_user: Some("qemu-aarch64-static"),
        qemu_system: "qemu-system-aarch64",
        qemu_system_package: "qemu-system-arm",
        firmware: Firmware::LintedAndSized,
    },
    Target {
        triple: "armv7-unknown-linux-gnueabihf",
        debian_arch: "armhf",
        multiarch: "arm-linux-gnueabihf",
        c_compiler: "arm-linux-gnueabihf-gcc",
        c_compiler_package: "gcc-arm-linux-gnueabihf",
        libc_package: "libc6-dev-armhf-cross",
        qemu_user: Some("qemu-arm-static"),
        qemu_system: "qemu-system-arm",
        qemu_system_package: "qemu-system-arm",
        firmware: Firmware::LintedAndSized,
    },
    Target {
        triple: "riscv64gc-unknown-linux-gnu",
        debian_arch: "riscv64",
        multiarch: "riscv64-linux-gnu",
        c_compiler: "riscv64-linux-gnu-gcc",
        c_compiler_package: "gcc-riscv64-linux-gnu",
        libc_package: "libc6-dev-riscv64-cross",
        qemu_user: Some("qemu-riscv64-static"),
        qemu_system: "qemu-system-riscv64",
        qemu_system_package: "qemu-system-misc",
        firmware: Firmware::LintedAndSized,
    },
    // Runs natively on the x86_64 host, and in qemu-x86_64's guest as its 32-bit run; its
    // firmware (about 36 KiB) is tested there but not held to the budget.
    Target {
        triple: "i686-unknown-linux-gnu",
        debian_arch: "i386",
        multiarch: "i386-linux-gnu",
        c_compiler: "i686-linux-gnu-gcc",
        c_compiler_package: "gcc-i686-linux-gnu",
        libc_package: "libc6-dev-i386-cross",
        qemu_user: None,
        qemu_system: "qemu-system-i386",
        qemu_system_package: "qemu-system-x86",
        firmware: Firmware::Linted,
    },
    Target {
        triple: "powerpc64le-unknown-linux-gnu",
        debian_arch: "ppc64el",
        multiarch: "powerpc64le-linux-gnu",
        c_compiler: "powerpc64le-linux-gnu-gcc",
        c_compiler_package: "gcc-powerpc64le-linux-gnu",
        libc_package: "libc6-dev-ppc64el-cross",
        qemu_user: Some("qemu-ppc64le-static"),
        qemu_system: "qemu-system-ppc64",
        qemu_system_package: "qemu-system-ppc",
        firmware: Firmware::NotBuilt,
    },
];

/// The host's own target: its tests run with plain `cargo test`, and its static binaries get
/// `crt-static` from the runner (`.cargo/config.toml` sets it for the cross targets only).
pub const HOST: &Target = &TARGETS[0];

/// The target named by a Rust triple.
pub fn by_triple(triple: &str) -> Result<&'static Target> {
    match TARGETS.iter().find(|t| t.triple == triple) {
        Some(target) => Ok(target),
        None => bail!(
            "target {triple} is not one the runner knows ({}); add it to the table in \
             runner/src/targets.rs (and to .cargo/config.toml and Cross.toml), or build for one of those",
            TARGETS.iter().map(|t| t.triple).collect::<Vec<_>>().join(", ")
        ),
    }
}

/// The target of a Debian architecture (`arm64`), if the runner knows it.
pub fn by_debian_arch(arch: &str) -> Option<&'static Target> {
    TARGETS.iter().find(|t| t.debian_arch == arch)
}

/// The target whose qemu system emulator is `binary` (`qemu-system-aarch64`), if any.
pub fn by_qemu_system(binary: &str) -> Option<&'static Target> {
    TARGETS.iter().find(|t| t.qemu_system == binary)
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::collections::BTreeSet;
    use std::path::Path;

    /// A file of the repository.
    fn repo_file(path: &str) -> toml::Table {
        let path = Path::new(env!("CARGO_MANIFEST_DIR")).join("..").join(path);
        let text = std::fs::read_to_string(&path).unwrap();
        text.parse().unwrap()
    }

    #[test]
    fn every_name_is_unique_and_the_host_comes_first() {
        for field in [
            |t: &Target| t.triple,
            |t: &Target| t.debian_arch,
            |t: &Target| t.multiarch,
            |t: &Target| t.c_compiler,
            |t: &Target| t.libc_package,
        ] {
            let names: BTreeSet<&str> = TARGETS.iter().map(field).collect();
            assert_eq!(names.len(), TARGETS.len(), "{names:?}");
        }
        assert_eq!(HOST.triple, "x86_64-unknown-linux-gnu");
        assert_eq!(HOST.qemu_user, None);
    }

    #[test]
    fn lookups_find_the_entry_and_name_the_table_when_they_do_not() {
        assert_eq!(
            by_triple("armv7-unknown-linux-gnueabihf").unwrap().debian_arch,
            "armhf"
        );
        assert_eq!(
            by_debian_arch("ppc64el").unwrap().triple,
            "powerpc64le-unknown-linux-gnu"
        );
        assert_eq!(
            by_qemu_system("qemu-system-arm").unwrap().c_compiler,
            "arm-linux-gnueabihf-gcc"
        );
        assert_eq!(by_debian_arch("mips64el"), None);
        let err = by_triple("mips-unknown-linux-gnu").unwrap_err().to_string();
        assert!(
            err.contains("runner/src/targets.rs") && err.contains("aarch64-unknown-linux-gnu"),
            "{err}"
        );
    }

    #[test]
    fn cargo_config_links_and_runs_each_cross_target_as_the_table_says() {
        let config = repo_file(".cargo/config.toml");
        let sections = config["target"].as_table().unwrap();
        let cross: BTreeSet<&str> = TARGETS.iter().filter(|t| t != &HOST).map(|t| t.triple).collect();
        assert_eq!(
            sections.keys().map(String::as_str).collect::<BTreeSet<_>>(),
            cross
        );
        for target in TARGETS.iter().filter(|t| t != &HOST) {
            let section = &sections[target.triple];
            assert_eq!(
                section["linker"].as_str(),
                Some(target.c_compiler),
                "{}",
                target.triple
            );
            assert_eq!(
                section.get("runner").and_then(|r| r.as_str()),
                target.qemu_user,
                "{}",
                target.triple
            );
        }
    }

    #[test]
    fn cross_toml_lists_the_same_targets() {
        let cross = repo_file("Cross.toml");
        let listed: BTreeSet<&str> = cross["target"]
            .as_table()
            .unwrap()
            .keys()
            .map(String::as_str)
            .collect();
        let table: BTreeSet<&str> = TARGETS.iter().map(|t| t.triple).collect();
        assert_eq!(listed, table);
    }

    #[test]
    fn every_board_names_a_known_target_and_its_debian_arch() {
        let dir = Path::new(env!("CARGO_MANIFEST_DIR")).join("../boards");
        for board in crate::boards::load_all(&dir).unwrap() {
            let target = by_triple(&board.target).unwrap();
            for run in &board.runs {
                by_triple(board.run_target(run)).unwrap();
            }
            if let Some(debian) = &board.debian {
                assert_eq!(target.debian_arch, debian.arch, "{}", board.name);
            }
            if let Some(qemu) = &board.qemu {
                assert_eq!(target.qemu_system, qemu.binary, "{}", board.name);
            }
        }
    }
}
