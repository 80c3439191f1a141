//! Kernel module load order.
//!
//! Debian's kernel packages carry no `modules.dep` (depmod writes it when the package is
//! installed), so module paths come from `modules.order`, built-ins from `modules.builtin`, and
//! each module's direct dependencies from the `depends=` field of its own `.modinfo` section.
//! The board's module list is expanded with the dependencies it leaves out, each before its
//! first user.

use std::collections::{BTreeMap, BTreeSet};

use anyhow::{bail, Result};

/// One `insmod` the guest runs.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Load {
    /// Module name with dashes, e.g. `snd-aloop`.
    pub name: String,
    /// Path relative to the modules directory as `modules.order` has it, e.g.
    /// `kernel/sound/drivers/snd-aloop.ko` (the file may carry `.xz` / `.zst` on top).
    pub path: String,
    /// Parameters, e.g. `index=0`.
    pub params: Vec<String>,
}

/// Where a kernel's modules are and which are built in.
#[derive(Debug, Default)]
pub struct ModuleIndex {
    /// Name → path.
    paths: BTreeMap<String, String>,
    /// Names built into the kernel image.
    builtin: BTreeSet<String>,
}

/// The module name of a path: the file name without `.ko[.xz|.zst|.gz]`, `_` written `-`.
pub fn name_of(path: &str) -> String {
    let file = path.rsplit('/').next().unwrap_or(path);
    let stem = file.split(".ko").next().unwrap_or(file);
    stem.replace('_', "-")
}

/// The direct dependencies named by the `depends=` field of a module's `.modinfo` section.
pub fn modinfo_depends(module: &[u8]) -> Vec<String> {
    const KEY: &[u8] = b"depends=";
    module
        .split(|&b| b == 0)
        .find_map(|field| field.strip_prefix(KEY))
        .map(|value| {
            String::from_utf8_lossy(value)
                .split(',')
                .filter(|d| !d.is_empty())
                .map(|d| d.replace('_', "-"))
                .collect()
        })
        .unwrap_or_default()
}

impl ModuleIndex {
    /// Parses the texts of `modules.order` and `modules.builtin`.
    pub fn parse(modules_order: &str, modules_builtin: &str) -> ModuleIndex {
        let lines = |text: &str| -> Vec<String> {
            text.lines()
                .map(str::trim)
                .filter(|l| !l.is_empty())
                .map(str::to_owned)
                .collect()
        };
        ModuleIndex {
            paths: lines(modules_order)
                .into_iter()
                .map(|path| (name_of(&path), path))
                .collect(),
            builtin: lines(modules_builtin).iter().map(|p| name_of(p)).collect(),
        }
    }

    /// The path of module `name` (dashes), as `modules.order` has it; `None` for a built-in
    /// or unknown one.
    pub fn path_of(&self, name: &str) -> Option<&str> {
        self.paths.get(name).map(String::as_str)
    }

    /// Expands `wanted` (`"name"` or `"name param=value ..."`, in load order) with missing
    /// dependencies, which `depends_of(path)` reads from a module; built-in modules are dropped.
    pub fn resolve(
        &self,
        wanted: &[String],
        mut depends_of: impl FnMut(&str) -> Result<Vec<String>>,
    ) -> Result<Vec<Load>> {
        let mut order = Vec::new();
        for entry in wanted {
            let mut words = entry.split_whitespace();
            let Some(name) = words.next() else {
                continue;
            };
            let name = name.replace('_', "-");
            let params: Vec<String> = words.map(str::to_owned).collect();
            if order.iter().any(|l: &Load| l.name == name) {
                if !params.is_empty() {
                    bail!(
                        "module {name} is loaded earlier as a dependency; list it earlier to pass {params:?}"
                    );
                }
                continue;
            }
            self.visit(&name, params, &mut order, &mut depends_of, 0)?;
        }
        Ok(order)
    }

    /// Adds `name` after its dependencies (depth-first), unless built in or already there.
    fn visit(
        &self,
        name: &str,
        params: Vec<String>,
        order: &mut Vec<Load>,
        depends_of: &mut impl FnMut(&str) -> Result<Vec<String>>,
        depth: usize,
    ) -> Result<()> {
        if depth > 64 {
            bail!("module dependency loop at {name}");
        }
        if order.iter().any(|l| l.name == name) || self.builtin.contains(name) {
            return Ok(());
        }
        let Some(path) = self.paths.get(name) else {
            bail!("the kernel has no module {name} (neither in modules.order nor built in)");
        };
        for dep in depends_of(path)? {
            self.visit(&dep, Vec::new(), order, depends_of, depth + 1)?;
        }
        order.push(Load {
            name: name.to_owned(),
            path: path.clone(),
            params,
        });
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    const ORDER: &str = "\
kernel/sound/soundcore.ko
kernel/sound/core/snd.ko
kernel/sound/core/snd-timer.ko
kernel/sound/core/snd-pcm.ko
kernel/sound/drivers/snd-aloop.ko
";

    fn deps(path: &str) -> Result<Vec<String>> {
        let modinfo: &[u8] = match name_of(path).as_str() {
            "snd" => b"\0license=GPL\0depends=soundcore\0",
            "snd-timer" => b"\0depends=snd\0",
            "snd-pcm" => b"\0depends=snd,snd-timer\0",
            "snd-aloop" => b"\0depends=snd-pcm,snd,snd-timer\0intree=Y\0",
            _ => b"\0depends=\0",
        };
        Ok(modinfo_depends(modinfo))
    }

    #[test]
    fn adds_dependencies_in_load_order() {
        let index = ModuleIndex::parse(ORDER, "");
        let loads = index.resolve(&["snd-aloop index=0".into()], deps).unwrap();
        let names: Vec<&str> = loads.iter().map(|l| l.name.as_str()).collect();
        assert_eq!(names, ["soundcore", "snd", "snd-timer", "snd-pcm", "snd-aloop"]);
        assert_eq!(loads[4].params, ["index=0"]);
        assert_eq!(loads[4].path, "kernel/sound/drivers/snd-aloop.ko");
    }

    #[test]
    fn keeps_a_listed_order_and_skips_builtins() {
        let index = ModuleIndex::parse(ORDER, "kernel/sound/soundcore.ko\n");
        let wanted: Vec<String> = ["soundcore", "snd", "snd_timer", "snd-pcm"]
            .map(String::from)
            .to_vec();
        let names: Vec<String> = index
            .resolve(&wanted, deps)
            .unwrap()
            .into_iter()
            .map(|l| l.name)
            .collect();
        assert_eq!(names, ["snd", "snd-timer", "snd-pcm"]);
        assert!(index.resolve(&["snd-dummy".into()], deps).is_err());
    }

    #[test]
    fn reads_depends_from_modinfo() {
        assert_eq!(modinfo_depends(b"xx\0depends=snd_pcm,snd\0"), ["snd-pcm", "snd"]);
        assert!(modinfo_depends(b"\0depends=\0vermagic=6.1\0").is_empty());
        assert!(modinfo_depends(b"no modinfo").is_empty());
    }
}
