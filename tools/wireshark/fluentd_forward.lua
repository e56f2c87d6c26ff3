-- Wireshark dissector for the Fluentd forward protocol (ForwardLab, tools/wireshark).
--
-- TCP: every request and response is one MessagePack object with no length prefix, so the
-- dissector measures each object with a small MessagePack length scanner and asks the TCP layer
-- for more data (desegmentation) when an object is incomplete. UDP: out_forward's heartbeat
-- request and in_forward's one-byte 0x00 reply on the same port.
--
-- Usage:  tshark -X lua_script:tools/wireshark/fluentd_forward.lua -r capture.pcap -Y fluentd_forward
-- Other ports:  -d tcp.port==24225,fluentd_forward -d udp.port==24225,fluentd_forward_hb
-- Fields: fluentd_forward.type (Message, Forward, PackedForward, CompressedPackedForward, PING,
-- HELO, PONG, Ack, Nil, Broken), .tag, .entries, .chunk, .length; fluentd_forward_hb.kind.

local forward = Proto("fluentd_forward", "Fluentd Forward Protocol")
local f_type = ProtoField.string("fluentd_forward.type", "Message type")
local f_tag = ProtoField.string("fluentd_forward.tag", "Tag")
local f_entries = ProtoField.uint32("fluentd_forward.entries", "Entries")
local f_chunk = ProtoField.string("fluentd_forward.chunk", "Chunk id")
local f_compressed = ProtoField.string("fluentd_forward.compressed", "Compression")
local f_length = ProtoField.uint32("fluentd_forward.length", "Message length")
forward.fields = { f_type, f_tag, f_entries, f_chunk, f_compressed, f_length }

local heartbeat = Proto("fluentd_forward_hb", "Fluentd Forward UDP Heartbeat")
local f_hb_kind = ProtoField.string("fluentd_forward_hb.kind", "Heartbeat")
heartbeat.fields = { f_hb_kind }

forward.prefs.port = Pref.uint("Port", 24224, "TCP and UDP port of in_forward")

-- Reads the MessagePack header at off. Returns kind, n, h: h header bytes, then n payload bytes
-- (str/bin/ext) or n elements (array) / pairs (map). Returns nil when the header is incomplete,
-- "bad" for the one invalid format byte.
local function header(tvb, off, stop)
  local b = tvb(off, 1):uint()
  local function len(size)
    if off + 1 + size > stop then return nil end
    return tvb(off + 1, size):uint()
  end
  if b <= 0x7f or b >= 0xe0 then return "int", 0, 1 end
  if b <= 0x8f then return "map", b - 0x80, 1 end
  if b <= 0x9f then return "array", b - 0x90, 1 end
  if b <= 0xbf then return "str", b - 0xa0, 1 end
  if b == 0xc0 then return "nil", 0, 1 end
  if b == 0xc1 then return "bad", 0, 1 end
  if b == 0xc2 or b == 0xc3 then return "bool", 0, 1 end
  local sized = { [0xc4] = {"bin", 1}, [0xc5] = {"bin", 2}, [0xc6] = {"bin", 4},
                  [0xd9] = {"str", 1}, [0xda] = {"str", 2}, [0xdb] = {"str", 4},
                  [0xc7] = {"ext", 1}, [0xc8] = {"ext", 2}, [0xc9] = {"ext", 4},
                  [0xdc] = {"array", 2}, [0xdd] = {"array", 4}, [0xde] = {"map", 2}, [0xdf] = {"map", 4} }
  local s = sized[b]
  if s then
    local n = len(s[2])
    if n == nil then return nil end
    if s[1] == "ext" then n = n + 1 end  -- the ext type byte
    return s[1], n, 1 + s[2]
  end
  local fixed = { [0xca] = 5, [0xcb] = 9, [0xcc] = 2, [0xcd] = 3, [0xce] = 5, [0xcf] = 9,
                  [0xd0] = 2, [0xd1] = 3, [0xd2] = 5, [0xd3] = 9 }
  if fixed[b] then return (b <= 0xcb) and "float" or "int", 0, fixed[b] end
  local fixext = { [0xd4] = 2, [0xd5] = 3, [0xd6] = 5, [0xd7] = 9, [0xd8] = 17 }
  return "ext", fixext[b], 1
end

-- End offset of the complete object starting at off, nil if incomplete, -1 if invalid.
-- Counts values still expected instead of keeping a stack; every step consumes at least one byte,
-- so the loop ends by the time it reaches stop.
local function skip(tvb, off, stop)
  local pending = 1
  while pending > 0 do
    if off >= stop then return nil end
    local kind, n, h = header(tvb, off, stop)
    if kind == nil then return nil end
    if kind == "bad" then return -1 end
    if kind == "array" then
      pending = pending - 1 + n
      off = off + h
    elseif kind == "map" then
      pending = pending - 1 + 2 * n
      off = off + h
    else
      if kind == "str" or kind == "bin" or kind == "ext" then off = off + h + n else off = off + h end
      if off > stop then return nil end
      pending = pending - 1
    end
  end
  return off
end

local function read_str(tvb, off, stop)
  local kind, n, h = header(tvb, off, stop)
  if (kind == "str" or kind == "bin") and off + h + n <= stop then
    return tvb(off + h, n):string(), off + h + n
  end
  return nil, skip(tvb, off, stop)
end

local function read_uint(tvb, off, stop)
  local b = tvb(off, 1):uint()
  if b <= 0x7f then return b end
  local sizes = { [0xcc] = 1, [0xcd] = 2, [0xce] = 4 }
  if sizes[b] then return tvb(off + 1, sizes[b]):uint() end
  return nil
end

-- Reads an option map: chunk, size, compressed.
local function read_option(tvb, off, stop)
  local opt = {}
  local kind, n, h = header(tvb, off, stop)
  if kind ~= "map" then return opt end
  off = off + h
  for _ = 1, n do
    local key
    key, off = read_str(tvb, off, stop)
    if off == nil or off < 0 or off >= stop then return opt end
    if key == "chunk" then
      opt.chunk = read_str(tvb, off, stop)
    elseif key == "size" then
      opt.size = read_uint(tvb, off, stop)
    elseif key == "compressed" then
      opt.compressed = read_str(tvb, off, stop)
    end
    off = skip(tvb, off, stop)
    if off == nil or off < 0 then return opt end
  end
  return opt
end

-- Classifies one complete object [off, stop).
local function classify(tvb, off, stop, to_server)
  local info = { type = "Broken" }
  local kind, n, h = header(tvb, off, stop)
  if kind == "nil" then info.type = "Nil"; return info end
  if kind == "map" and not to_server then
    local opt_off = off + h
    for _ = 1, n do
      local key
      key, opt_off = read_str(tvb, opt_off, stop)
      if opt_off == nil or opt_off < 0 then break end
      if key == "ack" then
        info.type = "Ack"
        info.chunk = read_str(tvb, opt_off, stop)
        return info
      end
      opt_off = skip(tvb, opt_off, stop)
      if opt_off == nil or opt_off < 0 then break end
    end
    return info
  end
  if kind ~= "array" or n < 2 then return info end
  local first, cur = read_str(tvb, off + h, stop)
  if cur == nil or cur < 0 then return info end
  if first == "HELO" and not to_server then info.type = "HELO"; return info end
  if first == "PONG" and not to_server then info.type = "PONG"; return info end
  if first == "PING" and to_server and n == 6 then info.type = "PING"; return info end
  if not to_server or first == nil then return info end
  info.tag = first
  local k2, n2, h2 = header(tvb, cur, stop)
  local after = skip(tvb, cur, stop)
  if after == nil or after < 0 then return info end
  local opt = {}
  if k2 == "str" or k2 == "bin" then
    if n >= 3 then opt = read_option(tvb, after, stop) end
    if opt.compressed == "gzip" then
      info.type = "CompressedPackedForward"
      info.entries = opt.size
    else
      info.type = "PackedForward"
      -- Count the concatenated entries inside the blob.
      local p, blob_end, count = cur + h2, cur + h2 + n2, 0
      while p < blob_end do
        local q = skip(tvb, p, blob_end)
        if q == nil or q < 0 then break end
        count = count + 1
        p = q
      end
      info.entries = count
    end
  elseif k2 == "array" then
    info.type = "Forward"
    info.entries = n2
    if n >= 3 then opt = read_option(tvb, after, stop) end
  else
    info.type = "Message"
    info.entries = 1
    if n >= 4 then
      local rec_end = skip(tvb, after, stop)
      if rec_end ~= nil and rec_end > 0 then opt = read_option(tvb, rec_end, stop) end
    end
  end
  info.chunk = opt.chunk
  info.compressed = opt.compressed
  return info
end

function forward.dissector(tvb, pinfo, tree)
  local len = tvb:len()
  local to_server = pinfo.dst_port == pinfo.match_uint
  local off = 0
  local types = {}
  while off < len do
    local stop = skip(tvb, off, len)
    if stop == nil then
      -- Incomplete object: ask TCP for at least one more segment starting here.
      pinfo.desegment_offset = off
      pinfo.desegment_len = DESEGMENT_ONE_MORE_SEGMENT
      break
    end
    if stop < 0 then
      tree:add(forward, tvb(off)):append_text(" (invalid MessagePack)")
      off = len
      break
    end
    local info = classify(tvb, off, stop, to_server)
    local sub = tree:add(forward, tvb(off, stop - off))
    sub:add(f_type, tvb(off, stop - off), info.type)
    sub:add(f_length, tvb(off, stop - off), stop - off)
    if info.tag then sub:add(f_tag, tvb(off, stop - off), info.tag) end
    if info.entries then sub:add(f_entries, tvb(off, stop - off), info.entries) end
    if info.chunk then sub:add(f_chunk, tvb(off, stop - off), (info.chunk:gsub("\n$", ""))) end
    if info.compressed then sub:add(f_compressed, tvb(off, stop - off), info.compressed) end
    sub:append_text(": " .. info.type)
    types[#types + 1] = info.type
    off = stop
  end
  if #types > 0 then
    pinfo.cols.protocol = "Fluentd"
    pinfo.cols.info = table.concat(types, ", ")
  end
  return len
end

function heartbeat.dissector(tvb, pinfo, tree)
  local len = tvb:len()
  local kind
  if pinfo.dst_port == pinfo.match_uint then
    kind = "request"
  elseif len == 1 and tvb(0, 1):uint() == 0 then
    kind = "reply"
  else
    kind = "other"
  end
  pinfo.cols.protocol = "Fluentd HB"
  pinfo.cols.info = "UDP heartbeat " .. kind
  tree:add(heartbeat, tvb()):add(f_hb_kind, tvb(), kind)
  return len
end

-- Register on the configured port, and for "Decode As" (-d tcp.port==N,fluentd_forward) on others.
local registered = forward.prefs.port
DissectorTable.get("tcp.port"):add(registered, forward)
DissectorTable.get("udp.port"):add(registered, heartbeat)
DissectorTable.get("tcp.port"):add_for_decode_as(forward)
DissectorTable.get("udp.port"):add_for_decode_as(heartbeat)

function forward.prefs_changed()
  if registered ~= forward.prefs.port then
    DissectorTable.get("tcp.port"):remove(registered, forward)
    DissectorTable.get("udp.port"):remove(registered, heartbeat)
    registered = forward.prefs.port
    DissectorTable.get("tcp.port"):add(registered, forward)
    DissectorTable.get("udp.port"):add(registered, heartbeat)
  end
end
