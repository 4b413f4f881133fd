// Resource bounds of an ENet host under hostile input, derived from the code paths that allocate
// (src/enet/peer.ts queueIncomingCommand, src/enet/protocol-receive.ts, src/enet/protocol-send.ts),
// which follow libenet 1.3.17/1.3.18. The property tests in test/enet/*.property.test.ts assert them.
// Each constant says where it comes from; "window" means a reliable window of 4096 sequence numbers.

/**
 * Largest datagram the receive path ever parses. libenet reads into a 4096-byte buffer
 * (ENET_PROTOCOL_MAXIMUM_MTU); a longer datagram is an error return (1.3.17: service() gives -1)
 * or skipped (1.3.18: droppedDatagrams.oversize). host.ts receiveIncomingCommands.
 */
export const MAX_PARSED_DATAGRAM_BYTES = 4096;

/**
 * ENet's datagram header is 2 bytes (4 with SENT_TIME) plus 4 with checksums. The smallest
 * ACK-flagged command is PING (4 bytes) and an ACK can only be owed when SENT_TIME is set, so one
 * datagram makes the receiver owe at most floor((4096 − 4) / 4) acknowledgements.
 */
export const MAX_ACKNOWLEDGEMENTS_PER_DATAGRAM = Math.floor((MAX_PARSED_DATAGRAM_BYTES - 4) / 4); // 1023

/** enet_protocol_receive_incoming_commands reads at most 256 datagrams per service call. */
export const MAX_DATAGRAMS_PER_RECEIVE_PHASE = 256;

/**
 * Acknowledgements a peer can owe after a service call. They are queued only while datagrams are
 * read (at most 256 per call), and every send pass drains them completely: sendAcknowledgements
 * fills datagrams of 32 commands and the pass repeats for the peer while it is `full` (both
 * profiles). A service call whose result is 0 ran its second send pass after the receive phase, so
 * it leaves no acknowledgement behind on any peer that is not DISCONNECTED or ZOMBIE (a ZOMBIE
 * skips send passes and its queues are freed when its DISCONNECT event is dispatched). A call that
 * returns 1 from the receive phase skips that second pass and can leave up to
 * 256 × 1023 = 261 888 (the first send pass of the next call sends them).
 */
export const MAX_PENDING_ACKNOWLEDGEMENTS = MAX_DATAGRAMS_PER_RECEIVE_PHASE * MAX_ACKNOWLEDGEMENTS_PER_DATAGRAM;

/**
 * The largest single allocation one received command causes, for a host with the given limit:
 * - SEND_RELIABLE / SEND_UNRELIABLE / SEND_UNSEQUENCED copy their payload: dataLength is refused
 *   above maximumPacketSize (payloadLength) and the payload must lie in a ≤ 4096-byte datagram, so
 *   ≤ min(maximumPacketSize, 4096 − 2 − 6 = 4088) bytes;
 * - the first fragment of a packet (SEND_FRAGMENT / SEND_UNRELIABLE_FRAGMENT, any fragmentNumber)
 *   allocates the whole reassembly buffer, totalLength bytes, and totalLength > maximumPacketSize
 *   is refused (fragmentFieldsInvalid).
 * Hence maximumPacketSize, counted in totalWaitingData. (Not counted: the fragment bitmap, see
 * MAX_FRAGMENT_BITMAP_BYTES.)
 */
export function maxSingleAllocationBytes(maximumPacketSize: number): number {
  return maximumPacketSize;
}

/**
 * queueIncomingCommand refuses a command when totalWaitingData ≥ maximumWaitingData *before*
 * adding it, then adds its dataLength (≤ maxSingleAllocationBytes). One command is queued per
 * check, so totalWaitingData ≤ (maximumWaitingData − 1) + maximumPacketSize. totalWaitingData only
 * shrinks when the application receives a packet (enet_peer_receive) or the peer is reset; packets
 * ENet frees without delivering (superseded unreliable ones, abandoned fragment buffers) stay
 * counted (reference §7.2: the accounting leak fixed after 1.3.18), so the counter is an upper
 * bound on the payload bytes a peer really holds.
 */
export function maxTotalWaitingDataBytes(maximumWaitingData: number, maximumPacketSize: number): number {
  return Math.max(0, maximumWaitingData - 1) + maxSingleAllocationBytes(maximumPacketSize);
}

/**
 * The fragment bitmap (ENetIncomingCommand.fragments) has one bit per fragment and is not counted in
 * totalWaitingData: fragmentCount ≤ 1 048 576 (ENET_PROTOCOL_MAXIMUM_FRAGMENT_COUNT) gives up to
 * 32 768 u32 words = 128 KiB for one 24-byte command. 1.3.18 refuses totalLength < fragmentCount
 * for SEND_FRAGMENT, which caps that bitmap at about totalLength / 8 bytes; SEND_UNRELIABLE_FRAGMENT
 * (both profiles) and SEND_FRAGMENT in 1.3.17 accept totalLength = 1 with 1 048 576 fragments.
 */
export const MAX_FRAGMENT_BITMAP_BYTES = ((1024 * 1024 + 31) >>> 5) * 4; // 131 072

/** ENET_PEER_RELIABLE_WINDOW_SIZE and the receiver's 7-window acceptance (ENET_PEER_FREE_RELIABLE_WINDOWS − 1). */
export const RELIABLE_WINDOW_SIZE = 4096;
export const RELIABLE_WINDOWS_ACCEPTED = 7;

/**
 * Reliable commands (SEND_RELIABLE, SEND_FRAGMENT) waiting in one channel's incoming reliable
 * queue, ahead of the channel's incomingReliableSequenceNumber r: queueIncomingCommand accepts
 * sequence s only if its window (s div 4096, +16 when s < r) is one of the 7 windows starting at
 * r's; s = r is refused as already delivered and a duplicate s is refused by the insertion walk.
 * That leaves 7 × 4096 − (r mod 4096) − 1 sequence numbers, at most 28 671 (r a multiple of 4096).
 *
 * This bounds the entries whose sequence number is ahead of r. It is not a bound on the queue:
 * a completed reliable fragment moves r forward by fragmentCount − 1 at once
 * (dispatchIncomingReliableCommands), and commands already queued inside the skipped range stay
 * queued (later in-order deliveries pass them by; a peer reset frees them) while up to 28 671 new
 * ones are accepted ahead of the new r. host-queues.property.test.ts pins 57 340 entries on one
 * channel after one jump (28 670 stranded + 28 670 ahead); three successive jumps reached 86 012
 * before the channel stalled. libenet has the same code, so this is ENet's behaviour, not the
 * port's. Every entry can be zero-length, so totalWaitingData does not limit the count either.
 * Cost note: insertion walks the queue from the back, so out-of-order (e.g. descending) sequence
 * numbers cost O(queue length) each: 28 670 descending zero-length commands (~170 KB of
 * datagrams) take ~2.3 s to process here, against ~0.15 s ascending.
 */
export const MAX_RELIABLE_COMMANDS_AHEAD_PER_CHANNEL = RELIABLE_WINDOWS_ACCEPTED * RELIABLE_WINDOW_SIZE - 1; // 28 671

/**
 * Sequenced unreliable commands (SEND_UNRELIABLE, SEND_UNRELIABLE_FRAGMENT) in one channel's
 * incoming unreliable queue: accepted for reliable sequence R in the same 7 windows (R = r
 * included), deduplicated on the pair (R, U) where U is the 16-bit unreliable sequence number, and
 * for R = r only U > incomingUnreliableSequenceNumber. Commands with R ≠ r wait until R is
 * delivered. So the only structural bound is 28 671 × 65 536 + 65 535 = 1 879 048 191 entries,
 * and a zero-length SEND_UNRELIABLE adds 0 to totalWaitingData: maximumWaitingData does not limit
 * the count, only the sender's traffic does (8 wire bytes per entry). Unsequenced commands
 * (dedupe window 32 × 1024 groups, sliding) queue behind a waiting sequenced one on the same
 * channel and are likewise limited only by totalWaitingData when they carry data.
 */
export const MAX_UNRELIABLE_COMMANDS_PER_CHANNEL = (RELIABLE_WINDOWS_ACCEPTED * RELIABLE_WINDOW_SIZE - 1) * 65536 + 65535;

/** Peer slots: a host never has more peers than peerCount, whatever arrives (handleConnect takes a DISCONNECTED slot or refuses). */
export function maxActivePeers(peerCount: number): number {
  return peerCount;
}

/** service() returns 1 (event), 0 (none) or -1 (1.3.17 only: a datagram longer than 4096 bytes was read). */
export const SERVICE_RESULTS: readonly number[] = [-1, 0, 1];
