// The Redis side of NoteStore.append, one Lua script: Redis runs a script atomically, so "make room,
// read the notes at the location, add the note" is one step for every server sharing the Redis.
//
// Keys (PREFIX is the store's key prefix, `routeguide:` by default):
//   PREFIX notes:LAT,LNG  a list per location, oldest note first; each entry is
//                         "SEQ F MESSAGE" without the spaces around F: the sequence number, a space,
//                         F = 1 (the note came with a location) or 0 (without), then the message bytes
//   PREFIX order          a sorted set of every kept note, scored by SEQ, member "SEQ LISTKEY": the
//                         oldest note anywhere is its first member
//   PREFIX stats          a hash: `seq` (last sequence number given), `bytes` (message bytes kept)
//
// The bounds are those of the server that appends (servers sharing a Redis should use the same).
// The eviction touches lists of other locations than the one appended to, so the script needs a
// standalone Redis (or a primary with replicas), not Redis Cluster.

export const APPEND_SCRIPT_KEYS = 3;

/**
 * KEYS: the location's list, the order set, the stats hash.
 * ARGV: the note ("1" or "0", then the message), maxNotes, maxNoteBytes, maxNotesPerLocation.
 * Returns { the entries stored at the location before the note, oldest first; then notes dropped
 * past maxNotes, past maxNoteBytes, past maxNotesPerLocation, and 1 if the note itself was larger
 * than maxNoteBytes (it is not stored then) }.
 */
export const APPEND_SCRIPT = `
local list, order, stats = KEYS[1], KEYS[2], KEYS[3]
local size = #ARGV[1] - 1
local maxNotes, maxBytes, maxHere = tonumber(ARGV[2]), tonumber(ARGV[3]), tonumber(ARGV[4])
local droppedNotes, droppedBytes, droppedHere = 0, 0, 0

local function split(entry)
  local space = string.find(entry, ' ', 1, true)
  return string.sub(entry, 1, space - 1), #entry - space - 1
end

if size > maxBytes then
  return {redis.call('LRANGE', list, 0, -1), 0, 0, 0, 1}
end

local bytes = tonumber(redis.call('HGET', stats, 'bytes') or '0')

-- Make room, oldest first: at this location (LTRIM), then anywhere (the order set's first member).
local here = redis.call('LLEN', list)
if here >= maxHere then
  local excess = here - maxHere + 1
  for _, entry in ipairs(redis.call('LRANGE', list, 0, excess - 1)) do
    local seq, entrySize = split(entry)
    redis.call('ZREM', order, seq .. ' ' .. list)
    bytes = bytes - entrySize
  end
  redis.call('LTRIM', list, excess, -1)
  droppedHere = excess
end

local count = redis.call('ZCARD', order)
while count >= maxNotes or (count > 0 and bytes + size > maxBytes) do
  local oldest = redis.call('ZPOPMIN', order)
  local space = string.find(oldest[1], ' ', 1, true)
  local entry = redis.call('LPOP', string.sub(oldest[1], space + 1))
  if entry then
    local _, entrySize = split(entry)
    bytes = bytes - entrySize
  end
  if count >= maxNotes then droppedNotes = droppedNotes + 1 else droppedBytes = droppedBytes + 1 end
  count = count - 1
end
if count == 0 then bytes = 0 end

local earlier = redis.call('LRANGE', list, 0, -1)
local seq = redis.call('HINCRBY', stats, 'seq', 1)
redis.call('RPUSH', list, seq .. ' ' .. ARGV[1])
redis.call('ZADD', order, seq, seq .. ' ' .. list)
redis.call('HSET', stats, 'bytes', bytes + size)
return {earlier, droppedNotes, droppedBytes, droppedHere, 0}
`;
