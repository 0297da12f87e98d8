import { createHash } from 'node:crypto';

/**
 * The one Lua script behind every state change of a RedisWaitGroup: an atomic step, one round
 * trip. User text (names, labels, workers) only ever travels as ARGV data, never as source.
 *
 * KEYS: 1 state hash, 2 tasks hash (id -> JSON record), 3 leases zset (id -> deadline ms),
 *       4 lost hash (round -> JSON array of lost tasks), 5 done zset (id -> round).
 * ARGV: 1 epoch the caller knows ('' = none yet), 2 ttl ms (0 = none), 3 channel, 4 nonce for a
 *       new epoch, 5 op, 6 the server's run_id as the caller last learned it ('' = verify now),
 *       7... op arguments.
 *
 * State hash fields: e epoch, g round (generation), u plain units, n tasks in flight,
 * q last task id (the fencing token), r run_id of the server that wrote last, L lost marker.
 *
 * A verifying call (ARGV[7] = '', or a run_id that differs from the state's) asks the server for
 * its run_id (INFO, about half the cost of the script) and checks the ACL; the reply then ends
 * with 'run:<run_id>', which the caller passes on later calls instead.
 *
 * Replies: {'ok', epoch, round, counter, ...}, {'none'} (never created), {'lost', reason},
 * {'neg', counter}, {'ovf', counter}, {'dup', epoch, round, counter}, {'lease', epoch, round, counter}.
 */
export const SCRIPT = `
local S, T, L, X, D = KEYS[1], KEYS[2], KEYS[3], KEYS[4], KEYS[5]
local known, ttl, channel, nonce, op, run = ARGV[1], tonumber(ARGV[2]), ARGV[3], ARGV[4], ARGV[5], ARGV[6]
local MAX = 2147483647
local verified = false
local aof
-- The server's run_id changes with every restart: a state written by another run was loaded
-- from disk, and only an AOF is trusted to be complete.
local function verify()
  if verified then return end
  verified = true
  local info = redis.call('INFO', 'server', 'persistence')
  run = string.match(info, 'run_id:(%w+)')
  aof = string.match(info, 'aof_enabled:(%d)')
  if not redis.acl_check_cmd('SPUBLISH', channel, '') then
    return redis.error_reply('NOPERM waitgroups: this Redis user may not publish to the channel ' .. channel .. ': grant it with an ACL channel rule such as &' .. channel .. ' (see the README, "Across machines")')
  end
end
local clock = redis.call('TIME')
local now = tonumber(clock[1]) * 1000 + math.floor(tonumber(clock[2]) / 1000)
local st = redis.call('HMGET', S, 'e', 'g', 'u', 'n', 'q', 'r', 'L')
local epoch, g, u, n, q = st[1], tonumber(st[2]), tonumber(st[3]), tonumber(st[4]), tonumber(st[5])

local function check()
  if run == '' then
    local denied = verify()
    if denied then return denied end
  end
  if not epoch then
    if known ~= '' then return {'lost', 'gone'} end
    if op == 'read' or op == 'inspect' then return {'none'} end
    return verify()
  end
  if known ~= '' and known ~= epoch then return {'lost', 'replaced'} end
  if st[7] then return {'lost', st[7]} end
  if st[6] ~= run then
    local denied = verify()
    if denied then return denied end
    if st[6] ~= run then
      if aof ~= '1' then
        redis.call('HSET', S, 'L', 'rollback')
        redis.call('SPUBLISH', channel, epoch .. '|' .. g .. '|lost')
        return {'lost', 'rollback'}
      end
      redis.call('HSET', S, 'r', run)
    end
  end
end

local function touch()
  if ttl > 0 then
    for i = 1, 5 do redis.call('PEXPIRE', KEYS[i], ttl) end
  end
end

local function create()
  redis.call('DEL', T, L, X, D)
  epoch = clock[1] .. '.' .. clock[2] .. '.' .. nonce
  g, u, n, q = 1, 0, 0, 0
  redis.call('HSET', S, 'e', epoch, 'g', 1, 'u', 0, 'n', 0, 'q', 0, 'r', run)
end

local function endRound()
  local failed = redis.call('HEXISTS', X, tostring(g)) == 1
  redis.call('SPUBLISH', channel, epoch .. '|' .. g .. (failed and '|fail' or '|end'))
  g = g + 1
  redis.call('HSET', S, 'g', g)
  redis.call('HDEL', X, tostring(g - 1024))
  redis.call('ZREMRANGEBYSCORE', D, '-inf', g - 3)
end

-- Nothing in Redis fires on expiry: every call reaps the leases that are due.
local function reap()
  local due = redis.call('ZRANGEBYSCORE', L, '-inf', now)
  if #due == 0 then return end
  local lost = redis.call('HGET', X, tostring(g))
  lost = lost and cjson.decode(lost) or {}
  for _, id in ipairs(due) do
    local rec = redis.call('HGET', T, id)
    redis.call('HDEL', T, id)
    redis.call('ZREM', L, id)
    if rec then
      local task = cjson.decode(rec)
      task.id = tonumber(id)
      task.lostAt = now
      lost[#lost + 1] = task
      n = n - 1
    end
  end
  redis.call('HSET', X, tostring(g), cjson.encode(lost))
  redis.call('HSET', S, 'n', n)
  redis.call('SPUBLISH', channel, epoch .. '|' .. g .. '|lost')
  if u + n == 0 then endRound() end
  touch()
end

local function main()
  local stop = check()
  if stop then return stop end
  if epoch then reap() end

  if op == 'add' then
    local delta = tonumber(ARGV[7])
    local count = (u or 0) + (n or 0)
    if delta == 0 then
      if not epoch then return {'none'} end
      return {'ok', epoch, g, count}
    end
    if delta > 0 and count + delta > MAX then return {'ovf', count} end
    if (u or 0) + delta < 0 then return {'neg', count} end
    if not epoch then create() end
    u = u + delta
    redis.call('HSET', S, 'u', u)
    if u + n == 0 then endRound() end
    touch()
    return {'ok', epoch, g, u + n}
  elseif op == 'task' then
    local lease, label, worker = tonumber(ARGV[7]), ARGV[8], ARGV[9]
    local count = (u or 0) + (n or 0)
    if count + 1 > MAX then return {'ovf', count} end
    if not epoch then create() end
    q, n = q + 1, n + 1
    local deadline = now + lease
    redis.call('HSET', T, q, cjson.encode({label = label, worker = worker, round = g, started = now, deadline = deadline}))
    redis.call('ZADD', L, deadline, q)
    redis.call('HSET', S, 'q', q, 'n', n)
    touch()
    return {'ok', epoch, g, u + n, q, deadline}
  elseif op == 'renew' or op == 'done' then
    local id = ARGV[7]
    local rec = redis.call('HGET', T, id)
    if not rec then
      if op == 'done' and redis.call('ZSCORE', D, id) then return {'dup', epoch, g, u + n} end
      return {'lease', epoch, g, u + n}
    end
    if op == 'renew' then
      local task = cjson.decode(rec)
      task.deadline = now + tonumber(ARGV[8])
      redis.call('HSET', T, id, cjson.encode(task))
      redis.call('ZADD', L, task.deadline, id)
      touch()
      return {'ok', epoch, g, u + n, task.deadline}
    end
    redis.call('HDEL', T, id)
    redis.call('ZREM', L, id)
    redis.call('ZADD', D, g, id)
    n = n - 1
    redis.call('HSET', S, 'n', n)
    if u + n == 0 then endRound() end
    touch()
    return {'ok', epoch, g, u + n}
  elseif op == 'read' then
    local round = ARGV[7] == '' and g or tonumber(ARGV[7])
    local nxt = redis.call('ZRANGE', L, 0, 0, 'WITHSCORES')
    return {'ok', epoch, g, u + n, redis.call('HGET', X, tostring(round)) or '', nxt[2] and (tonumber(nxt[2]) - now) or -1}
  elseif op == 'inspect' then
    return {'ok', epoch, g, u + n, u, redis.call('HVALS', T), redis.call('HKEYS', T),
      redis.call('HGET', X, tostring(g)) or '', redis.call('HGET', X, tostring(g - 1)) or '', now}
  end
  return redis.error_reply('ERR waitgroups: unknown operation')
end

local reply = main()
if verified and not reply.err then reply[#reply + 1] = 'run:' .. run end
return reply
`;

/** The script's SHA1, for EVALSHA. */
export const SCRIPT_SHA = createHash('sha1').update(SCRIPT).digest('hex');
