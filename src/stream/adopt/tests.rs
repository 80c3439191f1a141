use super::kernel_boundary;

#[test]
fn boundaries_as_the_kernel_computes_them() {
    if cfg!(target_pointer_width = "64") {
        // 1024 * 2^52 = 2^62: twice that (2^63) is above LONG_MAX - 1024.
        assert_eq!(kernel_boundary(1024), 1 << 62);
        assert_eq!(kernel_boundary(1000), 1000 << 53);
    } else {
        assert_eq!(kernel_boundary(1024), 1 << 30);
    }
    // Never zero, never an endless loop.
    assert!(kernel_boundary(0) > 0);
    assert_eq!(kernel_boundary(isize::MAX as u64), isize::MAX as u64);
}
