/*
 * Prints the kernel ABI facts that src/abi.rs mirrors, as computed by a C compiler from the
 * UAPI header <sound/asound.h>, one "<key> <value>" line each. src/abi/tests/layout.rs builds
 * this with the target's gcc, runs it and compares every line with the same key computed in
 * Rust.
 *
 * Keys (the Rust names, so a mismatch report points straight at src/abi.rs):
 *   size:<Record>           sizeof          align:<Record>         _Alignof
 *   offset:<Record>.<field> offsetof        size:<Record>.<field>  sizeof the member
 *   mask:SndInterval.<bit>  the unsigned int a lone 1-bit member leaves in its storage unit
 *   offset:SndInterval.<bit> byte offset of that storage unit (Rust: SndInterval.flags)
 *   const:<NAME>            a constant or ioctl opcode
 *
 * On 32-bit targets it is built twice: with -D_TIME_BITS=64 (the unprefixed structs are the
 * 64-bit-time layouts) and without (they are the old 32-bit-time ones). The "__"-prefixed
 * names exist in both builds; the "native." records and the unprefixed SYNC_PTR ioctl and mmap
 * offsets say which layout a C program of this build actually uses.
 */
#include <stddef.h>
#include <stdio.h>
#include <string.h>
#include <linux/ioctl.h> /* _IOR() etc., which <sound/asound.h> uses but does not include */
#include <sound/asound.h>
#include <sound/tlv.h>

static void put(const char *kind, const char *record, const char *member, unsigned long long v)
{
	printf("%s:%s%s%s %llu\n", kind, record, member ? "." : "", member ? member : "", v);
}

/* Inside a record function: `T` is the C type and `R` the Rust name. */
#define RECORD() (put("size", R, NULL, sizeof(T)), put("align", R, NULL, _Alignof(T)))
#define FIELD_AS(rust, c) \
	(put("offset", R, #rust, offsetof(T, c)), put("size", R, #rust, sizeof(((T *)0)->c)))
#define FIELD(f) FIELD_AS(f, f)
#define OFFSET(f) put("offset", R, #f, offsetof(T, f))
#define MEMBER_TYPE(type, m) __typeof__(((type *)0)->m)
#define CONST(name) put("const", #name, NULL, (unsigned long long)(name))
#define CONST_AS(rust, c) put("const", #rust, NULL, (unsigned long long)(c))

static void snd_mask(void)
{
	typedef struct snd_mask T;
	const char *R = "SndMask";
	RECORD();
	FIELD(bits);
}

/* Reports where a lone 1-bit member of `iv` landed: its mask and the storage unit's offset. */
static void interval_bit(const char *name, struct snd_interval iv)
{
	unsigned int words[sizeof iv / sizeof(unsigned int)];
	size_t i;

	memcpy(words, &iv, sizeof iv);
	for (i = 0; i < sizeof words / sizeof words[0]; i++) {
		if (words[i]) {
			put("mask", "SndInterval", name, words[i]);
			put("offset", "SndInterval", name, i * sizeof(unsigned int));
			return;
		}
	}
}

#define INTERVAL_BIT(bit)                                     \
	do {                                                  \
		struct snd_interval iv;                       \
		memset(&iv, 0, sizeof iv);                    \
		iv.bit = 1;                                   \
		interval_bit(#bit, iv);                       \
	} while (0)

static void snd_interval(void)
{
	typedef struct snd_interval T;
	const char *R = "SndInterval";
	RECORD();
	FIELD(min);
	FIELD(max);
	INTERVAL_BIT(openmin);
	INTERVAL_BIT(openmax);
	INTERVAL_BIT(integer);
	INTERVAL_BIT(empty);
}

static void snd_pcm_hw_params(void)
{
	typedef struct snd_pcm_hw_params T;
	const char *R = "SndPcmHwParams";
	RECORD();
	FIELD(flags);
	FIELD(masks);
	FIELD(mres);
	FIELD(intervals);
	FIELD(ires);
	FIELD(rmask);
	FIELD(cmask);
	FIELD(info);
	FIELD(msbits);
	FIELD(rate_num);
	FIELD(rate_den);
	FIELD(fifo_size);
	FIELD(reserved);
}

static void snd_pcm_sw_params(void)
{
	typedef struct snd_pcm_sw_params T;
	const char *R = "SndPcmSwParams";
	RECORD();
	FIELD(tstamp_mode);
	FIELD(period_step);
	FIELD(sleep_min);
	FIELD(avail_min);
	FIELD(xfer_align);
	FIELD(start_threshold);
	FIELD(stop_threshold);
	FIELD(silence_threshold);
	FIELD(silence_size);
	FIELD(boundary);
	FIELD(proto);
	FIELD(tstamp_type);
	FIELD(reserved);
}

static void snd_pcm_info(void)
{
	typedef struct snd_pcm_info T;
	const char *R = "SndPcmInfo";
	RECORD();
	FIELD(device);
	FIELD(subdevice);
	FIELD(stream);
	FIELD(card);
	FIELD(id);
	FIELD(name);
	FIELD(subname);
	FIELD(dev_class);
	FIELD(dev_subclass);
	FIELD(subdevices_count);
	FIELD(subdevices_avail);
	FIELD(sync);
	FIELD(reserved);
}

static void snd_pcm_channel_info(void)
{
	typedef struct snd_pcm_channel_info T;
	const char *R = "SndPcmChannelInfo";
	RECORD();
	FIELD(channel);
	FIELD(offset);
	FIELD(first);
	FIELD(step);
}

static void snd_ctl_card_info(void)
{
	typedef struct snd_ctl_card_info T;
	const char *R = "SndCtlCardInfo";
	RECORD();
	FIELD(card);
	FIELD(pad);
	FIELD(id);
	FIELD(driver);
	FIELD(name);
	FIELD(longname);
	FIELD(reserved_);
	FIELD(mixername);
	FIELD(components);
}

static void snd_timespec64(void)
{
	typedef struct __snd_timespec64 T;
	const char *R = "SndTimespec64";
	RECORD();
	FIELD(tv_sec);
	/*
	 * Offset only: with _TIME_BITS=64 on a 32-bit target `__snd_timespec64` is glibc's
	 * `struct timespec`, whose tv_nsec is a 32-bit long plus padding where the kernel has
	 * an __s64.
	 */
	OFFSET(tv_nsec);
}

static void mmap_status64(void)
{
	typedef struct __snd_pcm_mmap_status64 T;
	const char *R = "MmapStatus64";
	RECORD();
	FIELD(state);
	FIELD(pad1);
	FIELD_AS(pad_before_hw_ptr, __pad1);
	FIELD(hw_ptr);
	FIELD_AS(pad_after_hw_ptr, __pad2);
	FIELD(tstamp);
	FIELD(suspended_state);
	FIELD(pad3);
	FIELD(audio_tstamp);
}

static void mmap_control64(void)
{
	typedef struct __snd_pcm_mmap_control64 T;
	const char *R = "MmapControl64";
	RECORD();
	FIELD_AS(pad1, __pad1);
	FIELD(appl_ptr);
	FIELD_AS(pad2, __pad2);
	FIELD_AS(pad3, __pad3);
	FIELD(avail_min);
	FIELD_AS(pad4, __pad4);
}

static void sync_ptr64(void)
{
	{
		typedef struct __snd_pcm_sync_ptr64 T;
		const char *R = "SyncPtr64";
		RECORD();
		FIELD(flags);
		FIELD(pad1);
		FIELD(s);
		FIELD(c);
	}
	{
		typedef MEMBER_TYPE(struct __snd_pcm_sync_ptr64, s) T;
		const char *R = "SyncPtrStatus64";
		RECORD();
		FIELD(status);
		FIELD(reserved);
	}
	{
		typedef MEMBER_TYPE(struct __snd_pcm_sync_ptr64, c) T;
		const char *R = "SyncPtrControl64";
		RECORD();
		FIELD(control);
		FIELD(reserved);
	}
}

#if __SIZEOF_LONG__ == 4
/* The 32-bit-time layouts, mirrored in Rust on 32-bit targets only. */
static void time32_records(void)
{
	{
		typedef struct __snd_timespec T;
		const char *R = "SndTimespec32";
		RECORD();
		FIELD(tv_sec);
		FIELD(tv_nsec);
	}
	{
		typedef struct __snd_pcm_mmap_status T;
		const char *R = "MmapStatus32";
		RECORD();
		FIELD(state);
		FIELD(pad1);
		FIELD(hw_ptr);
		FIELD(tstamp);
		FIELD(suspended_state);
		FIELD(audio_tstamp);
	}
	{
		typedef struct __snd_pcm_mmap_control T;
		const char *R = "MmapControl32";
		RECORD();
		FIELD(appl_ptr);
		FIELD(avail_min);
	}
	{
		typedef struct __snd_pcm_sync_ptr T;
		const char *R = "SyncPtr32";
		RECORD();
		FIELD(flags);
		FIELD(s);
		FIELD(c);
	}
	{
		typedef MEMBER_TYPE(struct __snd_pcm_sync_ptr, s) T;
		const char *R = "SyncPtrStatus32";
		RECORD();
		FIELD(status);
		FIELD(reserved);
	}
	{
		typedef MEMBER_TYPE(struct __snd_pcm_sync_ptr, c) T;
		const char *R = "SyncPtrControl32";
		RECORD();
		FIELD(control);
		FIELD(reserved);
	}
	CONST_AS(SNDRV_PCM_IOCTL_SYNC_PTR32, __SNDRV_PCM_IOCTL_SYNC_PTR);
}
#endif

/*
 * What the unprefixed names mean in this build: the members every definition has (the padding
 * members differ between them), and the SYNC_PTR ioctl and mmap offsets that go with them.
 */
static void native(void)
{
	{
		typedef struct snd_pcm_mmap_status T;
		const char *R = "native.MmapStatus";
		RECORD();
		FIELD(state);
		FIELD(pad1);
		FIELD(hw_ptr);
		FIELD(tstamp);
		FIELD(suspended_state);
		FIELD(audio_tstamp);
	}
	{
		typedef struct snd_pcm_mmap_control T;
		const char *R = "native.MmapControl";
		RECORD();
		FIELD(appl_ptr);
		FIELD(avail_min);
	}
	{
		typedef struct snd_pcm_sync_ptr T;
		const char *R = "native.SyncPtr";
		RECORD();
		FIELD(flags);
		FIELD(s);
		FIELD(c);
	}
	CONST(SNDRV_PCM_IOCTL_SYNC_PTR);
#if __SIZEOF_LONG__ == 8 || (defined(_TIME_BITS) && _TIME_BITS == 64)
	/* The pages the crate maps: the 64-bit-time layout's. */
	CONST(SNDRV_PCM_MMAP_OFFSET_STATUS);
	CONST(SNDRV_PCM_MMAP_OFFSET_CONTROL);
	/* The status record of STATUS_EXT: the crate asks for the 64-bit-time one alone. */
	{
		typedef struct snd_pcm_status T;
		const char *R = "SndPcmStatus64";
		RECORD();
		FIELD(state);
		FIELD(pad1);
		FIELD(trigger_tstamp);
		FIELD(tstamp);
		FIELD(appl_ptr);
		FIELD(hw_ptr);
		FIELD(delay);
		FIELD(avail);
		FIELD(avail_max);
		FIELD(overrange);
		FIELD(suspended_state);
		FIELD(audio_tstamp_data);
		FIELD(audio_tstamp);
		FIELD(driver_tstamp);
		FIELD(audio_tstamp_accuracy);
		FIELD(reserved);
	}
	CONST_AS(SNDRV_PCM_IOCTL_STATUS_EXT64, SNDRV_PCM_IOCTL_STATUS_EXT);
#endif
}

static void constants(void)
{
	CONST(SNDRV_PCM_VERSION);

	CONST(SNDRV_PCM_STREAM_PLAYBACK);
	CONST(SNDRV_PCM_STREAM_CAPTURE);

	CONST(SNDRV_PCM_ACCESS_MMAP_INTERLEAVED);
	CONST(SNDRV_PCM_SUBFORMAT_STD);

	CONST(SNDRV_PCM_FORMAT_S8);
	CONST(SNDRV_PCM_FORMAT_U8);
	CONST(SNDRV_PCM_FORMAT_S16_LE);
	CONST(SNDRV_PCM_FORMAT_S16_BE);
	CONST(SNDRV_PCM_FORMAT_S24_LE);
	CONST(SNDRV_PCM_FORMAT_S24_BE);
	CONST(SNDRV_PCM_FORMAT_S32_LE);
	CONST(SNDRV_PCM_FORMAT_S32_BE);
	CONST(SNDRV_PCM_FORMAT_FLOAT_LE);
	CONST(SNDRV_PCM_FORMAT_FLOAT_BE);
	CONST(SNDRV_PCM_FORMAT_IEC958_SUBFRAME_LE);
	CONST(SNDRV_PCM_FORMAT_IEC958_SUBFRAME_BE);
	CONST(SNDRV_PCM_FORMAT_S24_3LE);
	CONST(SNDRV_PCM_FORMAT_S24_3BE);

	CONST(SNDRV_PCM_STATE_OPEN);
	CONST(SNDRV_PCM_STATE_SETUP);
	CONST(SNDRV_PCM_STATE_PREPARED);
	CONST(SNDRV_PCM_STATE_RUNNING);
	CONST(SNDRV_PCM_STATE_XRUN);
	CONST(SNDRV_PCM_STATE_DRAINING);
	CONST(SNDRV_PCM_STATE_PAUSED);
	CONST(SNDRV_PCM_STATE_SUSPENDED);
	CONST(SNDRV_PCM_STATE_DISCONNECTED);


	CONST(SNDRV_PCM_INFO_MMAP);
	CONST(SNDRV_PCM_INFO_MMAP_VALID);
	CONST(SNDRV_PCM_INFO_DOUBLE);
	CONST(SNDRV_PCM_INFO_BATCH);
	CONST(SNDRV_PCM_INFO_SYNC_APPLPTR);
	CONST(SNDRV_PCM_INFO_INTERLEAVED);
	CONST(SNDRV_PCM_INFO_NONINTERLEAVED);
	CONST(SNDRV_PCM_INFO_COMPLEX);
	CONST(SNDRV_PCM_INFO_BLOCK_TRANSFER);
	CONST(SNDRV_PCM_INFO_OVERRANGE);
	CONST(SNDRV_PCM_INFO_RESUME);
	CONST(SNDRV_PCM_INFO_PAUSE);
	CONST(SNDRV_PCM_INFO_HALF_DUPLEX);
	CONST(SNDRV_PCM_INFO_JOINT_DUPLEX);
	CONST(SNDRV_PCM_INFO_SYNC_START);
	CONST(SNDRV_PCM_INFO_NO_PERIOD_WAKEUP);
	CONST(SNDRV_PCM_HW_PARAMS_NO_PERIOD_WAKEUP);
	CONST(SNDRV_PCM_INFO_HAS_LINK_ATIME);
	CONST(SNDRV_PCM_INFO_HAS_LINK_ABSOLUTE_ATIME);
	CONST(SNDRV_PCM_INFO_HAS_LINK_ESTIMATED_ATIME);
	CONST(SNDRV_PCM_INFO_HAS_LINK_SYNCHRONIZED_ATIME);
	CONST(SNDRV_PCM_INFO_EXPLICIT_SYNC);
	CONST(SNDRV_PCM_INFO_NO_REWINDS);
	CONST(SNDRV_PCM_AUDIO_TSTAMP_TYPE_DEFAULT);
	CONST(SNDRV_PCM_AUDIO_TSTAMP_TYPE_LINK);
	CONST(SNDRV_PCM_AUDIO_TSTAMP_TYPE_LINK_ABSOLUTE);
	CONST(SNDRV_PCM_AUDIO_TSTAMP_TYPE_LINK_ESTIMATED);
	CONST(SNDRV_PCM_AUDIO_TSTAMP_TYPE_LINK_SYNCHRONIZED);

	CONST(SNDRV_PCM_HW_PARAM_ACCESS);
	CONST(SNDRV_PCM_HW_PARAM_FORMAT);
	CONST(SNDRV_PCM_HW_PARAM_SUBFORMAT);
	CONST(SNDRV_PCM_HW_PARAM_FIRST_MASK);
	CONST(SNDRV_PCM_HW_PARAM_LAST_MASK);
	CONST(SNDRV_PCM_HW_PARAM_SAMPLE_BITS);
	CONST(SNDRV_PCM_HW_PARAM_FRAME_BITS);
	CONST(SNDRV_PCM_HW_PARAM_CHANNELS);
	CONST(SNDRV_PCM_HW_PARAM_RATE);
	CONST(SNDRV_PCM_HW_PARAM_PERIOD_TIME);
	CONST(SNDRV_PCM_HW_PARAM_PERIOD_SIZE);
	CONST(SNDRV_PCM_HW_PARAM_PERIOD_BYTES);
	CONST(SNDRV_PCM_HW_PARAM_PERIODS);
	CONST(SNDRV_PCM_HW_PARAM_BUFFER_TIME);
	CONST(SNDRV_PCM_HW_PARAM_BUFFER_SIZE);
	CONST(SNDRV_PCM_HW_PARAM_BUFFER_BYTES);
	CONST(SNDRV_PCM_HW_PARAM_TICK_TIME);
	CONST(SNDRV_PCM_HW_PARAM_FIRST_INTERVAL);
	CONST(SNDRV_PCM_HW_PARAM_LAST_INTERVAL);

	CONST(SNDRV_PCM_TSTAMP_ENABLE);
	CONST(SNDRV_PCM_TSTAMP_TYPE_GETTIMEOFDAY);
	CONST(SNDRV_PCM_TSTAMP_TYPE_MONOTONIC);
	CONST(SNDRV_PCM_TSTAMP_TYPE_MONOTONIC_RAW);

	CONST(SNDRV_PCM_SYNC_PTR_HWSYNC);
	CONST(SNDRV_PCM_SYNC_PTR_APPL);
	CONST(SNDRV_PCM_SYNC_PTR_AVAIL_MIN);
}

static void ioctls(void)
{
	CONST(SNDRV_PCM_IOCTL_PVERSION);
	CONST(SNDRV_PCM_IOCTL_INFO);
	CONST(SNDRV_PCM_IOCTL_USER_PVERSION);
	CONST(SNDRV_PCM_IOCTL_HW_REFINE);
	CONST(SNDRV_PCM_IOCTL_HW_PARAMS);
	CONST(SNDRV_PCM_IOCTL_SW_PARAMS);
	CONST(SNDRV_PCM_IOCTL_DELAY);
	CONST(SNDRV_PCM_IOCTL_HWSYNC);
	CONST_AS(SNDRV_PCM_IOCTL_SYNC_PTR64, __SNDRV_PCM_IOCTL_SYNC_PTR64);
	CONST(SNDRV_PCM_IOCTL_CHANNEL_INFO);
	CONST(SNDRV_PCM_IOCTL_PREPARE);
	CONST(SNDRV_PCM_IOCTL_RESET);
	CONST(SNDRV_PCM_IOCTL_START);
	CONST(SNDRV_PCM_IOCTL_DROP);
	CONST(SNDRV_PCM_IOCTL_DRAIN);
	CONST(SNDRV_PCM_IOCTL_PAUSE);
	CONST(SNDRV_PCM_IOCTL_REWIND);
	CONST(SNDRV_PCM_IOCTL_RESUME);
	CONST(SNDRV_PCM_IOCTL_FORWARD);
	CONST(SNDRV_PCM_IOCTL_LINK);
	CONST(SNDRV_PCM_IOCTL_UNLINK);

	CONST(SNDRV_CTL_IOCTL_CARD_INFO);
	CONST(SNDRV_CTL_IOCTL_PCM_NEXT_DEVICE);
	CONST(SNDRV_CTL_IOCTL_PCM_INFO);
	CONST(SNDRV_CTL_IOCTL_PCM_PREFER_SUBDEVICE);
}

/* Control elements: what the mixer uses. */
static void ctl_elem_records(void)
{
	{
		typedef struct snd_ctl_elem_id T;
		const char *R = "SndCtlElemId";
		RECORD();
		FIELD(numid);
		FIELD(iface);
		FIELD(device);
		FIELD(subdevice);
		FIELD(name);
		FIELD(index);
	}
	{
		typedef struct snd_ctl_elem_list T;
		const char *R = "SndCtlElemList";
		RECORD();
		FIELD(offset);
		FIELD(space);
		FIELD(used);
		FIELD(count);
		FIELD(pids);
		FIELD(reserved);
	}
	{
		typedef struct snd_ctl_elem_info T;
		const char *R = "SndCtlElemInfo";
		RECORD();
		FIELD(id);
		FIELD_AS(type_, type);
		FIELD(access);
		FIELD(count);
		FIELD(owner);
		FIELD(value);
		FIELD(reserved);
	}
	{
		typedef MEMBER_TYPE(struct snd_ctl_elem_info, value) T;
		const char *R = "SndCtlElemInfoValue";
		RECORD();
		FIELD(integer);
		FIELD(integer64);
		FIELD(enumerated);
		FIELD(reserved);
	}
	{
		typedef MEMBER_TYPE(struct snd_ctl_elem_info, value.integer) T;
		const char *R = "SndCtlElemInfoInteger";
		RECORD();
		FIELD(min);
		FIELD(max);
		FIELD(step);
	}
	{
		typedef MEMBER_TYPE(struct snd_ctl_elem_info, value.integer64) T;
		const char *R = "SndCtlElemInfoInteger64";
		RECORD();
		FIELD(min);
		FIELD(max);
		FIELD(step);
	}
	{
		typedef MEMBER_TYPE(struct snd_ctl_elem_info, value.enumerated) T;
		const char *R = "SndCtlElemInfoEnumerated";
		RECORD();
		FIELD(items);
		FIELD(item);
		FIELD(name);
		FIELD(names_ptr);
		FIELD(names_length);
	}
	{
		typedef struct snd_aes_iec958 T;
		const char *R = "SndAesIec958";
		RECORD();
		FIELD(status);
		FIELD(subcode);
		FIELD(pad);
		FIELD(dig_subframe);
	}
	{
		/* `indirect` is a 1-bit bitfield: its storage unit starts where `id` ends. */
		typedef struct snd_ctl_elem_value T;
		const char *R = "SndCtlElemValue";
		RECORD();
		FIELD(id);
		put("offset", R, "indirect", sizeof(struct snd_ctl_elem_id));
		FIELD(value);
		FIELD(reserved);
	}
	{
		typedef MEMBER_TYPE(struct snd_ctl_elem_value, value) T;
		const char *R = "SndCtlElemValueUnion";
		RECORD();
		FIELD_AS(integer, integer.value);
		FIELD_AS(integer64, integer64.value);
		FIELD_AS(enumerated, enumerated.item);
		FIELD_AS(bytes, bytes.data);
		FIELD(iec958);
	}
	{
		typedef struct snd_ctl_tlv T;
		const char *R = "SndCtlTlv";
		RECORD();
		FIELD(numid);
		FIELD(length);
		/* The flexible tlv[] starts right after the header. */
		put("offset", R, "tlv", offsetof(T, tlv));
	}
	{
		typedef struct snd_ctl_event T;
		const char *R = "SndCtlEvent";
		RECORD();
		FIELD_AS(type_, type);
		FIELD(data);
	}
	{
		typedef MEMBER_TYPE(struct snd_ctl_event, data) T;
		const char *R = "SndCtlEventData";
		RECORD();
		FIELD(elem);
		FIELD(data8);
	}
	{
		typedef MEMBER_TYPE(struct snd_ctl_event, data.elem) T;
		const char *R = "SndCtlEventElem";
		RECORD();
		FIELD(mask);
		FIELD(id);
	}

	CONST(SNDRV_CTL_ELEM_ID_NAME_MAXLEN);
	CONST(SNDRV_CTL_ELEM_TYPE_BOOLEAN);
	CONST(SNDRV_CTL_ELEM_TYPE_INTEGER);
	CONST(SNDRV_CTL_ELEM_TYPE_ENUMERATED);
	CONST(SNDRV_CTL_ELEM_TYPE_BYTES);
	CONST(SNDRV_CTL_ELEM_TYPE_IEC958);
	CONST(SNDRV_CTL_ELEM_TYPE_INTEGER64);
	CONST(SNDRV_CTL_ELEM_IFACE_CARD);
	CONST(SNDRV_CTL_ELEM_IFACE_HWDEP);
	CONST(SNDRV_CTL_ELEM_IFACE_MIXER);
	CONST(SNDRV_CTL_ELEM_IFACE_PCM);
	CONST(SNDRV_CTL_ELEM_IFACE_RAWMIDI);
	CONST(SNDRV_CTL_ELEM_IFACE_TIMER);
	CONST(SNDRV_CTL_ELEM_IFACE_SEQUENCER);
	CONST(SNDRV_CTL_ELEM_ACCESS_READ);
	CONST(SNDRV_CTL_ELEM_ACCESS_WRITE);
	CONST(SNDRV_CTL_ELEM_ACCESS_VOLATILE);
	CONST(SNDRV_CTL_ELEM_ACCESS_TLV_READ);
	CONST(SNDRV_CTL_ELEM_ACCESS_INACTIVE);
	CONST(SNDRV_CTL_ELEM_ACCESS_LOCK);
	CONST(SNDRV_CTL_TLVT_CONTAINER);
	CONST(SNDRV_CTL_TLVT_DB_SCALE);
	CONST(SNDRV_CTL_TLVT_DB_LINEAR);
	CONST(SNDRV_CTL_TLVT_DB_RANGE);
	CONST(SNDRV_CTL_TLVT_DB_MINMAX);
	CONST(SNDRV_CTL_TLVT_DB_MINMAX_MUTE);
	CONST(SNDRV_CTL_TLVD_DB_SCALE_MASK);
	CONST(SNDRV_CTL_TLVD_DB_SCALE_MUTE);
	/* Negative: compared as the u32 bit pattern on both sides. */
	CONST_AS(SNDRV_CTL_TLVD_DB_GAIN_MUTE, (unsigned int)SNDRV_CTL_TLVD_DB_GAIN_MUTE);

	CONST(SNDRV_CTL_IOCTL_ELEM_LIST);
	CONST(SNDRV_CTL_IOCTL_ELEM_INFO);
	CONST(SNDRV_CTL_IOCTL_ELEM_READ);
	CONST(SNDRV_CTL_IOCTL_ELEM_WRITE);
	CONST(SNDRV_CTL_IOCTL_TLV_READ);
	CONST(SNDRV_CTL_IOCTL_ELEM_ADD);
	CONST(SNDRV_CTL_IOCTL_ELEM_REMOVE);
	CONST(SNDRV_CTL_EVENT_ELEM);
	CONST(SNDRV_CTL_EVENT_MASK_VALUE);
	CONST(SNDRV_CTL_EVENT_MASK_INFO);
	CONST(SNDRV_CTL_EVENT_MASK_ADD);
	CONST(SNDRV_CTL_EVENT_MASK_TLV);
	CONST(SNDRV_CTL_EVENT_MASK_REMOVE);
	CONST(SNDRV_CTL_TLVT_CHMAP_FIXED);
	CONST(SNDRV_CTL_TLVT_CHMAP_VAR);
	CONST(SNDRV_CTL_TLVT_CHMAP_PAIRED);
	CONST(SNDRV_CHMAP_UNKNOWN);
	CONST(SNDRV_CHMAP_NA);
	CONST(SNDRV_CHMAP_MONO);
	CONST(SNDRV_CHMAP_FL);
	CONST(SNDRV_CHMAP_FR);
	CONST(SNDRV_CHMAP_RL);
	CONST(SNDRV_CHMAP_RR);
	CONST(SNDRV_CHMAP_FC);
	CONST(SNDRV_CHMAP_LFE);
	CONST(SNDRV_CHMAP_SL);
	CONST(SNDRV_CHMAP_SR);
	CONST(SNDRV_CHMAP_RC);
	CONST(SNDRV_CHMAP_LAST);
	CONST(SNDRV_CHMAP_POSITION_MASK);
	CONST(SNDRV_CHMAP_PHASE_INVERSE);
	CONST(SNDRV_CHMAP_DRIVER_SPEC);
	CONST(SNDRV_CTL_IOCTL_SUBSCRIBE_EVENTS);
}

int main(void)
{
	snd_mask();
	snd_interval();
	snd_pcm_hw_params();
	snd_pcm_sw_params();
	snd_pcm_info();
	snd_pcm_channel_info();
	snd_ctl_card_info();
	snd_timespec64();
	mmap_status64();
	mmap_control64();
	sync_ptr64();
#if __SIZEOF_LONG__ == 4
	time32_records();
#endif
	native();
	constants();
	ioctls();
	ctl_elem_records();
	return ferror(stdout) || fflush(stdout) ? 1 : 0;
}
