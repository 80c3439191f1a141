//! Unit tests of `ioctl`.

use super::*;

/// Each descriptor names an ioctl operation of its own (the two `SYNC_PTR` layouts
/// share one), so that an error says which ioctl failed.
#[test]
fn each_ioctl_names_its_own_operation() {
    let ops = [
        PCM_PVERSION.op(),
        PCM_INFO.op(),
        PCM_USER_PVERSION.op(),
        PCM_HW_REFINE.op(),
        PCM_HW_PARAMS.op(),
        PCM_SW_PARAMS.op(),
        PCM_DELAY.op(),
        PCM_HWSYNC.op(),
        PCM_SYNC_PTR64.op(),
        PCM_CHANNEL_INFO.op(),
        PCM_PREPARE.op(),
        PCM_RESET.op(),
        PCM_START.op(),
        PCM_DROP.op(),
        PCM_DRAIN.op(),
        PCM_PAUSE.op(),
        PCM_RESUME.op(),
        PCM_LINK.op(),
        PCM_UNLINK.op(),
        CTL_CARD_INFO.op(),
        CTL_PCM_NEXT_DEVICE.op(),
        CTL_PCM_INFO.op(),
        CTL_PCM_PREFER_SUBDEVICE.op(),
        CTL_SUBSCRIBE_EVENTS.op(),
        CTL_ELEM_LIST.op(),
        CTL_ELEM_INFO.op(),
        CTL_ELEM_READ.op(),
        CTL_ELEM_WRITE.op(),
        CTL_TLV_READ.op(),
        CTL_ELEM_ADD.op(),
        CTL_ELEM_REMOVE.op(),
    ];
    for (i, op) in ops.iter().enumerate() {
        assert!(op.name().starts_with("SNDRV_"), "{op:?} is named {}", op.name());
        assert!(!ops[i + 1..].contains(op), "{op:?} is named by two descriptors");
    }
    #[cfg(target_pointer_width = "32")]
    assert_eq!(PCM_SYNC_PTR32.op(), PCM_SYNC_PTR64.op());
}
