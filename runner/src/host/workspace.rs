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

    /// Where downloaded packages, unpacked kernels and built initramfs images are kept:
    /// `$ALSA_DIRECT_BOARD_CACHE`, else the user's cache directory
    /// (`$XDG_CACHE_HOME/alsa-direct/board-cache`, `~/.cache/alsa-direct/board-cache`), so
    /// that every clone and `cargo clean` reuse the gigabytes once fetched; without a home,
    /// `~/.cache/alsa-direct/board-cache/`.
    pub fn cache_dir(&self) -> PathBuf {
        cache_dir_from(
            std::env::var_os("ALSA_DIRECT_BOARD_CACHE"),
            std::env::var_os("XDG_CACHE_HOME"),
            std::env::var_os("HOME"),
        )
        .unwrap_or_else(|| self.target_dir.join("board-cache"))
    }
}

/// The cache directory the environment names (see [`Workspace::cache_dir`]); `None` when it
/// names none. Empty values count as unset, as the XDG specification says.
fn cache_dir_from(
    explicit: Option<std::ffi::OsString>,
    xdg_cache_home: Option<std::ffi::OsString>,
    home: Option<std::ffi::OsString>,
) -> Option<PathBuf> {
    let set = |value: Option<std::ffi::OsString>| value.filter(|v| !v.is_empty()).map(PathBuf::from);
    if let Some(dir) = set(explicit) {
        return Some(dir);
    }
    let user_cache = set(xdg_cache_home)
        .filter(|dir| dir.is_absolute())
        .or_else(|| set(home).map(|home| home.join(".cache")))?;
    Some(user_cache.join("alsa-direct").join("board-cache"))
}

#[cfg(test)]
mod tests {
    use super::cache_dir_from;
    use std::path::PathBuf;

    #[test]
    fn the_cache_is_the_named_one_then_the_users() {
        let os = |s: &str| Some(s.into());
        assert_eq!(
            cache_dir_from(os("/c"), os("/x"), os("/h")),
            Some(PathBuf::from("/c"))
        );
        assert_eq!(
            cache_dir_from(None, os("/x"), os("/h")),
            Some(PathBuf::from("/x/alsa-direct/board-cache"))
        );
        assert_eq!(
            cache_dir_from(os(""), os("relative"), os("/h")),
            Some(PathBuf::from("/h/.cache/alsa-direct/board-cache"))
        );
        assert_eq!(cache_dir_from(None, None, None), None);
    }
}
