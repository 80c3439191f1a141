//! The guest's image: the binaries built for it, its kernel, modules and busybox from Debian,
//! the jobs it runs, the generated `/init` and the lines it prints, packed into an initramfs.

pub mod cargo_build;
pub mod cpio;
pub mod guest_files;
pub mod init_script;
pub mod initramfs;
pub mod job;
pub mod modules;
pub mod protocol;
