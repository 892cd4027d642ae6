/**
 * Sliding-window log in one sorted set per key, run atomically by Redis. The clock is Redis's own TIME, so
 * processes on hosts with skewed clocks still share one window. Scores are microseconds.
 *
 * KEYS[1] the window's sorted set; ARGV[1] limit; ARGV[2] window in ms; ARGV[3] a unique member id.
 * Returns {1, now_us} when the start is admitted, {0, wait_us} with the time until the oldest entry leaves.
 */
export const SLIDING_WINDOW_SCRIPT = `
local key = KEYS[1]
local limit = tonumber(ARGV[1])
local window_ms = tonumber(ARGV[2])
local window_us = window_ms * 1000
-- Redis < 5 replicates scripts verbatim and refuses writes after TIME unless effects replication is on.
if redis.replicate_commands then redis.replicate_commands() end
local t = redis.call('TIME')
local now = tonumber(t[1]) * 1000000 + tonumber(t[2])
redis.call('ZREMRANGEBYSCORE', key, '-inf', now - window_us)
if redis.call('ZCARD', key) < limit then
  redis.call('ZADD', key, now, ARGV[3])
  redis.call('PEXPIRE', key, window_ms + 1)
  return {1, now}
end
local oldest = redis.call('ZRANGE', key, 0, 0, 'WITHSCORES')
return {0, tonumber(oldest[2]) + window_us - now}
`;
