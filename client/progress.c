/*
 * progress.c - the progress display of /transfer, /wait and /monitor.
 *
 * On a console one line is redrawn in place ("\r"): a bar, percent, bytes, rate and ETA. When
 * stdout is redirected, plain lines are printed instead, at most one per second plus one on
 * every state change, so logs stay readable:
 *   Progress: 45.2% (29000000 / 64000000 bytes, 12.3 MB/s, ETA 0:03) TRANSFERRING
 *
 * Invariants:
 *  1. A redrawn bar is always ended (bgcli_progress_break) before any other text is printed.
 *  2. The rate is an exponentially smoothed bytes/s over windows of at least 500 ms; until the
 *     first window closes the average since the first sample is shown instead.
 *  3. The ETA is shown only when the total is known and the rate is above zero; otherwise
 *     "ETA --:--".
 */
#include "bgcli.h"

#include <wchar.h>

#define BAR_WIDTH 12
#define RATE_WINDOW_MS 500
#define LINE_INTERVAL_MS 1000

WCHAR *bgcli_format_bytes(UINT64 n, WCHAR *buf, size_t cch)
{
    static const WCHAR *const units[] = { L"B", L"KB", L"MB", L"GB", L"TB" };
    double v = (double)n;
    int u = 0;
    while (v >= 1024.0 && u < 4) {
        v /= 1024.0;
        u++;
    }
    if (u == 0)
        swprintf(buf, cch, L"%llu B", (unsigned long long)n);
    else
        swprintf(buf, cch, L"%.1f %ls", v, units[u]);
    return buf;
}

void bgcli_progress_init(struct bgcli_progress *p, BOOL console)
{
    ZeroMemory(p, sizeof(*p));
    p->console = console;
    p->t_start = GetTickCount64();
    p->t_rate = p->t_start;
    p->last_state = (BG_JOB_STATE)-1;
}

void bgcli_progress_sample(struct bgcli_progress *p, UINT64 bytes)
{
    ULONGLONG now = GetTickCount64(), dt;
    double sample;
    if (!p->started) {
        p->started = TRUE;
        p->bytes_start = bytes;
        p->bytes_rate = bytes;
        p->t_start = now;
        p->t_rate = now;
        return;
    }
    dt = now - p->t_rate;
    if (dt < RATE_WINDOW_MS)
        return;
    sample = bytes >= p->bytes_rate ? (double)(bytes - p->bytes_rate) * 1000.0 / (double)dt : 0.0;
    p->rate = p->rate == 0.0 ? sample : 0.6 * sample + 0.4 * p->rate;
    p->t_rate = now;
    p->bytes_rate = bytes;
}

/* Bytes per second now: the smoothed rate, or the average since the first sample. */
static double current_rate(const struct bgcli_progress *p, UINT64 bytes)
{
    ULONGLONG now = GetTickCount64();
    if (p->rate > 0.0)
        return p->rate;
    if (p->started && now > p->t_start && bytes >= p->bytes_start)
        return (double)(bytes - p->bytes_start) * 1000.0 / (double)(now - p->t_start);
    return 0.0;
}

/* "ETA m:ss" / "ETA h:mm:ss" / "ETA --:--". */
static void eta_str(double rate, const BG_JOB_PROGRESS *jp, WCHAR *buf, size_t cch)
{
    unsigned long long left, s;
    if (jp->BytesTotal == BG_SIZE_UNKNOWN || rate <= 0.0 || jp->BytesTransferred > jp->BytesTotal) {
        swprintf(buf, cch, L"ETA --:--");
        return;
    }
    left = jp->BytesTotal - jp->BytesTransferred;
    s = (unsigned long long)((double)left / rate + 0.5);
    if (s >= 3600)
        swprintf(buf, cch, L"ETA %llu:%02llu:%02llu", s / 3600, (s / 60) % 60, s % 60);
    else
        swprintf(buf, cch, L"ETA %llu:%02llu", s / 60, s % 60);
}

WCHAR *bgcli_progress_bar(struct bgcli_progress *p, const BG_JOB_PROGRESS *jp, WCHAR *buf, size_t cch)
{
    BOOL known = jp->BytesTotal != BG_SIZE_UNKNOWN && jp->BytesTotal != 0;
    double pct = known ? 100.0 * (double)jp->BytesTransferred / (double)jp->BytesTotal : 0.0;
    double rate = current_rate(p, jp->BytesTransferred);
    WCHAR bar[BAR_WIDTH + 1], done[32], total[32], speed[32], eta[32];
    int fill = known ? (int)(pct * BAR_WIDTH / 100.0) : 0, i;

    if (fill > BAR_WIDTH)
        fill = BAR_WIDTH;
    for (i = 0; i < BAR_WIDTH; i++)
        bar[i] = i < fill ? L'#' : L'-';
    bar[BAR_WIDTH] = 0;
    bgcli_format_bytes(jp->BytesTransferred, done, 32);
    if (known)
        bgcli_format_bytes(jp->BytesTotal, total, 32);
    else
        wcscpy(total, L"?");
    bgcli_format_bytes((UINT64)rate, speed, 32);
    eta_str(rate, jp, eta, 32);
    swprintf(buf, cch, L"[%ls] %5.1f%% %ls / %ls %ls/s %ls", bar, pct, done, total, speed, eta);
    return buf;
}

void bgcli_progress_update(struct bgcli_progress *p, BG_JOB_STATE state, const BG_JOB_PROGRESS *jp)
{
    ULONGLONG now = GetTickCount64();
    BOOL known = jp->BytesTotal != BG_SIZE_UNKNOWN && jp->BytesTotal != 0;

    bgcli_progress_sample(p, jp->BytesTransferred);
    if (p->console) {
        WCHAR bar[200], line[256];
        CONSOLE_SCREEN_BUFFER_INFO info;
        size_t n, cols = 80;
        if (GetConsoleScreenBufferInfo(GetStdHandle(STD_OUTPUT_HANDLE), &info) && info.dwSize.X > 20)
            cols = (size_t)info.dwSize.X;
        swprintf(line, 256, L"%ls %ls", bgcli_progress_bar(p, jp, bar, 200), bgcli_state_name(state));
        /* One screen line: blanks wipe the rest of a longer previous line, and the last
         * column stays free so the console never wraps. */
        n = wcslen(line);
        while (n < cols - 1 && n < 255)
            line[n++] = L' ';
        line[n < cols - 1 ? n : cols - 1] = 0;
        bgcli_printf(L"\r%ls", line);
        p->drawn = TRUE;
    } else if (state != p->last_state || now - p->t_last_line >= LINE_INTERVAL_MS) {
        WCHAR rate[32], eta[32];
        double r = current_rate(p, jp->BytesTransferred);
        if (p->last_state == state && jp->BytesTransferred == p->last_bytes)
            goto out; /* nothing new to say */
        bgcli_format_bytes((UINT64)r, rate, 32);
        eta_str(r, jp, eta, 32);
        if (known)
            bgcli_printf(L"Progress: %.1f%% (%llu / %llu bytes, %ls/s, %ls) %ls\n",
                         100.0 * (double)jp->BytesTransferred / (double)jp->BytesTotal,
                         (unsigned long long)jp->BytesTransferred, (unsigned long long)jp->BytesTotal, rate, eta,
                         bgcli_state_name(state));
        else
            bgcli_printf(L"Progress: %llu bytes of unknown size (%ls/s) %ls\n",
                         (unsigned long long)jp->BytesTransferred, rate, bgcli_state_name(state));
        p->t_last_line = now;
        p->last_bytes = jp->BytesTransferred;
    }
out:
    p->last_state = state;
}

void bgcli_progress_break(struct bgcli_progress *p)
{
    if (p->drawn) {
        bgcli_puts(L"\n");
        p->drawn = FALSE;
    }
}
