//! Real-kernel integration tests, run inside the emulated boards by `cargo board test`.

#[test]
fn loopback_nodes_exist() {
    assert!(
        std::path::Path::new("/dev/snd/pcmC0D0p").exists(),
        "no /dev/snd/pcmC0D0p: is snd-aloop loaded?"
    );
}
