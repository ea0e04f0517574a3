#include "replication_quota.h"

int brook_quota_limited(const brook_quota *q)
{
    return q->rate > 0 && q->rate != BROOK_QUOTA_UNLIMITED;
}

/* What the bucket holds full: BROOK_QUOTA_BURST_MS of the rate, a byte at least. */
static double burst(const brook_quota *q)
{
    double b = (double)q->rate * BROOK_QUOTA_BURST_MS / 1000.0;
    return b >= 1 ? b : 1;
}

void brook_quota_set_rate(brook_quota *q, int64_t rate, int64_t now_ms)
{
    if (rate == q->rate)
        return;
    q->rate = rate;
    q->tokens = brook_quota_limited(q) ? burst(q) : 0;
    q->now_ms = now_ms;
}

/* Tokens earned since the last look, up to the burst. */
static void refill(brook_quota *q, int64_t now_ms)
{
    if (now_ms > q->now_ms) {
        q->tokens += (double)q->rate * (double)(now_ms - q->now_ms) / 1000.0;
        if (q->tokens > burst(q))
            q->tokens = burst(q);
    }
    q->now_ms = now_ms > q->now_ms ? now_ms : q->now_ms;
}

int64_t brook_quota_available(brook_quota *q, int64_t now_ms)
{
    if (!brook_quota_limited(q))
        return INT64_MAX;
    refill(q, now_ms);
    return q->tokens >= 1 ? (int64_t)q->tokens : 0;
}

void brook_quota_spend(brook_quota *q, int64_t bytes, int64_t now_ms)
{
    if (!brook_quota_limited(q))
        return;
    refill(q, now_ms);
    q->tokens -= (double)bytes;
}

int64_t brook_quota_wait_ms(brook_quota *q, int64_t now_ms)
{
    if (brook_quota_available(q, now_ms) > 0)
        return 0;
    /* until a whole byte is earned again */
    double short_by = 1.0 - q->tokens;
    int64_t ms = (int64_t)(short_by * 1000.0 / (double)q->rate) + 1;
    return ms > 1000 * 3600 ? 1000 * 3600 : ms;
}

int brook_quota_full(brook_quota *q, int64_t now_ms)
{
    if (!brook_quota_limited(q))
        return 1;
    refill(q, now_ms);
    return q->tokens >= burst(q);
}
