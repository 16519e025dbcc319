// The Redis side of NoteStore.append, one Lua script for a batch of notes: Redis runs a script
// atomically, so for each note in turn "make room, read the notes at the location, add the note" is
// one step for every server sharing the Redis, and the notes of a batch take effect in its order.
//
// Keys (PREFIX is the store's key prefix, `routeguide:` by default):
//   PREFIX notes:LAT,LNG  a string per location: "COUNT " (how many notes it holds, a space), then
//                         its notes, oldest first, each "SEQ SIZE F" and the message right after F:
//                         the sequence number, a space, the message's size in bytes, a space,
//                         F = 1 (the note came with a location) or 0 (without), the message bytes
//   PREFIX order          a list with an entry "SEQ LAT,LNG" per note, oldest first, so that its
//   PREFIX order:kept     first live entry is the oldest note anywhere; `order:kept` (when it
//                         exists) comes before `order` (see "Stale entries")
//   PREFIX stats          a hash: `seq` (last sequence number given), `bytes` (message bytes kept),
//                         `count` (notes kept), `stale` (entries of the order lists whose note is gone)
//
// A location is one string rather than a list so that a note costs Redis two commands (GET, SET)
// and its answer is that string as it is: the script neither splits nor joins entries unless it
// drops some. The order is a list rather than a sorted set so that a batch adds to it with one
// RPUSH: a note's member of a sorted set cost redis-server about 2 µs of its 5 per note (bench row
// (k)).
//
// Stale entries: a note dropped by --max-notes-per-location keeps its entry in the order list (a
// list cannot remove from its middle cheaply). An entry is live while its SEQ is the first one at
// its location — the notes of a location go oldest first, whichever bound drops them — and stale
// otherwise; taking the oldest note skips stale entries. So that they do not pile up behind a
// long-lived note at the head, each batch, while stale entries outnumber the notes kept, moves a
// few entries from the head of `order` to the tail of `order:kept` (live ones; stale ones go), and
// once `order` is empty `order:kept` becomes `order`: the lists hold at most about twice the notes
// kept.
//
// The bounds are those of the server that appends (servers sharing a Redis should use the same).
// The script reaches the location strings by name (from the batch, and from the order list when it
// evicts), so it needs a standalone Redis (or a primary with replicas), not Redis Cluster.
//
// The batch is one argument, the notes one after the other, each "LAT,LNG SIZE FMESSAGE": the
// location, a space, the message's size in bytes, a space, F (as in the entries) and the message.
// One argument rather than two per note: ioredis builds the command of a batch of 64 in 150 ns a
// note instead of 400.

/**
 * KEYS: the order list, the list of older order entries (`order:kept`), the stats hash.
 * ARGV: maxNotes, maxNoteBytes, maxNotesPerLocation, the prefix of the location strings
 * (`PREFIX notes:`), the batch.
 * Returns { the answers, notes dropped past maxNotes, past maxNoteBytes, past maxNotesPerLocation,
 * notes larger than maxNoteBytes on their own (not stored) }. The answers are one string: for each
 * note of the batch in turn, its location's string as it was before the note ("COUNT " and the
 * entries stored there before it, oldest first).
 */
export const APPEND_SCRIPT = `
local order, kept, stats = KEYS[1], KEYS[2], KEYS[3]
local maxNotes, maxBytes, maxHere = tonumber(ARGV[1]), tonumber(ARGV[2]), tonumber(ARGV[3])
local prefix, batch = ARGV[4], ARGV[5]
local droppedNotes, droppedBytes, droppedHere, tooLarge = 0, 0, 0, 0
local saved = redis.call('HMGET', stats, 'seq', 'bytes', 'count', 'stale')
local seq, bytes = tonumber(saved[1] or '0'), tonumber(saved[2] or '0')
local count, stale = tonumber(saved[3] or '0'), tonumber(saved[4] or '0')
local answers = {}

-- The order list's new entries, added with one RPUSH before the list is next read, and at the end.
local added = {}
local function addToOrder()
  if #added > 0 then
    redis.call('RPUSH', order, unpack(added))
    added = {}
  end
end

-- A location's string split: how many notes it holds, and the position of its first entry.
local function header(value)
  local space = string.find(value, ' ', 1, true)
  return tonumber(string.sub(value, 1, space - 1)), space + 1
end

-- The SEQ of the first entry of \`entries\` from \`at\`, or nil when there is none.
local function firstSeq(entries, at)
  local space = string.find(entries, ' ', at, true)
  return space and string.sub(entries, at, space - 1)
end

-- Drops the \`n\` oldest entries of a location's string whose entries begin at \`at\`; returns the
-- entries left.
local function dropOldest(value, at, n)
  for k = 1, n do
    local afterSeq = string.find(value, ' ', at, true)
    local afterSize = string.find(value, ' ', afterSeq + 1, true)
    local size = tonumber(string.sub(value, afterSeq + 1, afterSize - 1))
    bytes = bytes - size
    at = afterSize + 2 + size
  end
  return string.sub(value, at)
end

-- An order entry split: its SEQ and its location.
local function split(entry)
  local space = string.find(entry, ' ', 1, true)
  return string.sub(entry, 1, space - 1), string.sub(entry, space + 1)
end

-- Whether the note of an order entry is still kept at a location other than the current note's.
local function isLive(entrySeq, location)
  local value = redis.call('GET', prefix .. location)
  if not value then return false end
  local _, first = header(value)
  return firstSeq(value, first) == entrySeq
end

-- The location of the oldest note anywhere, its entry taken off the order lists (and the stale
-- entries before it). \`location\` is the current note's, whose first SEQ is \`hereFirst\` (false
-- when it holds nothing): its string in Redis is not up to date yet.
local function takeOldest(location, hereFirst)
  while true do
    local entry = redis.call('LPOP', kept) or redis.call('LPOP', order)
    local entrySeq, entryLocation = split(entry)
    if entryLocation == location then
      if hereFirst == entrySeq then return entryLocation end
    elseif isLive(entrySeq, entryLocation) then
      return entryLocation
    end
    stale = stale - 1
  end
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
    -- Make room, oldest first: at this location (its order entries go stale), then anywhere.
    if here >= maxHere then
      local excess = here - maxHere + 1
      entries = dropOldest(entries, 1, excess)
      here = here - excess
      count = count - excess
      stale = stale + excess
      droppedHere = droppedHere + excess
    end
    while count >= maxNotes or (count > 0 and bytes + size > maxBytes) do
      addToOrder()
      local oldestLocation = takeOldest(location, here > 0 and firstSeq(entries, 1))
      if oldestLocation == location then
        entries = dropOldest(entries, 1, 1)
        here = here - 1
      else
        local oldestKey = prefix .. oldestLocation
        local there = redis.call('GET', oldestKey)
        local left, firstThere = header(there)
        local rest = dropOldest(there, firstThere, 1)
        if left == 1 then
          redis.call('DEL', oldestKey)
        else
          redis.call('SET', oldestKey, (left - 1) .. ' ' .. rest)
        end
      end
      if count >= maxNotes then droppedNotes = droppedNotes + 1 else droppedBytes = droppedBytes + 1 end
      count = count - 1
    end
    if count == 0 then bytes = 0 end

    if here ~= stored then value = here .. ' ' .. entries end
    answers[#answers + 1] = value
    if stored > 0 then redis.call('SET', key, (here + 1) .. ' ' .. entries .. entry) end
    added[#added + 1] = entrySeq .. ' ' .. location
    bytes = bytes + size
    count = count + 1
  end
end
addToOrder()

-- Stale entries outnumber the notes kept: move a few from the head of \`order\` to \`kept\` (twice
-- as many as the batch's notes, so that they go faster than they come).
local steps = 2 * #answers
while stale > count and steps > 0 do
  local entry = redis.call('LPOP', order)
  if not entry then
    if redis.call('EXISTS', kept) == 0 then break end
    redis.call('RENAME', kept, order)
  else
    local entrySeq, entryLocation = split(entry)
    if isLive(entrySeq, entryLocation) then
      redis.call('RPUSH', kept, entry)
    else
      stale = stale - 1
    end
    steps = steps - 1
  end
end

redis.call('HSET', stats, 'seq', string.format('%d', seq), 'bytes', string.format('%d', bytes),
  'count', string.format('%d', count), 'stale', string.format('%d', stale))
return {table.concat(answers), droppedNotes, droppedBytes, droppedHere, tooLarge}
`;
