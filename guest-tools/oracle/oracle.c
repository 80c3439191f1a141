/* The reference half of the differential harness (docs/oracle.md): runs the scripts of a file
 * against alsa-lib's `hw` PCM with SND_PCM_ACCESS_MMAP_INTERLEAVED and prints one trace line per
 * step, the same lines the crate's half (guest-tools/src/bin/oracle.rs) prints.
 *
 *   oracle-c DEVICE SECOND_DEVICE RATE SCRIPT_FILE TAG
 *
 * SECOND_DEVICE is the playback device `link` opens and links (`-` when there is none). A script
 * file holds scripts, each a `script NAME` line and one step a line:
 *   open PERIOD PERIODS AVAIL_MIN START_THRESHOLD STOP_THRESHOLD   (0: the crate's default)
 *   prepare | start | drop | drain | reset | resume | recover | status | avail | delay
 *   mmap N | write N | wait MS | sleep MS | pause 0|1 | link | unlink
 * After each step:
 *   ORACLE {"impl":"alsa-lib","tag":TAG,"script":S,"step":I,"op":"OP","ret":R,"state":ST,"avail":A,
 *           "appl":P,"hw":H,"delay":D,"delay_err":E}
 * R is the step's value or -errno; the rest is what snd_pcm_status and snd_pcm_delay say after it
 * (state -1 when no stream is open; appl and hw -2 when the status layout check fails). Built
 * dynamically against the guest's libasound.so.2. */

#include <alsa/asoundlib.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#define CHANNELS 2

static snd_pcm_t *pcm;
static snd_pcm_t *second;
static const char *device;
static const char *second_device;
static const char *tag;
static unsigned int rate;
static unsigned long period_cfg, periods_cfg, avail_min_cfg, start_cfg, stop_cfg;
static snd_pcm_uframes_t buffer_frames, start_threshold;
static unsigned long written_frames;

/* The same sample values the crate's half writes: silence, so that the heard scenarios of a
 * real-driver board, recorded in the same boot, hear nothing of the harness. */
static short sample_at(unsigned long frame)
{
	(void)frame;
	return 0;
}

static void sleep_ms(long ms)
{
	struct timespec ts = { ms / 1000, (ms % 1000) * 1000000L };
	while (nanosleep(&ts, &ts) != 0 && errno == EINTR) {
	}
}

/* Configures `p` as the open step asks: exact values, the thresholds as the crate sets them. */
static int configure(snd_pcm_t *p)
{
	snd_pcm_hw_params_t *hw;
	snd_pcm_sw_params_t *sw;
	snd_pcm_uframes_t period = period_cfg, buffer;
	int err;

	snd_pcm_hw_params_alloca(&hw);
	snd_pcm_sw_params_alloca(&sw);
	if ((err = snd_pcm_hw_params_any(p, hw)) < 0)
		return err;
	if ((err = snd_pcm_hw_params_set_access(p, hw, SND_PCM_ACCESS_MMAP_INTERLEAVED)) < 0)
		return err;
	if ((err = snd_pcm_hw_params_set_format(p, hw, SND_PCM_FORMAT_S16_LE)) < 0)
		return err;
	if ((err = snd_pcm_hw_params_set_channels(p, hw, CHANNELS)) < 0)
		return err;
	if ((err = snd_pcm_hw_params_set_rate(p, hw, rate, 0)) < 0)
		return err;
	if ((err = snd_pcm_hw_params_set_period_size(p, hw, period, 0)) < 0)
		return err;
	if ((err = snd_pcm_hw_params_set_periods(p, hw, periods_cfg, 0)) < 0)
		return err;
	if ((err = snd_pcm_hw_params(p, hw)) < 0)
		return err;
	snd_pcm_hw_params_get_buffer_size(hw, &buffer);
	buffer_frames = buffer;
#define OR_DEFAULT(v, d) ((v) == 0 ? (d) : ((v) < buffer ? (v) : buffer))
	start_threshold = OR_DEFAULT(start_cfg, buffer);
	if ((err = snd_pcm_sw_params_current(p, sw)) < 0)
		return err;
	if ((err = snd_pcm_sw_params_set_avail_min(p, sw, OR_DEFAULT(avail_min_cfg, period))) < 0)
		return err;
	if ((err = snd_pcm_sw_params_set_start_threshold(p, sw, start_threshold)) < 0)
		return err;
	if ((err = snd_pcm_sw_params_set_stop_threshold(p, sw, OR_DEFAULT(stop_cfg, buffer))) < 0)
		return err;
	return snd_pcm_sw_params(p, sw);
}

/* The head of the kernel's `struct snd_pcm_status`, which alsa-lib's snd_pcm_status_t is (its
 * pcm_local.h), with the C library's timespec as alsa-lib was built with it: the pointers have
 * no getter. Checked against the getters of the fields after them (`delay`, `avail`). */
struct status_head {
	int state;
	struct timespec trigger_tstamp;
	struct timespec tstamp;
	snd_pcm_uframes_t appl_ptr;
	snd_pcm_uframes_t hw_ptr;
	snd_pcm_sframes_t delay;
	snd_pcm_uframes_t avail;
};

static void trace(const char *script, int step, const char *op, long ret)
{
	long state = -1, avail = 0, appl = 0, hwp = 0, delay = 0, delay_err = 0;
	if (pcm) {
		snd_pcm_status_t *st;
		snd_pcm_sframes_t d;
		snd_pcm_status_alloca(&st);
		if (snd_pcm_status(pcm, st) == 0) {
			const struct status_head *head = (const struct status_head *)st;
			state = snd_pcm_status_get_state(st);
			avail = (long)snd_pcm_status_get_avail(st);
			if ((long)head->state == state && (long)head->avail == avail &&
			    head->delay == snd_pcm_status_get_delay(st)) {
				appl = (long)head->appl_ptr;
				hwp = (long)head->hw_ptr;
			} else {
				appl = hwp = -2; /* the layout is not alsa-lib's */
			}
		}
		int err = snd_pcm_delay(pcm, &d);
		if (err < 0)
			delay_err = -err;
		else
			delay = d;
	}
	printf("ORACLE {\"impl\":\"alsa-lib\",\"tag\":\"%s\",\"script\":\"%s\",\"step\":%d,\"op\":\"%s\",\"ret\":%ld,"
	       "\"state\":%ld,\"avail\":%ld,\"appl\":%ld,\"hw\":%ld,\"delay\":%ld,\"delay_err\":%ld}\n",
	       tag, script, step, op, ret, state, avail, appl, hwp, delay, delay_err);
	fflush(stdout);
}

/* snd_pcm_mmap_begin/commit of up to n frames, started at the start threshold as
 * snd_pcm_mmap_writei starts it (the crate's commit does, see docs/oracle.md). */
static long mmap_step(unsigned long n)
{
	const snd_pcm_channel_area_t *areas;
	snd_pcm_uframes_t offset, frames = n;
	snd_pcm_sframes_t avail = snd_pcm_avail_update(pcm), done;
	int err;
	if (avail < 0)
		return avail;
	if ((err = snd_pcm_mmap_begin(pcm, &areas, &offset, &frames)) < 0)
		return err;
	short *base = (short *)((char *)areas[0].addr + areas[0].first / 8);
	for (snd_pcm_uframes_t f = 0; f < frames; f++) {
		short s = sample_at(written_frames + f);
		for (int c = 0; c < CHANNELS; c++)
			base[(offset + f) * CHANNELS + c] = s;
	}
	done = snd_pcm_mmap_commit(pcm, offset, frames);
	if (done < 0)
		return done;
	written_frames += done;
	if (snd_pcm_state(pcm) == SND_PCM_STATE_PREPARED) {
		avail = snd_pcm_avail_update(pcm);
		if (avail >= 0 && buffer_frames - (snd_pcm_uframes_t)avail >= start_threshold &&
		    (err = snd_pcm_start(pcm)) < 0)
			return err;
	}
	return done;
}

/* snd_pcm_mmap_writei of n frames without blocking: what fits (0 when nothing does). */
static long write_step(unsigned long n)
{
	short *buf = calloc(n * CHANNELS + 1, sizeof(short));
	long done;
	if (!buf)
		return -ENOMEM;
	for (unsigned long f = 0; f < n; f++)
		for (int c = 0; c < CHANNELS; c++)
			buf[f * CHANNELS + c] = sample_at(written_frames + f);
	snd_pcm_nonblock(pcm, 1);
	done = snd_pcm_mmap_writei(pcm, buf, n);
	snd_pcm_nonblock(pcm, 0);
	free(buf);
	if (done == -EAGAIN)
		done = 0;
	if (done > 0)
		written_frames += done;
	return done;
}

static long open_step(void)
{
	int err = snd_pcm_open(&pcm, device, SND_PCM_STREAM_PLAYBACK, 0);
	if (err < 0) {
		pcm = NULL;
		return err;
	}
	written_frames = 0;
	if ((err = configure(pcm)) < 0) {
		snd_pcm_close(pcm);
		pcm = NULL;
	}
	return err;
}

static long link_step(void)
{
	int err;
	if (!second_device || strcmp(second_device, "-") == 0)
		return -ENODEV;
	if ((err = snd_pcm_open(&second, second_device, SND_PCM_STREAM_PLAYBACK, 0)) < 0) {
		second = NULL;
		return err;
	}
	if ((err = configure(second)) < 0 || (err = snd_pcm_link(pcm, second)) < 0) {
		snd_pcm_close(second);
		second = NULL;
	}
	return err;
}

static long unlink_step(void)
{
	if (!second)
		return -EINVAL;
	int err = snd_pcm_unlink(pcm);
	snd_pcm_close(second);
	second = NULL;
	return err;
}

static long run_step(const char *op, unsigned long arg)
{
	if (strcmp(op, "open") == 0)
		return open_step();
	if (!pcm)
		return -EBADFD;
	if (strcmp(op, "prepare") == 0)
		return snd_pcm_prepare(pcm);
	if (strcmp(op, "start") == 0)
		return snd_pcm_start(pcm);
	if (strcmp(op, "drop") == 0)
		return snd_pcm_drop(pcm);
	if (strcmp(op, "drain") == 0)
		return snd_pcm_drain(pcm);
	if (strcmp(op, "reset") == 0)
		return snd_pcm_reset(pcm);
	if (strcmp(op, "resume") == 0)
		return snd_pcm_resume(pcm);
	if (strcmp(op, "recover") == 0) {
		int fault = snd_pcm_state(pcm) == SND_PCM_STATE_SUSPENDED ? -ESTRPIPE : -EPIPE;
		return snd_pcm_recover(pcm, fault, 1);
	}
	if (strcmp(op, "status") == 0) {
		snd_pcm_status_t *st;
		snd_pcm_status_alloca(&st);
		return snd_pcm_status(pcm, st);
	}
	if (strcmp(op, "avail") == 0)
		return snd_pcm_avail(pcm);
	if (strcmp(op, "delay") == 0) {
		snd_pcm_sframes_t d;
		int err = snd_pcm_delay(pcm, &d);
		return err < 0 ? err : d;
	}
	if (strcmp(op, "mmap") == 0)
		return mmap_step(arg);
	if (strcmp(op, "write") == 0)
		return write_step(arg);
	if (strcmp(op, "wait") == 0)
		return snd_pcm_wait(pcm, (int)arg);
	if (strcmp(op, "sleep") == 0) {
		sleep_ms((long)arg);
		return 0;
	}
	if (strcmp(op, "pause") == 0)
		return snd_pcm_pause(pcm, (int)arg);
	if (strcmp(op, "link") == 0)
		return link_step();
	if (strcmp(op, "unlink") == 0)
		return unlink_step();
	return -EINVAL;
}

static void close_all(void)
{
	if (second) {
		snd_pcm_unlink(pcm);
		snd_pcm_close(second);
		second = NULL;
	}
	if (pcm) {
		snd_pcm_close(pcm);
		pcm = NULL;
	}
}

int main(int argc, char **argv)
{
	char line[256], script[96] = "", op[32];
	int step = 0;
	FILE *f;
	if (argc != 6) {
		fprintf(stderr, "usage: oracle-c DEVICE SECOND_DEVICE RATE SCRIPT_FILE TAG\n");
		return 2;
	}
	device = argv[1];
	second_device = argv[2];
	rate = (unsigned int)strtoul(argv[3], NULL, 10);
	tag = argv[5];
	if (!(f = fopen(argv[4], "r"))) {
		perror(argv[4]);
		return 2;
	}
	while (fgets(line, sizeof line, f)) {
		unsigned long a[5] = { 0, 0, 0, 0, 0 };
		int n;
		line[strcspn(line, "\n")] = 0;
		if (sscanf(line, "script %95s", script) == 1) {
			close_all();
			step = 0;
			continue;
		}
		n = sscanf(line, "%31s %lu %lu %lu %lu %lu", op, &a[0], &a[1], &a[2], &a[3], &a[4]);
		if (n < 1)
			continue;
		if (strcmp(op, "open") == 0) {
			close_all();
			period_cfg = a[0];
			periods_cfg = a[1];
			avail_min_cfg = a[2];
			start_cfg = a[3];
			stop_cfg = a[4];
		}
		long ret = run_step(op, a[0]);
		trace(script, step++, line, ret);
	}
	close_all();
	fclose(f);
	printf("ORACLE-DONE alsa-lib %s\n", tag);
	return 0;
}
