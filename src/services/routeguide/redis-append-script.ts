// The Redis side of NoteStore.append, one Lua script for a batch of notes: Redis runs a script
// atomically, so for each note in turn "make room, read the notes at the location, add the note" is
// one step for every server sharing the Redis, and the notes of a batch take effect in its order.
//
// Keys (PREFIX is the store's key prefix, `routeguide:` by default):
//   PREFIX notes:LAT,LNG  a string per location: "COUNT NEXT " (how many notes it holds, a space,
//                         the SEQ its next note gets, a space), then its notes, oldest first, each
//                         "SEQ SIZE F" and the message right after F: the note's sequence number at
//                         its location (1, 2, …), a space, the message's size in bytes, a space,
//                         F = 1 (the note came with a location) or 0 (without), the message bytes
//   PREFIX order          a list of the notes' entries "SEQ LAT,LNG", oldest first, so that its
//   PREFIX order:kept     first live entry is the oldest note anywhere; each element holds the
//                         entries of one batch (or what is left of them), separated by spaces;
//                         `order:kept` (when it exists) comes before `order` (see "Stale entries")
//   PREFIX stats          a hash: `bytes` (message bytes kept), `count` (notes kept), `stale`
//                         (entries of the order lists whose note is gone), `layout` (2: the layout
//                         described here; notes kept in an older one make the script fail rather
//                         than misread them)
//
// A location is one string so that its answer is that string as it is: the script neither splits
// nor joins entries unless it drops some. SEQ numbers the notes of one location, so that an order
// entry names one note; a location starts again at 1 only once it has emptied, when none of its
// entries is left in the order lists (its last note went as the oldest anywhere, every entry of it
// before that one gone first). The order is a list rather than a sorted set so that a batch adds
// to it with one RPUSH: a note's member of a sorted set cost redis-server about 2 µs of its 5 per
// note (bench row (k)).
//
// SPEED ONLY, what makes a batch cheap for redis-server — together, with the server's side of the
// batch format below, bench rows (k) and (l) from 3.95 to 2.9 and from 4.1 to 3.0 µs of
// redis-server's CPU per note (medians of 10 alternating rounds, each with a new redis-server and
// server as bench/run.mjs starts them, 100,000 notes, on a loaded machine; our server's own CPU per
// note moved by −0.05 to +0.4 µs from one such run to another):
// - The strings a batch touches are read with one MGET before its notes and written with one MSET
//   (and one DEL) after them, the script keeping them in a table meanwhile: a command from a script
//   costs redis-server more than a key it reads or writes does, so a batch costs a few commands
//   whatever its size, not one or two per note.
// - One element of the order list per batch, not one per note, and a number per location for SEQ
//   rather than one for all notes: a note at a new location — most of them in the bench — takes no
//   string built from a number, and a list element is not a note's cost.
// - The batch argument carries lengths in binary (below), read by one call of `struct.unpack` where
//   finding and cutting the parts took six.
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
// The batch is one argument, the notes one after the other, each read with struct.unpack's format
// '>Bc0I4I4c0': the location's length in one byte, the location "LAT,LNG", the message's size in
// bytes (4 bytes, big-endian), the length of the rest (4 bytes, big-endian), and the rest, "SIZE
// FMESSAGE" — the note's entry without its "SEQ ". One argument rather than several per note:
// ioredis builds the command of a batch of 64 in 150 ns a note instead of 400.

/**
 * KEYS: the order list, the list of older order entries (`order:kept`), the stats hash.
 * ARGV: maxNotes, maxNoteBytes, maxNotesPerLocation, the prefix of the location strings
 * (`PREFIX notes:`), the batch.
 * Returns { the answers, notes dropped past maxNotes, past maxNoteBytes, past maxNotesPerLocation,
 * notes larger than maxNoteBytes on their own (not stored) }. The answers are one string: for each
 * note of the batch in turn, its location's string as it was before the note ("COUNT NEXT " and the
 * entries stored there before it, oldest first).
 */
export const APPEND_SCRIPT = `
local order, kept, stats = KEYS[1], KEYS[2], KEYS[3]
local maxNotes, maxBytes, maxHere = tonumber(ARGV[1]), tonumber(ARGV[2]), tonumber(ARGV[3])
local prefix, batch = ARGV[4], ARGV[5]
local droppedNotes, droppedBytes, droppedHere, tooLarge = 0, 0, 0, 0
local saved = redis.call('HMGET', stats, 'bytes', 'count', 'stale', 'layout')
if saved[2] and saved[4] ~= '2' then
  return redis.error_reply('notes stored in an older layout under ' .. prefix ..
    '*: delete them and the other keys of the store, or use another --key-prefix')
end
local bytes, count, stale = tonumber(saved[1] or '0'), tonumber(saved[2] or '0'), tonumber(saved[3] or '0')

-- The notes of the batch: each one's location, message size, and "SIZE FMESSAGE".
local locations, sizes, notes, keys = {}, {}, {}, {}
local n, at = 0, 1
while at <= #batch do
  n = n + 1
  locations[n], sizes[n], notes[n], at = struct.unpack('>Bc0I4I4c0', batch, at)
  keys[n] = prefix .. locations[n]
end

-- The strings of the locations the script has read, by location (false: the location holds
-- nothing), as the script has left them; those it changed are written back at the end.
local values = {}
local read = redis.call('MGET', unpack(keys))
for i = 1, n do values[locations[i]] = read[i] end
local written, emptied, nWritten = {}, {}, 0

local function valueAt(location)
  local value = values[location]
  if value == nil then
    value = redis.call('GET', prefix .. location)
    values[location] = value
  end
  return value
end

-- Gives a location (whose key is \`key\`) its string, or none (false), to be written at the end.
local function setValue(location, key, value)
  values[location] = value
  if value then
    written[nWritten + 1], written[nWritten + 2] = key, value
    nWritten = nWritten + 2
    emptied[location] = nil
  else
    emptied[location] = true
  end
end

-- A location's string split: how many notes it holds, the SEQ its next note gets, and the position
-- of its first entry.
local function header(value)
  local afterHeld = string.find(value, ' ', 1, true)
  local afterNext = string.find(value, ' ', afterHeld + 1, true)
  return tonumber(string.sub(value, 1, afterHeld - 1)), string.sub(value, afterHeld + 1, afterNext - 1),
    afterNext + 1
end

-- Drops the \`dropped\` oldest notes of a location. Emptied, it goes — unless \`keepNext\`: a note is
-- about to be added there, which must not reuse the SEQ of the dropped ones (their entries are
-- still in the order lists).
local function dropOldest(location, dropped, keepNext)
  local value = values[location]
  local held, nextSeq, at = header(value)
  for k = 1, dropped do
    local afterSeq = string.find(value, ' ', at, true)
    local afterSize = string.find(value, ' ', afterSeq + 1, true)
    local size = tonumber(string.sub(value, afterSeq + 1, afterSize - 1))
    bytes = bytes - size
    at = afterSize + 2 + size
  end
  local left = (held > dropped or keepNext) and (held - dropped) .. ' ' .. nextSeq .. ' ' .. string.sub(value, at)
  setValue(location, prefix .. location, left)
  count = count - dropped
end

-- Whether the note of an order entry is still kept: it is its location's first.
local function isLive(entrySeq, location)
  local value = valueAt(location)
  if not value then return false end
  local _, _, first = header(value)
  local afterSeq = string.find(value, ' ', first, true)
  return afterSeq ~= nil and string.sub(value, first, afterSeq - 1) == entrySeq
end

-- The order entry of an element at \`at\`: its SEQ, its location, and where the next one begins.
local function entryAt(element, at)
  local afterSeq = string.find(element, ' ', at, true)
  local afterLocation = string.find(element, ' ', afterSeq + 1, true) or #element + 1
  return string.sub(element, at, afterSeq - 1), string.sub(element, afterSeq + 1, afterLocation - 1),
    afterLocation + 1
end

-- The order list's new entries (SEQ and location, in turn), added as one element before the list
-- is next read, and at the end.
local added, nAdded = {}, 0
local function addToOrder()
  if nAdded > 0 then
    redis.call('RPUSH', order, table.concat(added, ' ', 1, nAdded))
    nAdded = 0
  end
end

-- The element taken off the head of an order list (\`headList\`) whose entries from \`headAt\` on
-- have not been read; what is left of it goes back with putBackHead.
local head, headList, headAt = nil, nil, 1

-- The oldest entry of the order lists, taken off them: its SEQ and its location.
local function takeEntry()
  while head == nil or headAt > #head do
    head, headList, headAt = redis.call('LPOP', kept), kept, 1
    if not head then head, headList = redis.call('LPOP', order), order end
  end
  local entrySeq, location
  entrySeq, location, headAt = entryAt(head, headAt)
  return entrySeq, location
end

local function putBackHead()
  if head ~= nil and headAt <= #head then redis.call('LPUSH', headList, string.sub(head, headAt)) end
  head = nil
end

-- The location of the oldest note anywhere, its entry taken off the order lists (and the stale
-- entries before it).
local function takeOldest()
  while true do
    local entrySeq, entryLocation = takeEntry()
    if isLive(entrySeq, entryLocation) then return entryLocation end
    stale = stale - 1
  end
end

local answers = {}
for i = 1, n do
  local location, size = locations[i], sizes[i]
  local value = values[location]
  if size > maxBytes then
    answers[i] = value or '0 1 '
    tooLarge = tooLarge + 1
  else
    -- Make room, oldest first: at this location (its order entries go stale), then anywhere.
    local held = value and header(value) or 0
    if held >= maxHere then
      local excess = held - maxHere + 1
      dropOldest(location, excess, true)
      stale = stale + excess
      droppedHere = droppedHere + excess
    end
    while count >= maxNotes or (count > 0 and bytes + size > maxBytes) do
      if count >= maxNotes then droppedNotes = droppedNotes + 1 else droppedBytes = droppedBytes + 1 end
      addToOrder()
      dropOldest(takeOldest(), 1, false)
    end
    if count == 0 then bytes = 0 end

    value = values[location]
    local entrySeq
    if value then
      local nextSeq, first
      held, nextSeq, first = header(value)
      entrySeq = nextSeq
      answers[i] = value
      local after = string.format('%d', tonumber(nextSeq) + 1)
      setValue(location, keys[i], (held + 1) .. ' ' .. after .. ' ' .. string.sub(value, first) .. entrySeq .. ' ' .. notes[i])
    else
      -- A location that holds nothing: its first note, SEQ 1 (speed only: one string of constants
      -- and the note, what most notes of bench row (k) cost).
      entrySeq = '1'
      answers[i] = '0 1 '
      setValue(location, keys[i], '1 2 1 ' .. notes[i])
    end
    added[nAdded + 1], added[nAdded + 2] = entrySeq, location
    nAdded = nAdded + 2
    bytes = bytes + size
    count = count + 1
  end
end
addToOrder()
putBackHead()

-- Stale entries outnumber the notes kept: move a few from the head of \`order\` to \`kept\` (twice
-- as many as the batch's notes, so that they go faster than they come).
local steps = 2 * n
while stale > count and steps > 0 do
  local element = redis.call('LPOP', order)
  if not element then
    if redis.call('EXISTS', kept) == 0 then break end
    redis.call('RENAME', kept, order)
  else
    local live, nLive, at = {}, 0, 1
    while at <= #element and steps > 0 do
      local entrySeq, entryLocation, nextAt = entryAt(element, at)
      if isLive(entrySeq, entryLocation) then
        live[nLive + 1], live[nLive + 2] = entrySeq, entryLocation
        nLive = nLive + 2
      else
        stale = stale - 1
      end
      at, steps = nextAt, steps - 1
    end
    if nLive > 0 then redis.call('RPUSH', kept, table.concat(live, ' ', 1, nLive)) end
    if at <= #element then redis.call('LPUSH', order, string.sub(element, at)) end
  end
end

-- The strings the batch changed, written back (a location written twice takes the later value), in
-- commands of at most 1000 arguments (unpack's stack is limited).
local doomed = {}
for location in pairs(emptied) do doomed[#doomed + 1] = prefix .. location end
for i = 1, nWritten, 1000 do redis.call('MSET', unpack(written, i, math.min(i + 999, nWritten))) end
for i = 1, #doomed, 1000 do redis.call('DEL', unpack(doomed, i, math.min(i + 999, #doomed))) end

redis.call('HSET', stats, 'bytes', string.format('%d', bytes), 'count', string.format('%d', count),
  'stale', string.format('%d', stale), 'layout', '2')
return {table.concat(answers), droppedNotes, droppedBytes, droppedHere, tooLarge}
`;
