-- ENet dissector for Wireshark (Lua 5.2, Wireshark 3.6 and later), shipped with enetsim.
--
-- Decodes ENet 1.3's protocol header (peer id, session, compressed and sent-time flags, sent time),
-- its optional CRC-32 checksum (detected per datagram and verified against the connect ids seen in
-- the capture), datagrams compressed with ENet's range coder (inflated into a "Decompressed ENet"
-- tab), and every command with all of its fields. Install: copy this file into Wireshark's personal
-- Lua plugin folder (Help › About Wireshark › Folders › Personal Lua Plugins, usually
-- ~/.local/lib/wireshark/plugins/), or load it once with `tshark -X lua_script:enet.lua`.
-- docs/wireshark.md in enetsim lists every field and preference.

-- Lua 5.2's bit32 where the build has it; else Wireshark's own LuaBitOp `bit`, whose signed results
-- are brought back to unsigned 32 bits (what every caller below expects).
local bitops = bit32
if bitops == nil then
  local function unsigned(value) return value % 4294967296 end
  bitops = {
    band = function(a, b) return unsigned(bit.band(a, b)) end,
    bor = function(a, b) return unsigned(bit.bor(a, b)) end,
    bxor = function(a, b) return unsigned(bit.bxor(a, b)) end,
    lshift = function(a, n) return unsigned(bit.lshift(a, n)) end,
    rshift = function(a, n) return unsigned(bit.rshift(a, n)) end,
  }
end
local band, bor, bxor, lshift, rshift = bitops.band, bitops.bor, bitops.bxor, bitops.lshift, bitops.rshift
local floor = math.floor

local enet = Proto("enet", "ENet")

-- ---- protocol constants ---------------------------------------------------------------------------

local COMMAND_NAMES = {
  [0] = "NONE", [1] = "ACKNOWLEDGE", [2] = "CONNECT", [3] = "VERIFY_CONNECT", [4] = "DISCONNECT", [5] = "PING",
  [6] = "SEND_RELIABLE", [7] = "SEND_UNRELIABLE", [8] = "SEND_FRAGMENT", [9] = "SEND_UNSEQUENCED",
  [10] = "BANDWIDTH_LIMIT", [11] = "THROTTLE_CONFIGURE", [12] = "SEND_UNRELIABLE_FRAGMENT",
}
-- Fixed size of each command, its 4-byte header included (ENet's commandSizes).
local COMMAND_SIZES = { [1] = 8, [2] = 48, [3] = 44, [4] = 8, [5] = 4, [6] = 6, [7] = 8, [8] = 24, [9] = 8, [10] = 12, [11] = 16, [12] = 24 }
-- Where a payload-carrying command keeps its 16-bit data length.
local DATA_LENGTH_OFFSET = { [6] = 4, [7] = 6, [8] = 6, [9] = 6, [12] = 6 }
local HEADER_FLAG_COMPRESSED = 0x4000
local HEADER_FLAG_SENT_TIME = 0x8000
local MAXIMUM_PEER_ID = 0xFFF
-- ENet's receive buffer (ENET_PROTOCOL_MAXIMUM_MTU): a datagram inflating past it is dropped.
local MAXIMUM_MTU = 4096

-- ---- fields -------------------------------------------------------------------------------------

local CHECKSUM_STATUS = { [0] = "Unverified", [1] = "Good", [2] = "Bad" }

local F = {
  header = ProtoField.uint16("enet.header", "Header", base.HEX),
  peer_id = ProtoField.uint16("enet.peer_id", "Peer ID", base.DEC, nil, 0x0FFF, "0xFFF: no peer yet (CONNECT)"),
  session = ProtoField.uint16("enet.session", "Session", base.DEC, nil, 0x3000),
  compressed = ProtoField.bool("enet.compressed", "Compressed", 16, nil, HEADER_FLAG_COMPRESSED),
  has_sent_time = ProtoField.bool("enet.has_sent_time", "Sent time present", 16, nil, HEADER_FLAG_SENT_TIME),
  sent_time = ProtoField.uint16("enet.sent_time", "Sent time", base.DEC, nil, nil, "low 16 bits of the sender's clock, ms"),
  checksum = ProtoField.uint32("enet.checksum", "Checksum", base.HEX),
  checksum_status = ProtoField.uint8("enet.checksum.status", "Checksum status", base.DEC, CHECKSUM_STATUS),
  decompressed_length = ProtoField.uint32("enet.decompressed_length", "Decompressed length", base.DEC),

  command = ProtoField.uint8("enet.command", "Command", base.DEC, COMMAND_NAMES, 0x0F),
  command_byte = ProtoField.uint8("enet.command_byte", "Command byte", base.HEX),
  flag_acknowledge = ProtoField.bool("enet.flags.acknowledge", "Acknowledge", 8, nil, 0x80),
  flag_unsequenced = ProtoField.bool("enet.flags.unsequenced", "Unsequenced", 8, nil, 0x40),
  channel = ProtoField.uint8("enet.channel", "Channel ID", base.DEC, nil, nil, "255: the system channel"),
  seq = ProtoField.uint16("enet.seq", "Reliable sequence number", base.DEC),

  ack_seq = ProtoField.uint16("enet.ack.received_seq", "Received reliable sequence number", base.DEC),
  ack_sent_time = ProtoField.uint16("enet.ack.received_sent_time", "Received sent time", base.DEC),

  connect_peer_id = ProtoField.uint16("enet.connect.outgoing_peer_id", "Outgoing peer ID", base.DEC),
  connect_incoming_session = ProtoField.uint8("enet.connect.incoming_session", "Incoming session ID", base.DEC),
  connect_outgoing_session = ProtoField.uint8("enet.connect.outgoing_session", "Outgoing session ID", base.DEC),
  connect_mtu = ProtoField.uint32("enet.connect.mtu", "MTU", base.DEC),
  connect_window_size = ProtoField.uint32("enet.connect.window_size", "Window size", base.DEC),
  connect_channel_count = ProtoField.uint32("enet.connect.channel_count", "Channel count", base.DEC),
  connect_incoming_bandwidth = ProtoField.uint32("enet.connect.incoming_bandwidth", "Incoming bandwidth (bytes/s, 0 unlimited)", base.DEC),
  connect_outgoing_bandwidth = ProtoField.uint32("enet.connect.outgoing_bandwidth", "Outgoing bandwidth (bytes/s, 0 unlimited)", base.DEC),
  connect_throttle_interval = ProtoField.uint32("enet.connect.throttle_interval", "Packet throttle interval (ms)", base.DEC),
  connect_throttle_acceleration = ProtoField.uint32("enet.connect.throttle_acceleration", "Packet throttle acceleration", base.DEC),
  connect_throttle_deceleration = ProtoField.uint32("enet.connect.throttle_deceleration", "Packet throttle deceleration", base.DEC),
  connect_id = ProtoField.uint32("enet.connect.connect_id", "Connect ID (host byte order, little-endian here)", base.HEX),
  connect_data = ProtoField.uint32("enet.connect.data", "Data", base.DEC),

  disconnect_data = ProtoField.uint32("enet.disconnect.data", "Data", base.DEC),

  unreliable_seq = ProtoField.uint16("enet.unreliable_seq", "Unreliable sequence number", base.DEC),
  unsequenced_group = ProtoField.uint16("enet.unsequenced_group", "Unsequenced group", base.DEC),
  data_length = ProtoField.uint16("enet.data_length", "Data length", base.DEC),
  data = ProtoField.bytes("enet.data", "Data"),

  fragment_start_seq = ProtoField.uint16("enet.fragment.start_seq", "Start sequence number", base.DEC),
  fragment_count = ProtoField.uint32("enet.fragment.count", "Fragment count", base.DEC),
  fragment_number = ProtoField.uint32("enet.fragment.number", "Fragment number", base.DEC),
  fragment_total_length = ProtoField.uint32("enet.fragment.total_length", "Total length", base.DEC),
  fragment_offset = ProtoField.uint32("enet.fragment.offset", "Fragment offset", base.DEC),

  bandwidth_incoming = ProtoField.uint32("enet.bandwidth.incoming", "Incoming bandwidth (bytes/s, 0 unlimited)", base.DEC),
  bandwidth_outgoing = ProtoField.uint32("enet.bandwidth.outgoing", "Outgoing bandwidth (bytes/s, 0 unlimited)", base.DEC),

  throttle_interval = ProtoField.uint32("enet.throttle.interval", "Packet throttle interval (ms)", base.DEC),
  throttle_acceleration = ProtoField.uint32("enet.throttle.acceleration", "Packet throttle acceleration", base.DEC),
  throttle_deceleration = ProtoField.uint32("enet.throttle.deceleration", "Packet throttle deceleration", base.DEC),

  trailing = ProtoField.bytes("enet.trailing", "Trailing bytes (ENet stops reading here)"),
}
local field_list = {}
for _, field in pairs(F) do field_list[#field_list + 1] = field end
enet.fields = field_list

local E = {
  bad_checksum = ProtoExpert.new("enet.checksum.bad", "Checksum does not match (ENet drops this datagram)", expert.group.CHECKSUM, expert.severity.WARN),
  decompression_failed = ProtoExpert.new("enet.decompression_failed", "Range-coder decompression failed (ENet drops this datagram)", expert.group.MALFORMED, expert.severity.ERROR),
  trailing = ProtoExpert.new("enet.trailing.expert", "Bytes after the last complete command", expert.group.MALFORMED, expert.severity.WARN),
}
enet.experts = { E.bad_checksum, E.decompression_failed, E.trailing }

-- ---- preferences -----------------------------------------------------------------------------------

local CHECKSUM_AUTO, CHECKSUM_ON, CHECKSUM_OFF = 0, 1, 2
enet.prefs.ports = Pref.range("UDP ports", "7777", "UDP ports decoded as ENet (enetsim's hosts use 7777 unless a scenario says otherwise)", 65535)
enet.prefs.checksum = Pref.enum("Checksum", CHECKSUM_AUTO, "Whether datagrams carry ENet's 4-byte CRC-32 (there is no header flag for it): auto detects it per datagram, on / off force it", {
  { 1, "auto", CHECKSUM_AUTO },
  { 2, "on", CHECKSUM_ON },
  { 3, "off", CHECKSUM_OFF },
}, false)
enet.prefs.heuristic = Pref.bool("Try on other UDP ports", true, "Claim datagrams on any UDP port that parse as ENet exactly")

-- ---- CRC-32 (ENet's enet_crc32: reflected IEEE 802.3) ------------------------------------------------

local CRC_TABLE = {}
for index = 0, 255 do
  local crc = index
  for _ = 1, 8 do
    if band(crc, 1) ~= 0 then crc = bxor(rshift(crc, 1), 0xEDB88320) else crc = rshift(crc, 1) end
  end
  CRC_TABLE[index] = crc
end

-- CRC-32 of the bytes of `parts` (arrays indexed from 0, each with a `length`), as one stream.
local function crc32(parts)
  local crc = 0xFFFFFFFF
  for _, part in ipairs(parts) do
    for index = 0, part.length - 1 do
      crc = bxor(CRC_TABLE[band(bxor(crc, part[index]), 0xFF)], rshift(crc, 8))
    end
  end
  return bxor(crc, 0xFFFFFFFF)
end

-- ---- ENet's range coder, decompression only (compress.c enet_range_coder_decompress) -------------------
-- An adaptive order-2 PPM model over a carry-less range coder; the model is rebuilt for every
-- datagram. Arithmetic follows the C code: coder registers are uint32, counts uint8, totals uint16.

local RANGE_TOP = 0x1000000
local RANGE_BOTTOM = 0x10000
local ROOT_SYMBOL_DELTA, ROOT_SYMBOL_MINIMUM, ROOT_ESCAPE_MINIMUM = 3, 1, 1
local SUBCONTEXT_ORDER, SUBCONTEXT_SYMBOL_DELTA, SUBCONTEXT_ESCAPE_DELTA, SUBCONTEXT_SYMBOL_MINIMUM = 2, 2, 5, 0
local POOL_SIZE = 4096
local CONTEXT_TOTAL_RESCALE_ABOVE = RANGE_BOTTOM - 0x100
local SUBCONTEXT_COUNT_RESCALE_ABOVE = 0xFF - 2 * SUBCONTEXT_SYMBOL_DELTA
local ROOT_COUNT_RESCALE_ABOVE = 0xFF - 2 * ROOT_SYMBOL_DELTA + ROOT_SYMBOL_MINIMUM
local TWO32 = 4294967296

-- The symbol records: parallel arrays indexed by record; record 0 is the root context, and 0 as a link means none.
local function new_pool()
  return { value = {}, count = {}, under = {}, left = {}, right = {}, symbols = {}, escapes = {}, total = {}, parent = {}, used = 0 }
end

local function pool_create(pool, value, count)
  local index = pool.used
  if index >= POOL_SIZE then error("enet range coder: symbol pool exhausted") end
  pool.used = index + 1
  pool.value[index] = value
  pool.count[index] = count
  pool.under[index] = count
  pool.left[index] = 0
  pool.right[index] = 0
  pool.symbols[index] = 0
  pool.escapes[index] = 0
  pool.total[index] = 0
  pool.parent[index] = 0
  return index
end

local function pool_reset(pool)
  pool.used = 0
  local root = pool_create(pool, 0, 0)
  pool.escapes[root] = ROOT_ESCAPE_MINIMUM
  pool.total[root] = ROOT_ESCAPE_MINIMUM + 256 * ROOT_SYMBOL_MINIMUM
end

-- Finds `value` in the context (creating it), adds `update`; returns record, cumulative count and count before the update.
local function encode_symbol(pool, context, value, update, minimum)
  local under, count = value * minimum, minimum
  local node = pool.symbols[context]
  if node == 0 then
    node = pool_create(pool, value, update)
    pool.symbols[context] = node
    return node, under, count
  end
  while true do
    local here = pool.value[node]
    if value < here then
      pool.under[node] = band(pool.under[node] + update, 0xFFFF)
      local next_node = pool.left[node]
      if next_node == 0 then
        local created = pool_create(pool, value, update)
        pool.left[node] = created
        return created, under, count
      end
      node = next_node
    elseif value > here then
      under = band(under + pool.under[node], 0xFFFF)
      local next_node = pool.right[node]
      if next_node == 0 then
        local created = pool_create(pool, value, update)
        pool.right[node] = created
        return created, under, count
      end
      node = next_node
    else
      local found = pool.count[node]
      count = band(count + found, 0xFFFF)
      under = band(under + pool.under[node] - found, 0xFFFF)
      pool.under[node] = band(pool.under[node] + update, 0xFFFF)
      pool.count[node] = band(found + update, 0xFF)
      return node, under, count
    end
  end
end

-- The symbol whose interval holds `code`: returns ok, value, record, cumulative count, count. In the root an
-- unseen byte is created on the spot; in a subcontext a code past the known symbols is an error.
local function decode_symbol(pool, context, code, update, minimum)
  local is_root = context == 0
  local under, count = 0, minimum
  local node = pool.symbols[context]
  if node == 0 then
    if not is_root then return false end
    local created = pool_create(pool, band(floor(code / minimum), 0xFF), update)
    pool.symbols[context] = created
    return true, pool.value[created], created, band(code - code % minimum, 0xFFFF), minimum
  end
  while true do
    local value = pool.value[node]
    local after = band(under + pool.under[node] + (value + 1) * minimum, 0xFFFF)
    local before = band(pool.count[node] + minimum, 0xFFFF)
    if code >= after then
      under = band(under + pool.under[node], 0xFFFF)
      local next_node = pool.right[node]
      if next_node == 0 then
        if not is_root then return false end
        local gap = code - after
        local created = pool_create(pool, band(value + 1 + floor(gap / minimum), 0xFF), update)
        pool.right[node] = created
        return true, pool.value[created], created, band(code - gap % minimum, 0xFFFF), minimum
      end
      node = next_node
    elseif code < after - before then
      pool.under[node] = band(pool.under[node] + update, 0xFFFF)
      local next_node = pool.left[node]
      if next_node == 0 then
        if not is_root then return false end
        local gap = after - before - code - 1
        local created = pool_create(pool, band(value - 1 - floor(gap / minimum), 0xFF), update)
        pool.left[node] = created
        return true, pool.value[created], created, band(code - gap % minimum, 0xFFFF), minimum
      end
      node = next_node
    else
      local found = pool.count[node]
      pool.under[node] = band(pool.under[node] + update, 0xFFFF)
      pool.count[node] = band(found + update, 0xFF)
      return true, value, node, band(after - before, 0xFFFF), band(count + found, 0xFFFF)
    end
  end
end

-- Halves the counts of a symbol tree (rounding up), rebuilds `under`, returns the uint16 total.
local function rescale_tree(pool, first)
  local total = 0
  local node = first
  while true do
    local count = pool.count[node]
    local halved = count - rshift(count, 1)
    pool.count[node] = halved
    local left = pool.left[node]
    local under = halved
    if left ~= 0 then under = band(halved + rescale_tree(pool, left), 0xFFFF) end
    pool.under[node] = under
    total = band(total + under, 0xFFFF)
    local right = pool.right[node]
    if right == 0 then return total end
    node = right
  end
end

local function rescale_context(pool, context, minimum)
  local first = pool.symbols[context]
  local symbols_total = first ~= 0 and rescale_tree(pool, first) or 0
  local escapes = pool.escapes[context]
  local halved = escapes - rshift(escapes, 1)
  pool.escapes[context] = halved
  pool.total[context] = band(symbols_total + halved + 256 * minimum, 0xFFFF)
end

local function update_subcontext(pool, context, count_before)
  pool.total[context] = band(pool.total[context] + SUBCONTEXT_SYMBOL_DELTA, 0xFFFF)
  if count_before > SUBCONTEXT_COUNT_RESCALE_ABOVE or pool.total[context] > CONTEXT_TOTAL_RESCALE_ABOVE then
    rescale_context(pool, context, SUBCONTEXT_SYMBOL_MINIMUM)
  end
end

local function update_root(pool, count_before)
  pool.total[0] = band(pool.total[0] + ROOT_SYMBOL_DELTA, 0xFFFF)
  if count_before > ROOT_COUNT_RESCALE_ABOVE or pool.total[0] > CONTEXT_TOTAL_RESCALE_ABOVE then
    rescale_context(pool, 0, ROOT_SYMBOL_MINIMUM)
  end
end

local function add_escape(pool, context)
  pool.escapes[context] = band(pool.escapes[context] + SUBCONTEXT_ESCAPE_DELTA, 0xFFFF)
  pool.total[context] = band(pool.total[context] + SUBCONTEXT_ESCAPE_DELTA, 0xFFFF)
end

-- The decoder's registers over `input` (an array from 0 with a `length`); past the end it reads zero bits.
local function new_decoder(input)
  local decoder = { low = 0, code = 0, range = 0xFFFFFFFF, offset = 0, input = input }
  for shift = 24, 0, -8 do
    if decoder.offset < input.length then
      decoder.code = bor(decoder.code, lshift(input[decoder.offset], shift))
      decoder.offset = decoder.offset + 1
    end
  end
  return decoder
end

local function decoder_read(decoder, total)
  decoder.range = floor(decoder.range / total)
  return band(floor(((decoder.code - decoder.low) % TWO32) / decoder.range), 0xFFFF)
end

local function decoder_decode(decoder, under, count)
  local low = (decoder.low + under * decoder.range) % TWO32
  local range = (decoder.range * count) % TWO32
  local code = decoder.code
  local input = decoder.input
  for step = 0, 8 do
    if bxor(low, (low + range) % TWO32) >= RANGE_TOP then
      if range >= RANGE_BOTTOM then break end
      range = band(-low, RANGE_BOTTOM - 1)
    end
    if step == 8 then error("enet range coder: renormalisation did not settle") end
    code = lshift(code, 8)
    if decoder.offset < input.length then
      code = bor(code, input[decoder.offset])
      decoder.offset = decoder.offset + 1
    end
    range = lshift(range, 8)
    low = lshift(low, 8)
  end
  decoder.low, decoder.range, decoder.code = low, range, code
end

-- Inflates `input`; returns an array from 0 with a `length`, or nil where ENet's decompress returns 0.
local function range_decompress(input, limit)
  if input.length == 0 then return nil end
  local pool = new_pool()
  pool_reset(pool)
  local decoder = new_decoder(input)
  local output = { length = 0 }
  local predicted, order = 0, 0
  while true do
    -- Decode from the predicted context down; `decoded_in` is the context that held the byte (0: the root).
    local decoded_in, value, bottom = 0, nil, nil
    local context, depth = predicted, 0
    while context ~= 0 do
      if depth >= SUBCONTEXT_ORDER then return nil end
      local escapes = pool.escapes[context]
      local total = pool.total[context]
      if escapes > 0 and escapes < total then
        local code = decoder_read(decoder, total)
        if code < escapes then
          decoder_decode(decoder, 0, escapes)
        else
          local ok, symbol_value, symbol, under, count = decode_symbol(pool, context, band(code - escapes, 0xFFFF), SUBCONTEXT_SYMBOL_DELTA, SUBCONTEXT_SYMBOL_MINIMUM)
          if not ok then return nil end
          decoder_decode(decoder, escapes + under, count)
          update_subcontext(pool, context, count)
          decoded_in, value, bottom = context, symbol_value, symbol
          break
        end
      end
      context = pool.parent[context]
      depth = depth + 1
    end
    if value == nil then
      local escapes = pool.escapes[0]
      local code = decoder_read(decoder, pool.total[0])
      if code < escapes then
        decoder_decode(decoder, 0, escapes)
        break -- the end-of-stream escape
      end
      local _, symbol_value, symbol, under, count = decode_symbol(pool, 0, band(code - escapes, 0xFFFF), ROOT_SYMBOL_DELTA, ROOT_SYMBOL_MINIMUM)
      decoder_decode(decoder, escapes + under, count)
      update_root(pool, count)
      value, bottom = symbol_value, symbol
    end
    -- Teach the byte to the contexts that escaped, linking each new record as the parent of the previous one.
    local slot = -1
    local function link(symbol)
      if slot == -1 then predicted = symbol else pool.parent[slot] = symbol end
      slot = symbol
    end
    context, depth = predicted, 0
    while context ~= decoded_in do
      if depth >= SUBCONTEXT_ORDER then return nil end
      local symbol, _, count = encode_symbol(pool, context, value, SUBCONTEXT_SYMBOL_DELTA, SUBCONTEXT_SYMBOL_MINIMUM)
      link(symbol)
      if count <= 0 then add_escape(pool, context) end
      update_subcontext(pool, context, count)
      context = pool.parent[context]
      depth = depth + 1
    end
    link(bottom)
    if output.length >= limit then return nil end
    output[output.length] = value
    output.length = output.length + 1
    if order >= SUBCONTEXT_ORDER then predicted = pool.parent[predicted] else order = order + 1 end
    if pool.used >= POOL_SIZE - SUBCONTEXT_ORDER then
      pool_reset(pool)
      predicted, order = 0, 0
    end
  end
  if output.length == 0 then return nil end
  return output
end

-- ---- parsing (no tree): header, checksum, commands ---------------------------------------------------

local function array_of(tvb)
  local bytes = tvb:range(0):bytes()
  local array = { length = bytes:len() }
  for index = 0, array.length - 1 do array[index] = bytes:get_index(index) end
  return array
end

local function slice(array, from, to_excluded)
  local part = { length = math.max(0, to_excluded - from) }
  for index = 0, part.length - 1 do part[index] = array[from + index] end
  return part
end

local function u16(array, offset) return array[offset] * 256 + array[offset + 1] end

-- The commands of `body` from `offset`, as ENet reads them: stops at fewer than 4 bytes, an unknown
-- command, or a truncated command or payload. Returns the list and the offset where reading stopped.
local function parse_commands(body, offset)
  local commands = {}
  while offset + 4 <= body.length do
    local number = band(body[offset], 0x0F)
    local size = COMMAND_SIZES[number]
    if size == nil or offset + size > body.length then break end
    local data_length = 0
    if DATA_LENGTH_OFFSET[number] ~= nil then data_length = u16(body, offset + DATA_LENGTH_OFFSET[number]) end
    if offset + size + data_length > body.length then break end
    commands[#commands + 1] = { offset = offset, number = number, size = size, data_length = data_length }
    offset = offset + size + data_length
  end
  return commands, offset
end

-- Connect ids seen per pair of endpoints (either direction), newest last, for checksum verification.
local connect_ids = {}
-- Per pair of endpoints: whether its last clearly readable datagram had a checksum (for the unclear ones).
local endpoints_checksum = {}
-- What the first pass decided for each frame (checksum present, status), so later passes agree with it.
local frame_layouts = {}

local function endpoints_key(pinfo)
  local a = tostring(pinfo.src) .. ":" .. pinfo.src_port
  local b = tostring(pinfo.dst) .. ":" .. pinfo.dst_port
  if a < b then return a .. "|" .. b end
  return b .. "|" .. a
end

-- A layout: the datagram read with or without a checksum slot. Returns nil when it cannot be read that way.
local function try_layout(raw, with_checksum)
  local word = u16(raw, 0)
  local header_size = band(word, HEADER_FLAG_SENT_TIME) ~= 0 and 4 or 2
  if with_checksum then header_size = header_size + 4 end
  if raw.length < header_size then return nil end
  local layout = { with_checksum = with_checksum, header_size = header_size, word = word, compressed = band(word, HEADER_FLAG_COMPRESSED) ~= 0 }
  if layout.compressed then
    local ok, inflated = pcall(range_decompress, slice(raw, header_size, raw.length), MAXIMUM_MTU - header_size)
    if not ok or inflated == nil then
      layout.failed = true
      return layout
    end
    layout.body = inflated
  else
    layout.body = slice(raw, header_size, raw.length)
  end
  layout.commands, layout.stopped_at = parse_commands(layout.body, 0)
  layout.exact = #layout.commands > 0 and layout.stopped_at == layout.body.length
  return layout
end

-- Verifies a layout's checksum: the header with the slot seeded by the connect id (or 0 before a peer
-- exists), then the body as sent (decompressed). Returns 1 good, 2 bad, 0 unverifiable.
local function verify_checksum(raw, layout, ids)
  if layout.failed then return 0 end
  local slot = layout.header_size - 4
  local stored = ((raw[slot] * 256 + raw[slot + 1]) * 256 + raw[slot + 2]) * 256 + raw[slot + 3]
  local header = slice(raw, 0, layout.header_size)
  local candidates = { { 0, 0, 0, 0 } }
  if band(layout.word, 0x0FFF) ~= MAXIMUM_PEER_ID then
    candidates = {}
    for index = #ids, 1, -1 do candidates[#candidates + 1] = ids[index] end
    if #candidates == 0 then return 0 end
  end
  for _, id in ipairs(candidates) do
    for index = 0, 3 do header[slot + index] = id[index + 1] end
    if crc32({ header, layout.body }) == stored then return 1 end
  end
  return 2
end

-- Chooses how to read a datagram: a verified checksum wins, then an exact parse without, then one with.
local function choose_layout(raw, pinfo)
  local key = endpoints_key(pinfo)
  local ids = connect_ids[key] or {}
  local mode = enet.prefs.checksum
  local with = mode ~= CHECKSUM_OFF and try_layout(raw, true) or nil
  local without = mode ~= CHECKSUM_ON and try_layout(raw, false) or nil
  if with ~= nil then with.checksum_status = verify_checksum(raw, with, ids) end
  if mode == CHECKSUM_ON then return with end
  if mode == CHECKSUM_OFF then return without end
  local chosen = nil
  if with ~= nil and with.checksum_status == 1 then chosen = with
  elseif without ~= nil and without.exact then chosen = without
  elseif with ~= nil and with.exact then chosen = with
  end
  if chosen ~= nil then
    if not pinfo.visited then endpoints_checksum[key] = chosen.with_checksum end
    return chosen
  end
  -- Neither reads cleanly (a damaged datagram): read it as this pair's datagrams were read so far.
  if endpoints_checksum[key] == true and with ~= nil then return with end
  return without or with
end

local function remember_connect_ids(layout, pinfo)
  if layout.failed then return end
  local key = endpoints_key(pinfo)
  for _, command in ipairs(layout.commands) do
    if command.number == 2 or command.number == 3 then
      local at = command.offset + 40
      local id = { layout.body[at], layout.body[at + 1], layout.body[at + 2], layout.body[at + 3] }
      local list = connect_ids[key] or {}
      local known = false
      for _, seen in ipairs(list) do
        if seen[1] == id[1] and seen[2] == id[2] and seen[3] == id[3] and seen[4] == id[4] then known = true end
      end
      if not known then list[#list + 1] = id end
      connect_ids[key] = list
    end
  end
end

-- ---- the tree -----------------------------------------------------------------------------------------

local function add_command_fields(tree, tvb, command)
  local at, number = command.offset, command.number
  local function range(offset, length) return tvb(at + offset, length) end
  if number == 1 then
    tree:add(F.ack_seq, range(4, 2))
    tree:add(F.ack_sent_time, range(6, 2))
  elseif number == 2 or number == 3 then
    tree:add(F.connect_peer_id, range(4, 2))
    tree:add(F.connect_incoming_session, range(6, 1))
    tree:add(F.connect_outgoing_session, range(7, 1))
    tree:add(F.connect_mtu, range(8, 4))
    tree:add(F.connect_window_size, range(12, 4))
    tree:add(F.connect_channel_count, range(16, 4))
    tree:add(F.connect_incoming_bandwidth, range(20, 4))
    tree:add(F.connect_outgoing_bandwidth, range(24, 4))
    tree:add(F.connect_throttle_interval, range(28, 4))
    tree:add(F.connect_throttle_acceleration, range(32, 4))
    tree:add(F.connect_throttle_deceleration, range(36, 4))
    tree:add_le(F.connect_id, range(40, 4))
    if number == 2 then tree:add(F.connect_data, range(44, 4)) end
  elseif number == 4 then
    tree:add(F.disconnect_data, range(4, 4))
  elseif number == 6 then
    tree:add(F.data_length, range(4, 2))
  elseif number == 7 then
    tree:add(F.unreliable_seq, range(4, 2))
    tree:add(F.data_length, range(6, 2))
  elseif number == 9 then
    tree:add(F.unsequenced_group, range(4, 2))
    tree:add(F.data_length, range(6, 2))
  elseif number == 8 or number == 12 then
    tree:add(F.fragment_start_seq, range(4, 2))
    tree:add(F.data_length, range(6, 2))
    tree:add(F.fragment_count, range(8, 4))
    tree:add(F.fragment_number, range(12, 4))
    tree:add(F.fragment_total_length, range(16, 4))
    tree:add(F.fragment_offset, range(20, 4))
  elseif number == 10 then
    tree:add(F.bandwidth_incoming, range(4, 4))
    tree:add(F.bandwidth_outgoing, range(8, 4))
  elseif number == 11 then
    tree:add(F.throttle_interval, range(4, 4))
    tree:add(F.throttle_acceleration, range(8, 4))
    tree:add(F.throttle_deceleration, range(12, 4))
  end
  if command.data_length > 0 then tree:add(F.data, range(command.size, command.data_length)) end
end

local function command_summary(body, command)
  return COMMAND_NAMES[command.number] .. " ch" .. body[command.offset + 1] .. " #" .. u16(body, command.offset + 2)
end

local function add_commands(tree, tvb, layout)
  local summaries = {}
  for _, command in ipairs(layout.commands) do
    local summary = command_summary(layout.body, command)
    summaries[#summaries + 1] = summary
    local subtree = tree:add(tvb(command.offset, command.size + command.data_length), summary)
    local flags = subtree:add(F.command_byte, tvb(command.offset, 1))
    flags:add(F.command, tvb(command.offset, 1))
    flags:add(F.flag_acknowledge, tvb(command.offset, 1))
    flags:add(F.flag_unsequenced, tvb(command.offset, 1))
    subtree:add(F.channel, tvb(command.offset + 1, 1))
    subtree:add(F.seq, tvb(command.offset + 2, 2))
    add_command_fields(subtree, tvb, command)
  end
  if layout.stopped_at < layout.body.length then
    local item = tree:add(F.trailing, tvb(layout.stopped_at, layout.body.length - layout.stopped_at))
    item:add_proto_expert_info(E.trailing)
  end
  return summaries
end

local function body_tvb(tvb, layout)
  if not layout.compressed then return tvb(layout.header_size):tvb() end
  local bytes = ByteArray.new()
  bytes:set_size(layout.body.length)
  for index = 0, layout.body.length - 1 do bytes:set_index(index, layout.body[index]) end
  return bytes:tvb("Decompressed ENet")
end

local function dissect(tvb, pinfo, tree, layout)
  pinfo.cols.protocol = "ENet"
  local root = tree:add(enet, tvb(), "ENet")
  local header = root:add(F.header, tvb(0, 2))
  header:add(F.peer_id, tvb(0, 2))
  header:add(F.session, tvb(0, 2))
  header:add(F.compressed, tvb(0, 2))
  header:add(F.has_sent_time, tvb(0, 2))
  if band(layout.word, HEADER_FLAG_SENT_TIME) ~= 0 then root:add(F.sent_time, tvb(2, 2)) end
  if layout.with_checksum then
    local slot = layout.header_size - 4
    local item = root:add(F.checksum, tvb(slot, 4))
    root:add(F.checksum_status, layout.checksum_status):set_generated()
    if layout.checksum_status == 2 then item:add_proto_expert_info(E.bad_checksum) end
  end
  local peer = band(layout.word, 0x0FFF)
  local prefix = "peer " .. (peer == MAXIMUM_PEER_ID and "none" or tostring(peer))
  if layout.failed then
    root:add_proto_expert_info(E.decompression_failed)
    pinfo.cols.info = prefix .. ", compressed (cannot be inflated)"
    return
  end
  local body = body_tvb(tvb, layout)
  if layout.compressed then root:add(F.decompressed_length, layout.body.length):set_generated() end
  local summaries = add_commands(root, body, layout)
  pinfo.cols.info = prefix .. (layout.compressed and " (compressed): " or ": ") .. table.concat(summaries, ", ")
end

local function layout_for(tvb, pinfo)
  if tvb:len() < 2 then return nil end
  local raw = array_of(tvb)
  local layout = choose_layout(raw, pinfo)
  if layout == nil then return nil end
  if not pinfo.visited then
    remember_connect_ids(layout, pinfo)
    frame_layouts[pinfo.number] = { with_checksum = layout.with_checksum, checksum_status = layout.checksum_status }
  else
    local first = frame_layouts[pinfo.number]
    if first ~= nil and first.with_checksum ~= layout.with_checksum then
      layout = try_layout(raw, first.with_checksum)
      if layout == nil then return nil end
    end
    if first ~= nil then layout.checksum_status = first.checksum_status end
  end
  return layout
end

function enet.dissector(tvb, pinfo, tree)
  local layout = layout_for(tvb, pinfo)
  if layout == nil then return 0 end
  dissect(tvb, pinfo, tree, layout)
  return tvb:len()
end

-- Commands that only travel on the system channel (255).
local SYSTEM_COMMANDS = { [2] = true, [3] = true, [4] = true, [5] = true, [10] = true, [11] = true }

-- Whether every command looks like one ENet sends: unused command-byte bits clear, system commands on channel 255.
local function plausible(layout)
  if layout.failed or #layout.commands == 0 then return false end
  for _, command in ipairs(layout.commands) do
    local byte, channel = layout.body[command.offset], layout.body[command.offset + 1]
    if band(byte, 0x30) ~= 0 then return false end
    if SYSTEM_COMMANDS[command.number] and channel ~= 0xFF then return false end
  end
  return true
end

-- Claims a datagram on another port only when its checksum verifies, or it reads as ENet exactly and plausibly.
local function heuristic(tvb, pinfo, tree)
  if not enet.prefs.heuristic or tvb:len() < 4 then return false end
  local layout = layout_for(tvb, pinfo)
  if layout == nil or layout.failed then return false end
  if not (layout.checksum_status == 1 or (layout.exact and plausible(layout))) then return false end
  dissect(tvb, pinfo, tree, layout)
  return true
end

local registered_ports = nil
local function register_ports()
  local udp = DissectorTable.get("udp.port")
  if registered_ports ~= nil then udp:remove(registered_ports, enet) end
  registered_ports = enet.prefs.ports
  udp:add(registered_ports, enet)
end

function enet.init()
  connect_ids = {}
  endpoints_checksum = {}
  frame_layouts = {}
end

function enet.prefs_changed()
  register_ports()
end

register_ports()
enet:register_heuristic("udp", heuristic)
