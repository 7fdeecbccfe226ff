/*
 * log.c - logging for jobs/: one call, bgc_log(level, channel, fmt, ...), that formats a
 * complete line and hands it to the sink installed with bgc_log_set_sink (server/ writes it
 * to bgcopysvc.log; tests may capture it).
 *
 * Levels follow Wine's meaning: ERR = we are broken or unrecoverable I/O, WARN = odd but
 * handled, FIXME = deliberately unimplemented path, INFO = state changes and other events an
 * operator wants, TRACE = entry to API calls and per-transfer detail.
 *
 * Invariants:
 *  1. bgc_log never allocates (a fixed stack buffer; long lines are cut), so logging on an
 *     out-of-memory path cannot fail or disturb allocation-injection counts.
 *  2. Lines above the sink's max level are dropped before formatting (cheap TRACE calls).
 *  3. Without a sink, ERR lines go to stderr and everything else is dropped.
 *  4. bgc_log_set_sink is meant to be called before any queue exists; the level alone is
 *     atomic and may be changed at any time.
 */
#include "bgc.h"

#include <stdarg.h>
#include <stdatomic.h>
#include <stdio.h>

#define LINE_MAX_BYTES 1024

static bgc_log_fn sink_fn;                      /* NULL: the stderr default (invariant 3) */
static void *sink_ctx;                          /* passed back to sink_fn */
static atomic_int sink_level = BGC_LOG_ERR;     /* highest level that is formatted */

static const char *const level_names[] = {"err", "warn", "fixme", "info", "trace"};

void bgc_log_set_sink(bgc_log_fn fn, void *ctx, enum bgc_log_level max_level)
{
    sink_fn = fn;
    sink_ctx = ctx;
    atomic_store(&sink_level, fn ? (int)max_level : (int)BGC_LOG_ERR);
}

void bgc_log(enum bgc_log_level level, const char *channel, const char *fmt, ...)
{
    char line[LINE_MAX_BYTES];
    va_list ap;

    if ((int)level > atomic_load(&sink_level) || (int)level < 0)
        return;
    va_start(ap, fmt);
    vsnprintf(line, sizeof(line), fmt, ap);
    va_end(ap);
    if (sink_fn)
        sink_fn(sink_ctx, level, channel, line);
    else
        fprintf(stderr, "bgc:%s:%s: %s\n", level_names[level], channel, line);
}
