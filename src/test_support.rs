//! What the crate's own tests share (its unit tests, and `tests/` through `#[path]`).

/// Proptest cases: `PROPTEST_CASES` when set, otherwise `native` on x86 hosts and `emulated`
/// elsewhere, where these tests usually run under qemu-user (about 100 times slower per case).
pub(crate) fn cases(native: u32, emulated: u32) -> u32 {
    std::env::var("PROPTEST_CASES")
        .ok()
        .and_then(|s| s.parse().ok())
        .unwrap_or(if cfg!(any(target_arch = "x86_64", target_arch = "x86")) {
            native
        } else {
            emulated
        })
}
