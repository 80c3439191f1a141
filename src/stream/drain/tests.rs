use super::drain_silence_frames;

#[test]
fn drain_silence_reaches_the_period_boundary_and_a_tenth_of_a_second() {
    // 100 frames into a 256-frame period at 48 kHz: 156 + 4800, cut to the buffer.
    assert_eq!(drain_silence_frames(100, 256, 4800, 8192), 156 + 4800);
    assert_eq!(drain_silence_frames(100, 256, 4800, 1024), 1024);
    // On a period boundary: only the tenth of a second.
    assert_eq!(drain_silence_frames(512, 256, 4800, 8192), 4800);
}
