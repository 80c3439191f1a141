/*
 * floor: the least a program can do to keep an ALSA playback stream running, the lower bound
 * `cargo board bench` puts beside alsa-direct and alsa-lib's aplay.
 *
 *   floor --device hw:CARD,DEV --period N --frames F [--periods 4] [--sync-ptr]
 *   floor --device hw:CARD,DEV --period N --setup-only
 *       only HW_PARAMS: exit status 0 when the device takes the period exactly (the bench
 *       tries beside its busy loop only the periods the device offers)
 *
 * Straight kernel ioctls, as alsa-direct makes them: HW_PARAMS (S16_LE, stereo, 48 kHz,
 * mmap interleaved, N frames per period, 4 periods), SW_PARAMS (wake at a whole period),
 * PREPARE, the DMA buffer mapped, START once the buffer is committed. Then per period it only
 * waits (poll) and syncs once, moving the application pointer on by a period without writing
 * a sample (the buffer keeps what the driver put there: silence):
 *   - SYNC_PTR (ARM, RISC-V, every arch with --sync-ptr): one SNDRV_PCM_IOCTL_SYNC_PTR per
 *     period publishes the pointer and reads the status (no hwsync flag): 2 system calls.
 *   - x86 (the status and control pages mapped, as alsa-direct does there): the pointer is
 *     written to the mapped control page and the status read from the mapped status page:
 *     1 system call. When the kernel refuses the mapping it falls back to SYNC_PTR.
 * Ends with DRAIN and prints, like the bench's own player:
 *   BENCH-PLAY frames=.. periods=.. xruns=.. period=.. transport=..
 * An xrun is counted and recovered (PREPARE, commit a buffer, START). Errors name the ioctl
 * and the errno, exit status 1; bad arguments exit 2.
 *
 * Built by the runner with each target's cross gcc, static (runner/src/bench/floor.rs); on
 * 32-bit targets with _TIME_BITS=64, so the header's records are the y2038-safe ones.
 */
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <poll.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/mman.h>
#include <unistd.h>

#include <sound/asound.h>

#define RATE 48000
#define CHANNELS 2
#define FRAME_BYTES (CHANNELS * 2)
/* The kernel maps the status and control pages on x86 (and PowerPC, Alpha), not on ARM/RISC-V. */
#if defined(__x86_64__) || defined(__i386__)
#define PAGES_MAPPABLE 1
#else
#define PAGES_MAPPABLE 0
#endif

/* The stream's setup and where its pointers are exchanged. */
struct stream {
	int fd;
	snd_pcm_uframes_t period, buffer, boundary;
	/* Mapped pages (x86), or NULL: SYNC_PTR. */
	volatile struct snd_pcm_mmap_status *status;
	volatile struct snd_pcm_mmap_control *control;
	struct snd_pcm_sync_ptr sync;
};

static void die(const char *what)
{
	fprintf(stderr, "floor: %s: %s\n", what, strerror(errno));
	exit(1);
}

static void usage(void)
{
	fprintf(stderr, "usage: floor --device hw:CARD,DEV --period N --frames F [--periods 4] [--sync-ptr]\n"
			"       floor --device hw:CARD,DEV --period N --setup-only\n");
	exit(2);
}

/* /dev/snd/pcmC<card>D<dev>p of hw:CARD,DEV[,SUB]; a card id is resolved through
 * /proc/asound/<id>, a link to card<N>. */
static void node_of(const char *name, char *node, size_t size)
{
	char card[64], link[80], target[32];
	int dev = 0, number;
	if (sscanf(name, "hw:%63[^,],%d", card, &dev) != 2)
		usage();
	if (sscanf(card, "%d", &number) != 1) {
		snprintf(link, sizeof link, "/proc/asound/%s", card);
		ssize_t n = readlink(link, target, sizeof target - 1);
		if (n < 0)
			die("card id not found (the ids are in /proc/asound/cards)");
		target[n] = 0;
		if (sscanf(target, "card%d", &number) != 1)
			usage();
	}
	snprintf(node, size, "/dev/snd/pcmC%dD%dp", number, dev);
}

static void set_mask(struct snd_pcm_hw_params *p, int param, unsigned int bit)
{
	struct snd_mask *m = &p->masks[param - SNDRV_PCM_HW_PARAM_FIRST_MASK];
	memset(m, 0, sizeof *m);
	m->bits[bit / 32] = 1u << (bit % 32);
}

static void set_interval(struct snd_pcm_hw_params *p, int param, unsigned int value)
{
	struct snd_interval *i = &p->intervals[param - SNDRV_PCM_HW_PARAM_FIRST_INTERVAL];
	memset(i, 0, sizeof *i);
	i->min = i->max = value;
	i->integer = 1;
}

static void set_hw_params(struct stream *s, unsigned int period, unsigned int periods)
{
	struct snd_pcm_hw_params hw;
	memset(&hw, 0, sizeof hw);
	memset(hw.masks, 0xff, sizeof hw.masks);
	for (int k = 0; k <= SNDRV_PCM_HW_PARAM_LAST_INTERVAL - SNDRV_PCM_HW_PARAM_FIRST_INTERVAL; k++)
		hw.intervals[k].max = UINT_MAX;
	hw.rmask = ~0u;
	set_mask(&hw, SNDRV_PCM_HW_PARAM_ACCESS, SNDRV_PCM_ACCESS_MMAP_INTERLEAVED);
	set_mask(&hw, SNDRV_PCM_HW_PARAM_FORMAT, SNDRV_PCM_FORMAT_S16_LE);
	set_mask(&hw, SNDRV_PCM_HW_PARAM_SUBFORMAT, SNDRV_PCM_SUBFORMAT_STD);
	set_interval(&hw, SNDRV_PCM_HW_PARAM_CHANNELS, CHANNELS);
	set_interval(&hw, SNDRV_PCM_HW_PARAM_RATE, RATE);
	set_interval(&hw, SNDRV_PCM_HW_PARAM_PERIOD_SIZE, period);
	set_interval(&hw, SNDRV_PCM_HW_PARAM_PERIODS, periods);
	if (ioctl(s->fd, SNDRV_PCM_IOCTL_HW_PARAMS, &hw) < 0)
		die("HW_PARAMS (period and periods as asked, S16_LE, stereo, 48 kHz, mmap)");
	s->period = period;
	s->buffer = (snd_pcm_uframes_t)period * periods;
}

static void set_sw_params_and_prepare(struct stream *s)
{
	struct snd_pcm_sw_params sw;
	memset(&sw, 0, sizeof sw);
	sw.tstamp_mode = SNDRV_PCM_TSTAMP_NONE;
	sw.period_step = 1;
	sw.avail_min = s->period;
	sw.start_threshold = s->buffer;
	sw.stop_threshold = s->buffer;
	sw.proto = SNDRV_PCM_VERSION;
	if (ioctl(s->fd, SNDRV_PCM_IOCTL_SW_PARAMS, &sw) < 0)
		die("SW_PARAMS");
	s->boundary = sw.boundary;

	if (ioctl(s->fd, SNDRV_PCM_IOCTL_PREPARE) < 0)
		die("PREPARE");
	if (mmap(NULL, s->buffer * FRAME_BYTES, PROT_READ | PROT_WRITE, MAP_SHARED, s->fd,
		 SNDRV_PCM_MMAP_OFFSET_DATA) == MAP_FAILED)
		die("mmap of the DMA buffer");
}

/* x86: maps the status and control pages; leaves them NULL (SYNC_PTR) when refused. */
static void map_pages(struct stream *s)
{
	long page = sysconf(_SC_PAGESIZE);
	void *status = mmap(NULL, page, PROT_READ, MAP_SHARED, s->fd, SNDRV_PCM_MMAP_OFFSET_STATUS);
	void *control = mmap(NULL, page, PROT_READ | PROT_WRITE, MAP_SHARED, s->fd,
			     SNDRV_PCM_MMAP_OFFSET_CONTROL);
	if (status == MAP_FAILED || control == MAP_FAILED) {
		fprintf(stderr, "floor: status/control pages not mapped (%s): SYNC_PTR\n", strerror(errno));
		return;
	}
	s->status = status;
	s->control = control;
}

/* Publishes appl_ptr (and avail_min) and reads the status: one SYNC_PTR, or the mapped pages.
 * Returns the stream's state. */
static snd_pcm_state_t sync_pointer(struct stream *s, snd_pcm_uframes_t appl)
{
	if (s->control) {
		s->control->avail_min = s->period;
		s->control->appl_ptr = appl;
		return s->status->state;
	}
	s->sync.flags = 0;
	s->sync.c.control.appl_ptr = appl;
	s->sync.c.control.avail_min = s->period;
	if (ioctl(s->fd, SNDRV_PCM_IOCTL_SYNC_PTR, &s->sync) < 0) {
		if (errno != EPIPE)
			die("SYNC_PTR");
		return SNDRV_PCM_STATE_XRUN;
	}
	return s->sync.s.status.state;
}

/* The application pointer as the kernel has it (after PREPARE moved it). */
static snd_pcm_uframes_t read_appl(struct stream *s)
{
	if (s->control)
		return s->control->appl_ptr;
	s->sync.flags = SNDRV_PCM_SYNC_PTR_APPL | SNDRV_PCM_SYNC_PTR_AVAIL_MIN;
	if (ioctl(s->fd, SNDRV_PCM_IOCTL_SYNC_PTR, &s->sync) < 0)
		die("SYNC_PTR (reading the pointer)");
	return s->sync.c.control.appl_ptr;
}

/* Commits a whole buffer from the kernel's pointer and starts; returns the new pointer. */
static snd_pcm_uframes_t start(struct stream *s)
{
	snd_pcm_uframes_t appl = (read_appl(s) + s->buffer) % s->boundary;
	sync_pointer(s, appl);
	if (ioctl(s->fd, SNDRV_PCM_IOCTL_START) < 0)
		die("START");
	return appl;
}

int main(int argc, char **argv)
{
	const char *device = NULL;
	unsigned int period = 0, periods = 4;
	unsigned long long frames = 0;
	int force_sync_ptr = 0, setup_only = 0;
	for (int i = 1; i < argc; i++) {
		const char *value = i + 1 < argc ? argv[i + 1] : NULL;
		if (!strcmp(argv[i], "--sync-ptr"))
			force_sync_ptr = 1;
		else if (!strcmp(argv[i], "--setup-only"))
			setup_only = 1;
		else if (!value)
			usage();
		else if (!strcmp(argv[i], "--device"))
			device = value, i++;
		else if (!strcmp(argv[i], "--period"))
			period = strtoul(value, NULL, 10), i++;
		else if (!strcmp(argv[i], "--periods"))
			periods = strtoul(value, NULL, 10), i++;
		else if (!strcmp(argv[i], "--frames"))
			frames = strtoull(value, NULL, 10), i++;
		else
			usage();
	}
	if (!device || period == 0 || periods < 2 || (frames == 0 && !setup_only))
		usage();

	char node[64];
	node_of(device, node, sizeof node);
	struct stream s = { .fd = open(node, O_RDWR | O_CLOEXEC) };
	if (s.fd < 0)
		die("opening the PCM node (check the card and device with ls /dev/snd)");
	set_hw_params(&s, period, periods);
	if (setup_only)
		return 0;
	set_sw_params_and_prepare(&s);
	if (PAGES_MAPPABLE && !force_sync_ptr)
		map_pages(&s);
	int timeout_ms = (int)(4 * s.buffer * 1000 / RATE);
	if (timeout_ms < 1000)
		timeout_ms = 1000;

	unsigned long long position = s.buffer, wakeups = 0;
	unsigned int xruns = 0;
	snd_pcm_uframes_t appl = start(&s);
	while (position < frames) {
		struct pollfd pfd = { .fd = s.fd, .events = POLLOUT };
		int ready = poll(&pfd, 1, timeout_ms);
		if (ready < 0 && errno == EINTR)
			continue;
		if (ready < 0)
			die("poll");
		if (ready == 0) {
			errno = ETIMEDOUT;
			die("poll (the device stopped moving)");
		}
		wakeups++;
		snd_pcm_state_t state = SNDRV_PCM_STATE_XRUN;
		if (!(pfd.revents & POLLERR)) {
			appl = (appl + s.period) % s.boundary;
			state = sync_pointer(&s, appl);
		}
		if (state == SNDRV_PCM_STATE_XRUN) {
			xruns++;
			if (ioctl(s.fd, SNDRV_PCM_IOCTL_PREPARE) < 0)
				die("PREPARE (after an xrun)");
			appl = start(&s);
			position += s.buffer;
			continue;
		}
		position += s.period;
	}
	if (ioctl(s.fd, SNDRV_PCM_IOCTL_DRAIN) < 0 && errno != EPIPE)
		die("DRAIN");
	printf("BENCH-PLAY frames=%llu periods=%llu xruns=%u period=%lu transport=%s\n", position,
	       wakeups, xruns, (unsigned long)s.period, s.control ? "mmap status/control" : "SYNC_PTR");
	return 0;
}
