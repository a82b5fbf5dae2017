"""The Lua side of :class:`~exchangekit.ratelimit.RedisBackend`: one script, run atomically by
Redis, that keeps every pool's accounting exactly as :mod:`exchangekit.ratelimit.pools` does
in memory (same arithmetic, same order of float operations, so both backends agree).

Calling convention (all numbers travel as strings, ``%.17g`` so a float survives the trip):

- ``KEYS[1]``: the ban key; then, per pool ``i`` (1-based), ``KEYS[2i]`` its state hash and
  ``KEYS[2i+1]`` its ledger list (``"<time> <weight>"`` entries, oldest first).
- ``ARGV[1]``: the operation: ``acquire``, ``refund``, ``sync``, ``pause``, ``ban``,
  ``register`` or ``usage``.
- ``ARGV[2]``, ``ARGV[3]``: the time (seconds, milliseconds since the epoch); ``ARGV[2]`` empty
  means "read Redis ``TIME``", so every host charging the pool agrees on the clock.
- ``ARGV[4]``, ``ARGV[5]``: two operation arguments (see each operation).
- ``ARGV[6]``: the number of pools ``n``; then 7 fields per pool: kind, limit, window_s (its
  ``repr``), window in ms, drain rate, ledger horizon, decay_per_s (its ``repr``, or empty).
- Then, for ``acquire`` and ``refund``: the costs, as pairs (1-based pool index, weight).

Every operation answers ``{wait, now, banned_until, used_1, paused_until_1, ...}``.
"""

from __future__ import annotations

__all__ = ["SCRIPT"]

SCRIPT = r"""
local NEG = -1e300
local LEDGER_S = 60.0
local EPS = 1e-9
local KEEP_S = 60.0
local CHUNK = 64

local function fmt(x) return string.format('%.17g', x) end

local op = ARGV[1]
local now, now_ms
if ARGV[2] == '' then
  local t = redis.call('TIME')
  local sec, usec = tonumber(t[1]), tonumber(t[2])
  now = sec + usec / 1e6
  now_ms = sec * 1000 + math.floor(usec / 1000)
else
  now = tonumber(ARGV[2])
  now_ms = tonumber(ARGV[3])
end

-- The ledger list ----------------------------------------------------------------------

local function parse(e)
  local a, b = string.match(e, '^(%S+) (%S+)$')
  return tonumber(a), tonumber(b)
end

local function head(s)
  local e = redis.call('LINDEX', s.lkey, 0)
  if not e then return nil end
  return parse(e)
end

local function push(s, at, w) redis.call('RPUSH', s.lkey, fmt(at) .. ' ' .. fmt(w)) end

-- Visit entries oldest first, CHUNK at a time, until ``visit(index, at, weight)`` is true.
local function scan(s, visit)
  local from = 0
  while true do
    local entries = redis.call('LRANGE', s.lkey, from, from + CHUNK - 1)
    for i, e in ipairs(entries) do
      local at, w = parse(e)
      if visit(from + i - 1, at, w) then return true end
    end
    if #entries < CHUNK then return false end
    from = from + CHUNK
  end
end

local function prune(s, horizon)
  while true do
    local at = head(s)
    if at == nil or not (at + horizon < now) then break end
    redis.call('LPOP', s.lkey)
  end
  s.cs = now - horizon
end

-- Pool kinds (mirrors pools.py: FixedWindow, SlidingWindow, Leaky) ------------------------

local function roll(s)
  local start_ms = now_ms - math.fmod(now_ms, s.wms)
  if start_ms + s.wms > s.e then
    s.e = start_ms + s.wms
    s.st = now - (now_ms - start_ms) / 1000
    s.u = 0.0
    redis.call('DEL', s.lkey)
    s.cs = NEG
  end
end

local function expire(s)
  while true do
    local at, w = head(s)
    if at == nil or not (at + s.wsec <= now) then break end
    s.u = s.u - w
    redis.call('LPOP', s.lkey)
  end
  if redis.call('LLEN', s.lkey) == 0 then s.u = 0.0 end
end

local function drain(s)
  if now > s.last then
    if s.lv ~= 0 then s.lv = math.max(0.0, s.lv - (now - s.last) * s.rate) end
    s.last = now
  end
end

local function wait(s, w)
  local room = 0.0
  if s.k == 'fixed_window' then
    if now_ms >= s.e then roll(s) end
    if not (s.u + w <= s.lim) then room = (s.e - now_ms) / 1000 end
  elseif s.k == 'sliding_window' then
    expire(s)
    local excess = s.u + w - s.lim
    if excess > 0 then
      room = math.huge
      local freed = 0.0
      scan(s, function(_, at, charged)
        freed = freed + charged
        if freed >= excess then
          room = at + s.wsec - now
          return true
        end
        return false
      end)
    end
  else
    drain(s)
    local excess = s.lv + w - s.lim
    if excess > EPS then room = excess / s.rate end
  end
  return math.max(room, s.pu - now, 0.0)
end

local function take(s, w)
  if s.k == 'fixed_window' then
    if now_ms >= s.e then roll(s) end
    if s.u + w <= s.lim and now >= s.pu then
      if w ~= 0 then
        s.u = s.u + w
        push(s, now, w)
        local at = head(s)
        if at + LEDGER_S < now then prune(s, LEDGER_S) end
      end
      return 0.0
    end
  elseif s.k == 'sliding_window' then
    local at = head(s)
    if at ~= nil and at + s.wsec <= now then expire(s) end
    if s.u + w <= s.lim and now >= s.pu then
      if w ~= 0 then
        s.u = s.u + w
        push(s, now, w)
      end
      return 0.0
    end
  else
    local level = s.lv
    if now > s.last then
      if level ~= 0 then
        level = level - (now - s.last) * s.rate
        if level < 0.0 then level = 0.0 end
        s.lv = level
      end
      s.last = now
    end
    if level + w <= s.lim + EPS and now >= s.pu then
      if w ~= 0 then
        s.lv = level + w
        push(s, now, w)
        local at = head(s)
        if at + s.hz < now then prune(s, s.hz) end
      end
      return 0.0
    end
  end
  return wait(s, w)
end

local function untake(s, w)
  if w == 0 then return end
  local e = redis.call('RPOP', s.lkey)
  if s.k == 'fixed_window' then
    s.u = s.u - w
  elseif s.k == 'sliding_window' then
    local _, charged = parse(e)
    s.u = s.u - charged
  else
    s.lv = math.max(0.0, s.lv - w)
  end
end

local function used(s)
  if s.k == 'fixed_window' then
    if now_ms >= s.e then roll(s) end
    return s.u
  elseif s.k == 'sliding_window' then
    expire(s)
    return s.u
  end
  drain(s)
  return s.lv
end

local function set_used(s, target, current)
  if s.k == 'sliding_window' then
    if target > current then
      push(s, now, target - current)
    else
      local surplus = current - target
      while surplus > 0 do
        local at, charged = head(s)
        if at == nil then break end
        if charged > surplus then
          redis.call('LSET', s.lkey, 0, fmt(at) .. ' ' .. fmt(charged - surplus))
          break
        end
        redis.call('LPOP', s.lkey)
        surplus = surplus - charged
      end
    end
    s.u = target
  elseif s.k == 'fixed_window' then
    s.u = target
  else
    s.lv = target
  end
end

local function window_start(s)
  if s.k == 'fixed_window' then return s.st end
  return NEG
end

local function charged_since(s, since)
  -- Newest first, CHUNK at a time: a report usually concerns the last few charges.
  local total, stop = 0.0, -1
  while true do
    local entries = redis.call('LRANGE', s.lkey, stop - CHUNK + 1, stop)
    for i = #entries, 1, -1 do
      local at, w = parse(entries[i])
      if at < since then return total end
      total = total + w
    end
    if #entries < CHUNK then return total end
    stop = stop - CHUNK
  end
end

local function sync(s, reported, sent_at)
  local current = used(s)
  if sent_at ~= nil and sent_at < window_start(s) then return end
  local target
  if sent_at == nil or sent_at < s.cs then
    target = math.max(current, reported)
  else
    target = reported + charged_since(s, sent_at)
    if sent_at < s.sa then
      target = math.max(current, target)
    else
      s.sa = sent_at
    end
  end
  if target ~= current then set_used(s, math.max(target, 0.0), current) end
end

local function refund(s, w, since)
  if w <= 0 then return end
  local current = used(s)
  scan(s, function(index, at, charged)
    if at >= since and charged == w then
      redis.call('LSET', s.lkey, index, '-')
      redis.call('LREM', s.lkey, 1, '-')
      if s.k == 'sliding_window' then
        s.u = math.max(current - w, 0.0)
      else
        set_used(s, math.max(current - w, 0.0), current)
      end
      return true
    end
    return false
  end)
end

local function peek(s)
  -- Usage now, without touching the state (the report must not change the accounting).
  if s.k == 'fixed_window' then
    if now_ms >= s.e then return 0.0 end
    return s.u
  elseif s.k == 'sliding_window' then
    local u, from = s.u, 0
    while true do
      local entries = redis.call('LRANGE', s.lkey, from, from + CHUNK - 1)
      if #entries == 0 then return 0.0 end
      for _, e in ipairs(entries) do
        local at, w = parse(e)
        if not (at + s.wsec <= now) then return u end
        u = u - w
      end
      if #entries < CHUNK then return 0.0 end
      from = from + CHUNK
    end
  end
  if now > s.last and s.lv ~= 0 then return math.max(0.0, s.lv - (now - s.last) * s.rate) end
  return s.lv
end

-- Loading, adopting a definition, saving ------------------------------------------------

local FIELDS = {'k', 'win', 'dec', 'lim', 'pu', 'cs', 'sa', 'u', 'e', 'st', 'wms', 'wsec',
                'lv', 'last', 'rate', 'hz'}

local function fresh(s, d)
  s.k, s.win, s.dec, s.lim = d.kind, d.win, d.dec, d.limit
  s.pu, s.cs, s.sa = NEG, NEG, NEG
  s.u, s.e, s.st, s.wms, s.wsec, s.lv, s.last, s.rate, s.hz = 0.0, 0, 0, 0, 0, 0.0, NEG, 0, 0
  if d.kind == 'fixed_window' then
    s.wms, s.e, s.st = d.wms, -4611686018427387904, NEG
  elseif d.kind == 'sliding_window' then
    s.wsec = tonumber(d.win)
  else
    s.rate, s.hz = d.rate, d.hz
  end
  redis.call('DEL', s.lkey)
end

local function load(i, base)
  local d = {kind = ARGV[base], limit = tonumber(ARGV[base + 1]), win = ARGV[base + 2],
             wms = tonumber(ARGV[base + 3]), rate = tonumber(ARGV[base + 4]),
             hz = tonumber(ARGV[base + 5]), dec = ARGV[base + 6]}
  local s = {skey = KEYS[2 * i], lkey = KEYS[2 * i + 1]}
  local h = redis.call('HGETALL', s.skey)
  if #h == 0 then
    fresh(s, d)
    return s
  end
  for j = 1, #h, 2 do
    local f = h[j]
    if f == 'k' or f == 'win' or f == 'dec' then s[f] = h[j + 1] else s[f] = tonumber(h[j + 1]) end
  end
  if s.k == d.kind and s.win == d.win and s.dec == d.dec then
    s.lim = d.limit
  else
    -- The pool changed shape: a new count that remembers the usage and the pause.
    local spent, held = used(s), s.pu
    fresh(s, d)
    sync(s, spent, nil)
    s.pu = math.max(s.pu, held)
  end
  return s
end

local function save(s)
  local args = {}
  for _, f in ipairs(FIELDS) do
    local v = s[f]
    if type(v) == 'number' then v = fmt(v) end
    args[#args + 1] = f
    args[#args + 1] = v
  end
  redis.call('HSET', s.skey, unpack(args))
  -- Keep the keys while they can still matter: the longest span a charge counts, plus any
  -- pause still running, plus a margin. An abandoned budget then disappears by itself.
  local span = math.max(s.wms / 1000, s.wsec, s.hz, LEDGER_S)
  local ttl = math.ceil((span + math.max(s.pu - now, 0.0) + KEEP_S) * 1000)
  ttl = math.min(ttl, 400 * 86400000)
  redis.call('PEXPIRE', s.skey, ttl)
  redis.call('PEXPIRE', s.lkey, ttl)
end

-- The operation -------------------------------------------------------------------------

local banned = tonumber(redis.call('GET', KEYS[1]) or NEG)
local n = tonumber(ARGV[6])
local states = {}
for i = 1, n do states[i] = load(i, 7 + (i - 1) * 7) end
local cbase = 7 + n * 7
local costs = {}
for j = cbase, #ARGV, 2 do costs[#costs + 1] = {tonumber(ARGV[j]), tonumber(ARGV[j + 1])} end

local result = 0.0
if op == 'acquire' then
  if now < banned then
    result = banned - now
  else
    for idx, c in ipairs(costs) do
      local w = take(states[c[1]], c[2])
      if w ~= 0 then
        for back = idx - 1, 1, -1 do untake(states[costs[back][1]], costs[back][2]) end
        for rest = idx + 1, #costs do
          w = math.max(w, wait(states[costs[rest][1]], costs[rest][2]))
        end
        result = w
        break
      end
    end
  end
elseif op == 'refund' then
  local since = tonumber(ARGV[4])
  for _, c in ipairs(costs) do refund(states[c[1]], c[2], since) end
elseif op == 'sync' then
  local sent_at = nil
  if ARGV[5] ~= '' then sent_at = tonumber(ARGV[5]) end
  sync(states[1], tonumber(ARGV[4]), sent_at)
elseif op == 'pause' then
  local untill = now + math.max(tonumber(ARGV[4]), 0.0)
  for i = 1, n do states[i].pu = math.max(states[i].pu, untill) end
elseif op == 'ban' then
  local untill = now + math.max(tonumber(ARGV[4]), 0.0)
  if untill > banned then
    banned = untill
    redis.call('SET', KEYS[1], fmt(banned), 'PX',
               math.min(math.ceil((untill - now + KEEP_S) * 1000), 400 * 86400000))
  end
end

local out = {fmt(result), fmt(now), fmt(banned)}
for i = 1, n do
  local s = states[i]
  out[#out + 1] = fmt(peek(s))
  out[#out + 1] = fmt(s.pu)
  save(s)
end
return out
"""
