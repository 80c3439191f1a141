//! Link arguments of the firmware binary: no C start files (origin provides `_start`), no C
//! library, a static executable that is not position-independent (nothing at run time
//! applies relocations: there is no dynamic loader and origin relocates only on nightly).

fn main() {
    for arg in [
        "-nostartfiles",
        "-nostdlib",
        "-static",
        "-no-pie",
        // Segments share pages instead of each starting on its own page: without this the
        // file is padded to the page size (64 KiB on aarch64) between code and data.
        "-Wl,-z,noseparate-code",
        "-Wl,--build-id=none",
        // No dynamic relocations, so nothing to protect after start; relro would also page-align
        // the data in the file.
        "-Wl,-z,norelro",
        // The data where the code ends, at the same offset in its page: with the default
        // common page size ld may start the data on a fresh page to save a page of memory, and
        // pads the file up to it (1,856 bytes on riscv64, 368 on aarch64).
        "-Wl,-z,common-page-size=4",
    ] {
        println!("cargo:rustc-link-arg-bins={arg}");
    }
    let dir = std::env::var("CARGO_MANIFEST_DIR").expect("cargo sets CARGO_MANIFEST_DIR");
    println!("cargo:rustc-link-arg-bins=-Wl,-T,{dir}/discard.ld");
    println!("cargo:rerun-if-changed=discard.ld");
    println!("cargo:rerun-if-changed=build.rs");
}
