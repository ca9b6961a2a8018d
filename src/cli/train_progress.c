/* train_progress.c - `lathe train` progress lines (see train_progress.h). */
#include "config.h"

#include "train_progress.h"

#include <stdarg.h>
#include <unistd.h>

#define BAR_WIDTH 24

void train_progress_init(train_progress *p, FILE *fp, int64_t total)
{
    p->fp = fp;
    p->tty = isatty(fileno(fp));
    p->drawn = false;
    p->total = total;
}

static void format_eta(double s, char *buf, size_t len)
{
    long t = s > 0 && s < 1e8 ? (long)(s + 0.5) : 0;
    if (t >= 3600)
        snprintf(buf, len, "%ld:%02ld:%02ld", t / 3600, t / 60 % 60, t % 60);
    else
        snprintf(buf, len, "%ld:%02ld", t / 60, t % 60);
}

void train_progress_step(train_progress *p, const run_record *r)
{
    if (!p->tty) {
        fprintf(p->fp, "step %lld/%lld  loss %.4f  lr %.3e  grad_norm %.3f  %.0f tok/s  %.1fs\n",
                (long long)r->step, (long long)p->total, r->loss, r->lr, r->grad_norm,
                r->tokens_per_s, r->elapsed_s);
        fflush(p->fp);
        return;
    }
    char bar[BAR_WIDTH + 1], eta[32];
    int fill = p->total > 0 ? (int)(r->step * BAR_WIDTH / p->total) : 0;
    for (int i = 0; i < BAR_WIDTH; i++)
        bar[i] = i < fill ? '#' : '.';
    bar[BAR_WIDTH] = '\0';
    format_eta(r->step > 0 ? r->elapsed_s / (double)r->step * (double)(p->total - r->step) : 0,
               eta, sizeof eta);
    fprintf(p->fp, "\r\033[Kstep %lld/%lld [%s] loss %.4f  lr %.2e  %.0f tok/s  ETA %s",
            (long long)r->step, (long long)p->total, bar, r->loss, r->lr, r->tokens_per_s, eta);
    fflush(p->fp);
    p->drawn = true;
}

void train_progress_note(train_progress *p, const char *fmt, ...)
{
    if (p->drawn)
        fputs("\r\033[K", p->fp);
    va_list ap;
    va_start(ap, fmt);
    vfprintf(p->fp, fmt, ap);
    va_end(ap);
    fputc('\n', p->fp);
    fflush(p->fp);
    p->drawn = false;
}

void train_progress_done(train_progress *p)
{
    if (p->drawn)
        fputc('\n', p->fp);
    fflush(p->fp);
    p->drawn = false;
}
