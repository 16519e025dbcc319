// The Redis side of NoteStore.append, one Lua script for a batch of notes: Redis runs a script
// atomically, so for each note in turn "make room, read the notes at the location, add the note" is
// one step for every server sharing the Redis, and the notes of a batch take effect in its order.
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
// The script reaches the location lists by name (from the batch, and from the order set when it
// evicts), so it needs a standalone Redis (or a primary with replicas), not Redis Cluster.
//
// The batch is one argument, the notes one after the other, each "LAT,LNG SIZE FMESSAGE": the
// location, a space, the message's size in bytes, a space, F (as in the entries) and the message.
// One argument rather than two per note: ioredis builds the command of a batch of 64 in 150 ns a
// note instead of 400.

/**
 * KEYS: the order set, the stats hash.
 * ARGV: maxNotes, maxNoteBytes, maxNotesPerLocation, the prefix of the location lists
 * (`PREFIX notes:`), the batch.
 * Returns one reply per note, in batch order — the entries stored at its location before it, oldest
 * first — then { notes dropped past maxNotes, past maxNoteBytes, past maxNotesPerLocation, notes
 * larger than maxNoteBytes on their own (not stored) }.
 */
export const APPEND_SCRIPT = `
local order, stats = KEYS[1], KEYS[2]
local maxNotes, maxBytes, maxHere = tonumber(ARGV[1]), tonumber(ARGV[2]), tonumber(ARGV[3])
local listPrefix, batch = ARGV[4], ARGV[5]
local droppedNotes, droppedBytes, droppedHere, tooLarge = 0, 0, 0, 0
local kept = redis.call('HMGET', stats, 'seq', 'bytes')
local seq, bytes = tonumber(kept[1] or '0'), tonumber(kept[2] or '0')
local count = redis.call('ZCARD', order)
local replies = {}

-- The order set's new members, added with one ZADD before the set is next read, and at the end.
local added = {}
local function addToOrder()
  if #added > 0 then
    redis.call('ZADD', order, unpack(added))
    added = {}
  end
end

-- The sequence number and the message size of an entry "SEQ F MESSAGE".
local function split(entry)
  local space = string.find(entry, ' ', 1, true)
  return string.sub(entry, 1, space - 1), #entry - space - 1
end

local at, i = 1, 0
while at <= #batch do
  -- The next note of the batch: its list, its message's size, and "FMESSAGE".
  local afterLocation = string.find(batch, ' ', at, true)
  local afterSize = string.find(batch, ' ', afterLocation + 1, true)
  local list = listPrefix .. string.sub(batch, at, afterLocation - 1)
  local size = tonumber(string.sub(batch, afterLocation + 1, afterSize - 1))
  local note = string.sub(batch, afterSize + 1, afterSize + 1 + size)
  at = afterSize + 2 + size
  i = i + 1

  if size > maxBytes then
    replies[i] = redis.call('LRANGE', list, 0, -1)
    tooLarge = tooLarge + 1
  else
    -- The note goes at the end of its location's list first: the length says how many were there
    -- before it (and whether there is anything to read).
    seq = seq + 1
    local entrySeq = string.format('%d', seq)
    local here = redis.call('RPUSH', list, entrySeq .. ' ' .. note) - 1

    -- Make room, oldest first: at this location (LTRIM), then anywhere (the order set's first
    -- member, never this note: it joins the set below).
    if here >= maxHere then
      addToOrder()
      local excess = here - maxHere + 1
      for _, entry in ipairs(redis.call('LRANGE', list, 0, excess - 1)) do
        local entrySeqHere, entrySize = split(entry)
        redis.call('ZREM', order, entrySeqHere .. ' ' .. list)
        bytes = bytes - entrySize
      end
      redis.call('LTRIM', list, excess, -1)
      here = here - excess
      count = count - excess
      droppedHere = droppedHere + excess
    end
    while count >= maxNotes or (count > 0 and bytes + size > maxBytes) do
      addToOrder()
      local oldest = redis.call('ZPOPMIN', order)
      local space = string.find(oldest[1], ' ', 1, true)
      local oldestList = string.sub(oldest[1], space + 1)
      local entry = redis.call('LPOP', oldestList)
      if entry then
        local _, entrySize = split(entry)
        bytes = bytes - entrySize
        if oldestList == list then here = here - 1 end
      end
      if count >= maxNotes then droppedNotes = droppedNotes + 1 else droppedBytes = droppedBytes + 1 end
      count = count - 1
    end
    if count == 0 then bytes = 0 end

    replies[i] = here > 0 and redis.call('LRANGE', list, 0, here - 1) or {}
    added[#added + 1] = seq
    added[#added + 1] = entrySeq .. ' ' .. list
    bytes = bytes + size
    count = count + 1
  end
end
addToOrder()
redis.call('HSET', stats, 'seq', string.format('%d', seq), 'bytes', string.format('%d', bytes))
replies[#replies + 1] = {droppedNotes, droppedBytes, droppedHere, tooLarge}
return replies
`;
