//! Booting a board under qemu and following the guest's progress.

pub mod qemu;
