// The Redis side of NoteStore.append, one Lua script for a batch of notes: Redis runs a script
// atomically, so for each note in turn "make room, read the notes at the location, add the note" is
// one step for every server sharing the Redis, and the notes of a batch take effect in its order.
//
// Keys (PREFIX is the store's key prefix, `routeguide:` by default):
//   PREFIX notes:LAT,LNG  a string per location: "COUNT " (how many notes it holds, a space), then
//                         its notes, oldest first, each "SEQ SIZE F" and the message right after F:
//                         the sequence number, a space, the message's size in bytes, a space,
//                         F = 1 (the note came with a location) or 0 (without), the message bytes
//   PREFIX order          a sorted set of every kept note, scored by SEQ, member "SEQ LAT,LNG": the
//                         oldest note anywhere is its first member
//   PREFIX stats          a hash: `seq` (last sequence number given), `bytes` (message bytes kept)
//
// A location is one string rather than a list so that a note costs Redis two commands (GET, SET)
// and its answer is that string as it is: the script neither splits nor joins entries unless it
// drops some.
//
// The bounds are those of the server that appends (servers sharing a Redis should use the same).
// The script reaches the location strings by name (from the batch, and from the order set when it
// evicts), so it needs a standalone Redis (or a primary with replicas), not Redis Cluster.
//
// The batch is one argument, the notes one after the other, each "LAT,LNG SIZE FMESSAGE": the
// location, a space, the message's size in bytes, a space, F (as in the entries) and the message.
// One argument rather than two per note: ioredis builds the command of a batch of 64 in 150 ns a
// note instead of 400.

/**
 * KEYS: the order set, the stats hash.
 * ARGV: maxNotes, maxNoteBytes, maxNotesPerLocation, the prefix of the location strings
 * (`PREFIX notes:`), the batch.
 * Returns { the answers, notes dropped past maxNotes, past maxNoteBytes, past maxNotesPerLocation,
 * notes larger than maxNoteBytes on their own (not stored) }. The answers are one string: for each
 * note of the batch in turn, its location's string as it was before the note ("COUNT " and the
 * entries stored there before it, oldest first).
 */
export const APPEND_SCRIPT = `
local order, stats = KEYS[1], KEYS[2]
local maxNotes, maxBytes, maxHere = tonumber(ARGV[1]), tonumber(ARGV[2]), tonumber(ARGV[3])
local prefix, batch = ARGV[4], ARGV[5]
local droppedNotes, droppedBytes, droppedHere, tooLarge = 0, 0, 0, 0
local kept = redis.call('HMGET', stats, 'seq', 'bytes')
local seq, bytes = tonumber(kept[1] or '0'), tonumber(kept[2] or '0')
local count = redis.call('ZCARD', order)
local answers = {}

-- The order set's new members, added with one ZADD before the set is next read, and at the end.
local added = {}
local function addToOrder()
  if #added > 0 then
    redis.call('ZADD', order, unpack(added))
    added = {}
  end
end

-- A location's string split: how many notes it holds, and the position of its first entry.
local function header(value)
  local space = string.find(value, ' ', 1, true)
  return tonumber(string.sub(value, 1, space - 1)), space + 1
end

-- Drops the \`n\` oldest entries of a location's string whose entries begin at \`at\`; returns the
-- entries left, and the SEQ of each dropped one in \`seqs\` (when given).
local function dropOldest(value, at, n, seqs)
  for k = 1, n do
    local afterSeq = string.find(value, ' ', at, true)
    local afterSize = string.find(value, ' ', afterSeq + 1, true)
    local size = tonumber(string.sub(value, afterSeq + 1, afterSize - 1))
    if seqs then seqs[k] = string.sub(value, at, afterSeq - 1) end
    bytes = bytes - size
    at = afterSize + 2 + size
  end
  return string.sub(value, at)
end

local at = 1
while at <= #batch do
  -- The next note of the batch: its location, its message's size, and "SIZE FMESSAGE".
  local afterLocation = string.find(batch, ' ', at, true)
  local afterSize = string.find(batch, ' ', afterLocation + 1, true)
  local location = string.sub(batch, at, afterLocation - 1)
  local size = tonumber(string.sub(batch, afterLocation + 1, afterSize - 1))
  local note = string.sub(batch, afterLocation + 1, afterSize + 1 + size)
  at = afterSize + 2 + size
  local key = prefix .. location

  if size > maxBytes then
    answers[#answers + 1] = redis.call('GET', key) or '0 '
    tooLarge = tooLarge + 1
  else
    seq = seq + 1
    local entrySeq = string.format('%d', seq)
    local entry = entrySeq .. ' ' .. note
    -- A location that holds nothing yet: the note is all it will hold, and nothing is before it.
    local value = redis.call('SET', key, '1 ' .. entry, 'NX') and '0 ' or redis.call('GET', key)
    local here, first = header(value)
    local stored, entries = here, string.sub(value, first)
    -- Make room, oldest first: at this location, then anywhere (the order set's first member).
    if here >= maxHere then
      local excess = here - maxHere + 1
      local seqs = {}
      entries = dropOldest(entries, 1, excess, seqs)
      addToOrder()
      for k = 1, excess do seqs[k] = seqs[k] .. ' ' .. location end
      redis.call('ZREM', order, unpack(seqs))
      here = here - excess
      count = count - excess
      droppedHere = droppedHere + excess
    end
    while count >= maxNotes or (count > 0 and bytes + size > maxBytes) do
      addToOrder()
      local oldest = redis.call('ZPOPMIN', order)
      local oldestLocation = string.sub(oldest[1], string.find(oldest[1], ' ', 1, true) + 1)
      if oldestLocation == location then
        entries = dropOldest(entries, 1, 1)
        here = here - 1
      else
        local oldestKey = prefix .. oldestLocation
        local there = redis.call('GET', oldestKey)
        if there then
          local left, firstThere = header(there)
          local rest = dropOldest(there, firstThere, 1)
          if left == 1 then
            redis.call('DEL', oldestKey)
          else
            redis.call('SET', oldestKey, (left - 1) .. ' ' .. rest)
          end
        end
      end
      if count >= maxNotes then droppedNotes = droppedNotes + 1 else droppedBytes = droppedBytes + 1 end
      count = count - 1
    end
    if count == 0 then bytes = 0 end

    if here ~= stored then value = here .. ' ' .. entries end
    answers[#answers + 1] = value
    if stored > 0 then redis.call('SET', key, (here + 1) .. ' ' .. entries .. entry) end
    added[#added + 1] = seq
    added[#added + 1] = entrySeq .. ' ' .. location
    bytes = bytes + size
    count = count + 1
  end
end
addToOrder()
redis.call('HSET', stats, 'seq', string.format('%d', seq), 'bytes', string.format('%d', bytes))
return {table.concat(answers), droppedNotes, droppedBytes, droppedHere, tooLarge}
`;
