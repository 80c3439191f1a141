/*
 * adopt-alsa: the "elsewhere" of MmapStream::adopt, in alsa-lib. Opens DEVICE for playback
 * with snd_pcm_open, sets its hardware parameters with alsa-lib (MMAP_INTERLEAVED, S16_LE,
 * 2 channels, 48 kHz, a period near 1024 frames and 4 periods: alsa-lib picks), takes the
 * descriptor of the hw plugin from snd_pcm_poll_descriptors (the PCM node's), lets it survive
 * exec, and execs PROGRAM ARGS... with
 *
 *   --fd N --format S16_LE --channels C --rate R --period P --periods N
 *
 * appended: the values read back with snd_pcm_hw_params_get_*. CHANNEL_DELTA is added to the
 * channel count passed on (0 for the truth; 1 to check that the adopting side refuses a
 * wrong claim). No software parameters are set here beyond alsa-lib's defaults: the adopting
 * side sets its own (MmapStream::adopt does SW_PARAMS).
 *
 * Usage: adopt-alsa DEVICE CHANNEL_DELTA PROGRAM [ARGS...]
 * Built by `cargo board test` against the guest's alsa-lib (as guest-tools/oracle/oracle.c).
 */
#include <alsa/asoundlib.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#define CHECK(call)                                                                  \
    do {                                                                             \
        int err_ = (call);                                                           \
        if (err_ < 0) {                                                              \
            fprintf(stderr, "adopt-alsa: %s: %s\n", #call, snd_strerror(err_));      \
            return 1;                                                                \
        }                                                                            \
    } while (0)

int main(int argc, char **argv)
{
    if (argc < 4) {
        fprintf(stderr, "usage: adopt-alsa DEVICE CHANNEL_DELTA PROGRAM [ARGS...]\n");
        return 2;
    }
    const char *device = argv[1];
    int delta = atoi(argv[2]);
    snd_pcm_t *pcm;
    CHECK(snd_pcm_open(&pcm, device, SND_PCM_STREAM_PLAYBACK, 0));
    snd_pcm_hw_params_t *hw;
    snd_pcm_hw_params_alloca(&hw);
    CHECK(snd_pcm_hw_params_any(pcm, hw));
    CHECK(snd_pcm_hw_params_set_access(pcm, hw, SND_PCM_ACCESS_MMAP_INTERLEAVED));
    CHECK(snd_pcm_hw_params_set_format(pcm, hw, SND_PCM_FORMAT_S16_LE));
    CHECK(snd_pcm_hw_params_set_channels(pcm, hw, 2));
    unsigned int rate = 48000;
    CHECK(snd_pcm_hw_params_set_rate_near(pcm, hw, &rate, NULL));
    snd_pcm_uframes_t period = 1024;
    CHECK(snd_pcm_hw_params_set_period_size_near(pcm, hw, &period, NULL));
    CHECK(snd_pcm_hw_params_set_periods_integer(pcm, hw));
    unsigned int periods = 4;
    CHECK(snd_pcm_hw_params_set_periods_near(pcm, hw, &periods, NULL));
    CHECK(snd_pcm_hw_params(pcm, hw));

    /* What alsa-lib says the device now is. */
    snd_pcm_format_t format;
    unsigned int channels;
    snd_pcm_uframes_t buffer;
    CHECK(snd_pcm_hw_params_get_format(hw, &format));
    CHECK(snd_pcm_hw_params_get_channels(hw, &channels));
    CHECK(snd_pcm_hw_params_get_rate(hw, &rate, NULL));
    CHECK(snd_pcm_hw_params_get_period_size(hw, &period, NULL));
    CHECK(snd_pcm_hw_params_get_periods(hw, &periods, NULL));
    CHECK(snd_pcm_hw_params_get_buffer_size(hw, &buffer));
    if (buffer != period * periods) {
        fprintf(stderr, "adopt-alsa: buffer %lu is not %u periods of %lu\n",
                (unsigned long)buffer, periods, (unsigned long)period);
        return 1;
    }

    /* The hw plugin polls the PCM node itself. */
    struct pollfd pfd;
    if (snd_pcm_poll_descriptors(pcm, &pfd, 1) != 1) {
        fprintf(stderr, "adopt-alsa: no poll descriptor\n");
        return 1;
    }
    int flags = fcntl(pfd.fd, F_GETFD);
    if (flags < 0 || fcntl(pfd.fd, F_SETFD, flags & ~FD_CLOEXEC) < 0) {
        perror("adopt-alsa: fcntl");
        return 1;
    }

    char fd_s[16], channels_s[16], rate_s[16], period_s[24], periods_s[16];
    snprintf(fd_s, sizeof fd_s, "%d", pfd.fd);
    snprintf(channels_s, sizeof channels_s, "%d", (int)channels + delta);
    snprintf(rate_s, sizeof rate_s, "%u", rate);
    snprintf(period_s, sizeof period_s, "%lu", (unsigned long)period);
    snprintf(periods_s, sizeof periods_s, "%u", periods);
    fprintf(stderr,
            "adopt-alsa: %s set up by alsa-lib %s: fd %d, %s, %u channels, %u Hz, period %lu, "
            "%u periods, buffer %lu; passing %s channels\n",
            device, snd_asoundlib_version(), pfd.fd, snd_pcm_format_name(format), channels,
            rate, (unsigned long)period, periods, (unsigned long)buffer, channels_s);

    int extra = 12;
    char **args = calloc((size_t)(argc - 3 + extra + 1), sizeof *args);
    if (args == NULL) {
        perror("adopt-alsa: calloc");
        return 1;
    }
    int n = 0;
    for (int i = 3; i < argc; i++)
        args[n++] = argv[i];
    args[n++] = "--fd";
    args[n++] = fd_s;
    args[n++] = "--format";
    args[n++] = (char *)snd_pcm_format_name(format);
    args[n++] = "--channels";
    args[n++] = channels_s;
    args[n++] = "--rate";
    args[n++] = rate_s;
    args[n++] = "--period";
    args[n++] = period_s;
    args[n++] = "--periods";
    args[n++] = periods_s;
    args[n] = NULL;
    execv(args[0], args);
    perror("adopt-alsa: execv");
    return 1;
}
