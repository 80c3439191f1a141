//! Where things are: the repository root, the board files, cargo's target directory and the
//! runner's cache.

use std::path::{Path, PathBuf};

use anyhow::{bail, Result};

/// Paths of the checkout the runner works on.
#[derive(Debug, Clone)]
pub struct Workspace {
    /// Repository root (holds `Cargo.toml` and `boards/`).
    pub root: PathBuf,
    /// cargo's target directory.
    pub target_dir: PathBuf,
}

impl Workspace {
    /// The checkout this runner was built from (or the current directory's, when moved).
    pub fn locate() -> Result<Workspace> {
        let built_in = Path::new(env!("CARGO_MANIFEST_DIR")).join("..");
        let root = if built_in.join("boards").is_dir() {
            built_in.canonicalize()?
        } else {
            let cwd = std::env::current_dir()?;
            match cwd
                .ancestors()
                .find(|d| d.join("boards").is_dir() && d.join("Cargo.toml").is_file())
            {
                Some(dir) => dir.to_owned(),
                None => bail!("no boards/ directory above {}", cwd.display()),
            }
        };
        let target_dir = std::env::var_os("CARGO_TARGET_DIR")
            .map(PathBuf::from)
            .map(|p| if p.is_absolute() { p } else { root.join(p) })
            .unwrap_or_else(|| root.join("target"));
        Ok(Workspace { root, target_dir })
    }

    /// `boards/`, or `$ALSA_DIRECT_BOARDS_DIR` (boards kept outside the repository).
    pub fn boards_dir(&self) -> PathBuf {
        match std::env::var_os("ALSA_DIRECT_BOARDS_DIR") {
            Some(dir) => PathBuf::from(dir),
            None => self.root.join("boards"),
        }
    }

    /// `target/board-cache/`: downloaded packages, unpacked kernels, built initramfs images.
    pub fn cache_dir(&self) -> PathBuf {
        self.target_dir.join("board-cache")
    }
}
