/*
 * libenet oracle driver: runs the real libenet (linked from the system) in virtual time, for tests.
 *
 * The program defines enet_time_get, enet_time_set, enet_host_random_seed and the enet_socket_* family
 * itself. libenet.so calls those functions through its PLT, so the dynamic linker binds them to the
 * executable's definitions (an executable comes first in the global lookup scope, and ld exports a
 * symbol of the executable into .dynsym when a shared library of the link also defines it). libenet
 * then reads our clock and talks to in-memory sockets: one inbox and one outbox per host.
 *
 * Control: two FIFOs, argv[1] for requests (read) and argv[2] for responses (write). One request,
 * one response, all integers little-endian:
 *   request  = u32 bodyBytes, u8 opCode, arguments (per op, see the op table at the end)
 *   response = u32 bodyBytes, u8 status (0 ok, 1 request refused), payload (ok) or message (refused)
 * Right after opening both FIFOs the driver sends a hello response: magic "ENSD", u32 protocol
 * version, u32 enet_linked_version(). A request that cannot be parsed (bad length, unknown op,
 * arguments too short or too long) is a bug in the caller: the driver prints why on stderr and exits 2.
 * A well-formed request naming something that does not exist (host id, peer index) or exceeding a
 * bound (inbox, outbox, response size) is refused with status 1 and a message; the driver keeps going.
 *
 * Build: gcc -O2 -Wall -Wextra -o libenet-driver libenet-driver.c $(pkg-config --cflags --libs libenet)
 * or, against another libenet (1.3.17 or 1.3.18): gcc ... -I PREFIX/include libenet-driver.c PATH/libenet.so
 * The driver compiles against both versions' headers; it refuses to start when the library it runs
 * is not the version of the headers it was compiled with (their structures differ).
 *
 * Allocations: the driver installs a malloc that zero-fills (enet_initialize_with_callbacks), so
 * memory libenet hands out without writing it (the hole of a packet whose fragment was never
 * received, with checksums off) holds zeros, as the TypeScript core's buffers do.
 *
 * Peer drops: the driver also defines enet_peer_reset (calling libenet's own through dlsym) to see
 * every slot libenet drops, so that a slot dropped and reused inside one call is reported.
 */
#define _GNU_SOURCE
#include <enet/enet.h>
#include <enet/time.h>

#include <dlfcn.h>
#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <stdarg.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#define PROTOCOL_VERSION 1u

/* 1.3.18 removed ENetOutgoingCommand.roundTripTimeoutLimit (its limit rule counts send attempts),
   split the reliable sends off outgoingCommands, and dropped 1.3.17's sentUnreliableCommands. */
#define ENET_1_3_18 (ENET_VERSION >= ENET_VERSION_CREATE (1, 3, 18))

/* Bounds. Every queue and buffer below has one; exceeding it refuses the request. */
#define MAX_HOSTS 1024
#define SOCKET_ID_BASE 1000 /* fake socket ids, far from real descriptors to make mix-ups visible */
#define MAX_REQUEST_BYTES (16u * 1024u * 1024u)
#define MAX_RESPONSE_BYTES (24u * 1024u * 1024u)
#define MAX_DATAGRAM_BYTES 65535u /* largest UDP payload we accept into an inbox */
#define MAX_QUEUE_DATAGRAMS 16384u /* per inbox and per outbox */
#define MAX_QUEUE_BYTES (16u * 1024u * 1024u) /* per inbox and per outbox */
#define MAX_ERROR_BYTES 512u

enum status_code { STATUS_OK = 0, STATUS_REFUSED = 1 };

/* ------------------------------------------------------------------------------------------------ */
/* Failure reporting                                                                                  */

static void fatal (const char * format, ...) __attribute__ ((noreturn, format (printf, 1, 2)));

static void
fatal (const char * format, ...)
{
    va_list args;
    va_start (args, format);
    fputs ("libenet-driver: ", stderr);
    vfprintf (stderr, format, args);
    fputc ('\n', stderr);
    va_end (args);
    exit (2);
}

/* The message of the request being refused; empty while the request is fine. */
static char refusal [MAX_ERROR_BYTES];

static int refuse (const char * format, ...) __attribute__ ((format (printf, 1, 2)));

static int
refuse (const char * format, ...)
{
    va_list args;
    va_start (args, format);
    vsnprintf (refusal, sizeof (refusal), format, args);
    va_end (args);
    return -1;
}

/* ------------------------------------------------------------------------------------------------ */
/* Interposed functions: clock and random seed                                                        */

/* How often libenet called each interposed function; the tests read these to prove interposition. */
#define CALL_COUNTERS(X) \
    X (timeGet) X (timeSet) X (hostRandomSeed) X (socketCreate) X (socketBind) X (socketGetAddress) \
    X (socketSetOption) X (socketGetOption) X (socketSend) X (socketReceive) X (socketWait) \
    X (socketDestroy) X (socketUnsupported) X (peerReset) X (allocations)

#define DECLARE_COUNTER(name) uint64_t name;
static struct { CALL_COUNTERS (DECLARE_COUNTER) } callCounts;

static enet_uint32 virtualNowMs = 0;

enet_uint32
enet_time_get (void)
{
    callCounts.timeGet ++;
    return virtualNowMs;
}

void
enet_time_set (enet_uint32 newTimeMs)
{
    callCounts.timeSet ++;
    virtualNowMs = newTimeMs;
}

enet_uint32
enet_host_random_seed (void)
{
    /* The create-host op overwrites host->randomSeed anyway; 0 keeps creation deterministic. */
    callCounts.hostRandomSeed ++;
    return 0;
}

/* ------------------------------------------------------------------------------------------------ */
/* Datagram queues                                                                                    */

typedef struct datagram
{
    struct datagram * next;
    ENetAddress address; /* destination in an outbox, source in an inbox */
    size_t byteCount;
    enet_uint8 bytes [];
} datagram;

typedef struct
{
    datagram * head;
    datagram * tail;
    size_t datagramCount;
    size_t byteCount;
} datagram_queue;

static int
queue_has_room (const datagram_queue * queue, size_t byteCount)
{
    return queue -> datagramCount < MAX_QUEUE_DATAGRAMS && queue -> byteCount + byteCount <= MAX_QUEUE_BYTES;
}

static datagram *
datagram_new (const ENetAddress * address, size_t byteCount)
{
    datagram * item = malloc (sizeof (datagram) + byteCount);
    if (item == NULL)
      fatal ("out of memory allocating a %zu-byte datagram", byteCount);
    item -> next = NULL;
    item -> address = * address;
    item -> byteCount = byteCount;
    return item;
}

static void
queue_push (datagram_queue * queue, datagram * item)
{
    if (queue -> tail == NULL)
      queue -> head = item;
    else
      queue -> tail -> next = item;
    queue -> tail = item;
    queue -> datagramCount ++;
    queue -> byteCount += item -> byteCount;
}

static datagram *
queue_pop (datagram_queue * queue)
{
    datagram * item = queue -> head;
    if (item == NULL)
      return NULL;
    queue -> head = item -> next;
    if (queue -> head == NULL)
      queue -> tail = NULL;
    queue -> datagramCount --;
    queue -> byteCount -= item -> byteCount;
    return item;
}

static void
queue_clear (datagram_queue * queue)
{
    datagram * item;
    while ((item = queue_pop (queue)) != NULL)
      free (item);
}

/* ------------------------------------------------------------------------------------------------ */
/* Interposed functions: sockets                                                                      */

typedef struct
{
    int inUse;
    ENetAddress boundAddress;
    datagram_queue inbox;
    datagram_queue outbox;
    int outboxOverflowed; /* set by enet_socket_send, reported (and cleared) after the op */
} fake_socket;

static fake_socket sockets [MAX_HOSTS];

static fake_socket *
socket_lookup (ENetSocket socketId)
{
    int index = (int) socketId - SOCKET_ID_BASE;
    if (index < 0 || index >= MAX_HOSTS || ! sockets [index].inUse)
      fatal ("libenet used unknown fake socket %d", (int) socketId);
    return & sockets [index];
}

ENetSocket
enet_socket_create (ENetSocketType type)
{
    callCounts.socketCreate ++;
    if (type != ENET_SOCKET_TYPE_DATAGRAM)
      return ENET_SOCKET_NULL;
    for (int index = 0; index < MAX_HOSTS; ++ index)
    {
        if (sockets [index].inUse)
          continue;
        memset (& sockets [index], 0, sizeof (fake_socket));
        sockets [index].inUse = 1;
        return (ENetSocket) (SOCKET_ID_BASE + index);
    }
    return ENET_SOCKET_NULL;
}

int
enet_socket_bind (ENetSocket socketId, const ENetAddress * address)
{
    callCounts.socketBind ++;
    if (address != NULL)
      socket_lookup (socketId) -> boundAddress = * address;
    return 0;
}

int
enet_socket_get_address (ENetSocket socketId, ENetAddress * address)
{
    callCounts.socketGetAddress ++;
    * address = socket_lookup (socketId) -> boundAddress;
    return 0;
}

int
enet_socket_set_option (ENetSocket socketId, ENetSocketOption option, int value)
{
    (void) socketId; (void) option; (void) value;
    callCounts.socketSetOption ++;
    return 0;
}

int
enet_socket_get_option (ENetSocket socketId, ENetSocketOption option, int * value)
{
    (void) socketId; (void) option;
    callCounts.socketGetOption ++;
    * value = 0;
    return 0;
}

int
enet_socket_send (ENetSocket socketId, const ENetAddress * address, const ENetBuffer * buffers, size_t bufferCount)
{
    fake_socket * fake = socket_lookup (socketId);
    size_t byteCount = 0;
    callCounts.socketSend ++;
    for (size_t index = 0; index < bufferCount; ++ index)
      byteCount += buffers [index].dataLength;
    if (! queue_has_room (& fake -> outbox, byteCount))
    {
        fake -> outboxOverflowed = 1;
        return -1;
    }
    datagram * item = datagram_new (address, byteCount);
    size_t offset = 0;
    for (size_t index = 0; index < bufferCount; ++ index)
    {
        memcpy (item -> bytes + offset, buffers [index].data, buffers [index].dataLength);
        offset += buffers [index].dataLength;
    }
    queue_push (& fake -> outbox, item);
    return (int) byteCount;
}

/* Mirrors unix.c: a datagram larger than the buffers is consumed and reported as -1 (MSG_TRUNC),
   or -2 from 1.3.18 on (which enet_protocol_receive_incoming_commands then skips). */
#if ENET_1_3_18
#define TRUNCATED_RECEIVE_RESULT (-2)
#else
#define TRUNCATED_RECEIVE_RESULT (-1)
#endif

int
enet_socket_receive (ENetSocket socketId, ENetAddress * address, ENetBuffer * buffers, size_t bufferCount)
{
    fake_socket * fake = socket_lookup (socketId);
    callCounts.socketReceive ++;
    datagram * item = queue_pop (& fake -> inbox);
    if (item == NULL)
      return 0;
    size_t offset = 0;
    for (size_t index = 0; index < bufferCount && offset < item -> byteCount; ++ index)
    {
        size_t chunk = item -> byteCount - offset;
        if (chunk > buffers [index].dataLength)
          chunk = buffers [index].dataLength;
        memcpy (buffers [index].data, item -> bytes + offset, chunk);
        offset += chunk;
    }
    int truncated = offset < item -> byteCount;
    int byteCount = (int) item -> byteCount;
    if (! truncated && address != NULL)
      * address = item -> address;
    free (item);
    return truncated ? TRUNCATED_RECEIVE_RESULT : byteCount;
}

int
enet_socket_wait (ENetSocket socketId, enet_uint32 * condition, enet_uint32 timeoutMs)
{
    (void) socketId; (void) timeoutMs;
    callCounts.socketWait ++;
    * condition = ENET_SOCKET_WAIT_NONE;
    return 0;
}

void
enet_socket_destroy (ENetSocket socketId)
{
    callCounts.socketDestroy ++;
    if (socketId == ENET_SOCKET_NULL)
      return;
    fake_socket * fake = socket_lookup (socketId);
    queue_clear (& fake -> inbox);
    queue_clear (& fake -> outbox);
    fake -> inUse = 0;
}

/* Stream-socket and select calls: libenet's UDP paths never make them; fail like a broken socket. */
int
enet_socket_listen (ENetSocket socketId, int backlog)
{
    (void) socketId; (void) backlog;
    callCounts.socketUnsupported ++;
    return -1;
}

ENetSocket
enet_socket_accept (ENetSocket socketId, ENetAddress * address)
{
    (void) socketId; (void) address;
    callCounts.socketUnsupported ++;
    return ENET_SOCKET_NULL;
}

int
enet_socket_connect (ENetSocket socketId, const ENetAddress * address)
{
    (void) socketId; (void) address;
    callCounts.socketUnsupported ++;
    return -1;
}

int
enet_socket_shutdown (ENetSocket socketId, ENetSocketShutdown how)
{
    (void) socketId; (void) how;
    callCounts.socketUnsupported ++;
    return -1;
}

int
enet_socketset_select (ENetSocket maxSocket, ENetSocketSet * readSet, ENetSocketSet * writeSet, enet_uint32 timeoutMs)
{
    (void) maxSocket; (void) readSet; (void) writeSet; (void) timeoutMs;
    callCounts.socketUnsupported ++;
    return -1;
}

/* ------------------------------------------------------------------------------------------------ */
/* Hosts and CPU accounting                                                                           */

typedef struct
{
    ENetHost * host; /* NULL when the slot is free */
    uint64_t cpuNs;  /* time spent inside libenet calls made for this host (CLOCK_MONOTONIC, see CHARGED) */
    uint64_t cpuCallCount;
} host_slot;

static host_slot hosts [MAX_HOSTS];

/* What the driver reports per peer slot with its state, cleared once reported: bits 0-1 the timeout
   rule predicted to drop it (1 limit, 2 timeout_max), bit 7 set when libenet dropped the slot
   (enet_peer_reset of a peer not DISCONNECTED), even if it is in use again by now. */
#define REPORT_TIMEOUT_MASK 0x03u
#define REPORT_DROPPED 0x80u
static enet_uint8 peerReports [MAX_HOSTS][ENET_PROTOCOL_MAXIMUM_PEER_ID];

/* libenet's own enet_peer_reset, found with dlsym (RTLD_NEXT) at start-up. */
static void (* libenetPeerReset) (ENetPeer * peer);

/* Interposed like the clock: libenet's internal calls (a timeout, a zombie dispatched, a CONNECT
   that fails) reach this definition, which notes the drop and lets libenet reset the slot. */
void
enet_peer_reset (ENetPeer * peer)
{
    callCounts.peerReset ++;
    if (peer -> state != ENET_PEER_STATE_DISCONNECTED)
    {
        for (int index = 0; index < MAX_HOSTS; ++ index)
          if (hosts [index].host == peer -> host)
          {
              peerReports [index][peer - peer -> host -> peers] |= REPORT_DROPPED;
              break;
          }
    }
    libenetPeerReset (peer);
}

/* The allocator installed with enet_initialize_with_callbacks: zero-filled memory. */
static void *
zeroed_malloc (size_t byteCount)
{
    callCounts.allocations ++;
    return calloc (1, byteCount == 0 ? 1 : byteCount);
}

static void
out_of_memory (void)
{
    fatal ("libenet ran out of memory");
}

/* The clock of the CPU accounting: CLOCK_MONOTONIC, read through the vDSO (tens of ns, no system
   call). CLOCK_THREAD_CPUTIME_ID, used before, is a system call of several µs on this project's
   machines: it cost more than the libenet call it measured and inflated libenet's figure about 7×.
   The monotonic clock keeps running while the thread waits for a core, so on a loaded machine a
   call can be charged time it spent preempted; the benchmark says so next to the figure. */
static uint64_t
accounting_clock_ns (void)
{
    struct timespec now;
    clock_gettime (CLOCK_MONOTONIC, & now);
    return (uint64_t) now.tv_sec * 1000000000u + (uint64_t) now.tv_nsec;
}

/* Runs one libenet statement and charges its time to the host slot. About one clock read's cost
   falls inside each interval (the end of the first read, the start of the second); the benchmark
   measures the read's cost (native/libenet-reference.c, mode clock) and subtracts it per call. */
#define CHARGED(slot, statement) \
    do { \
        uint64_t startNs_ = accounting_clock_ns (); \
        statement; \
        (slot) -> cpuNs += accounting_clock_ns () - startNs_; \
        (slot) -> cpuCallCount ++; \
    } while (0)

static fake_socket *
slot_socket (const host_slot * slot)
{
    return socket_lookup (slot -> host -> socket);
}

/* ------------------------------------------------------------------------------------------------ */
/* Request reader and response writer                                                                 */

typedef struct
{
    const enet_uint8 * bytes;
    size_t byteCount;
    size_t offset;
    const char * opName;
} reader;

typedef struct
{
    enet_uint8 * bytes;
    size_t capacity;
    size_t offset;
    int overflowed;
} writer;

static const enet_uint8 *
read_span (reader * in, size_t byteCount)
{
    if (in -> byteCount - in -> offset < byteCount)
      fatal ("malformed %s request: needs %zu more bytes at offset %zu of %zu",
             in -> opName, byteCount, in -> offset, in -> byteCount);
    const enet_uint8 * span = in -> bytes + in -> offset;
    in -> offset += byteCount;
    return span;
}

static enet_uint8
read_u8 (reader * in)
{
    return * read_span (in, 1);
}

static enet_uint16
read_u16 (reader * in)
{
    const enet_uint8 * span = read_span (in, 2);
    return (enet_uint16) (span [0] | span [1] << 8);
}

static enet_uint32
read_u32 (reader * in)
{
    const enet_uint8 * span = read_span (in, 4);
    return (enet_uint32) span [0] | (enet_uint32) span [1] << 8 | (enet_uint32) span [2] << 16 | (enet_uint32) span [3] << 24;
}

static ENetAddress
read_address (reader * in)
{
    ENetAddress address;
    address.host = read_u32 (in);
    address.port = read_u16 (in);
    return address;
}

static void
read_end (reader * in)
{
    if (in -> offset != in -> byteCount)
      fatal ("malformed %s request: %zu trailing bytes", in -> opName, in -> byteCount - in -> offset);
}

static enet_uint8 *
write_span (writer * out, size_t byteCount)
{
    if (out -> capacity - out -> offset < byteCount)
    {
        out -> overflowed = 1;
        return NULL;
    }
    enet_uint8 * span = out -> bytes + out -> offset;
    out -> offset += byteCount;
    return span;
}

static void
write_bytes (writer * out, const void * bytes, size_t byteCount)
{
    enet_uint8 * span = write_span (out, byteCount);
    if (span != NULL && byteCount > 0)
      memcpy (span, bytes, byteCount);
}

static void
write_u8 (writer * out, enet_uint8 value)
{
    write_bytes (out, & value, 1);
}

static void
write_u16 (writer * out, enet_uint16 value)
{
    enet_uint8 bytes [2] = { (enet_uint8) value, (enet_uint8) (value >> 8) };
    write_bytes (out, bytes, 2);
}

static void
put_u32_le (enet_uint8 * bytes, enet_uint32 value)
{
    bytes [0] = (enet_uint8) value;
    bytes [1] = (enet_uint8) (value >> 8);
    bytes [2] = (enet_uint8) (value >> 16);
    bytes [3] = (enet_uint8) (value >> 24);
}

static void
write_u32 (writer * out, enet_uint32 value)
{
    enet_uint8 bytes [4];
    put_u32_le (bytes, value);
    write_bytes (out, bytes, 4);
}

static void
write_u64 (writer * out, uint64_t value)
{
    write_u32 (out, (enet_uint32) value);
    write_u32 (out, (enet_uint32) (value >> 32));
}

static void
write_address (writer * out, const ENetAddress * address)
{
    write_u32 (out, address -> host);
    write_u16 (out, address -> port);
}

/* A named u32 field of a snapshot: u8 nameBytes, name, u32 value. Self-describing so that both sides
   can add fields without silently shifting the others. */
static void
write_named_u32 (writer * out, const char * name, enet_uint32 value)
{
    size_t nameBytes = strlen (name);
    write_u8 (out, (enet_uint8) nameBytes);
    write_bytes (out, name, nameBytes);
    write_u32 (out, value);
}

/* ------------------------------------------------------------------------------------------------ */
/* Argument lookups shared by the ops                                                                 */

static host_slot *
read_host (reader * in)
{
    enet_uint32 hostId = read_u32 (in);
    if (hostId >= MAX_HOSTS || hosts [hostId].host == NULL)
    {
        refuse ("%s: no host with id %u", in -> opName, hostId);
        return NULL;
    }
    return & hosts [hostId];
}

static ENetPeer *
find_peer (const reader * in, host_slot * slot, enet_uint32 peerIndex)
{
    if (peerIndex >= slot -> host -> peerCount)
    {
        refuse ("%s: peer index %u out of range (peerCount %zu)", in -> opName, peerIndex, slot -> host -> peerCount);
        return NULL;
    }
    return & slot -> host -> peers [peerIndex];
}

static int
slot_index (const host_slot * slot)
{
    return (int) (slot - hosts);
}

/* Packet flags the caller may set; NO_ALLOCATE would make libenet keep a pointer into our request buffer. */
#define ALLOWED_PACKET_FLAGS (ENET_PACKET_FLAG_RELIABLE | ENET_PACKET_FLAG_UNSEQUENCED | ENET_PACKET_FLAG_UNRELIABLE_FRAGMENT)

static ENetPacket *
read_packet (reader * in)
{
    enet_uint32 flags = read_u32 (in);
    enet_uint32 byteCount = read_u32 (in);
    const enet_uint8 * bytes = read_span (in, byteCount);
    if ((flags & ~ (enet_uint32) ALLOWED_PACKET_FLAGS) != 0)
    {
        refuse ("%s: packet flags 0x%x not allowed (only RELIABLE, UNSEQUENCED, UNRELIABLE_FRAGMENT)", in -> opName, flags);
        return NULL;
    }
    ENetPacket * packet = enet_packet_create (bytes, byteCount, flags);
    if (packet == NULL)
      refuse ("%s: enet_packet_create failed for %u bytes", in -> opName, byteCount);
    return packet;
}

/* ------------------------------------------------------------------------------------------------ */
/* Ops. Each one reads its arguments, makes one libenet call and writes its result. Return 0, or -1
   after refuse(). Arguments are listed in the comment above each handler, in wire order.            */

typedef int (* op_handler) (reader * in, writer * out);

/* u32 addressHost, u16 port, u32 peerCount, u32 channelLimit, u32 incomingBandwidth,
   u32 outgoingBandwidth, u32 randomSeed, u8 overrideMask, u32 mtu, u32 maximumPacketSize,
   u32 maximumWaitingData, u32 duplicatePeers → u32 hostId.
   overrideMask bits: 1 mtu, 2 maximumPacketSize, 4 maximumWaitingData, 8 duplicatePeers, 16 checksum. */
static int
op_create_host (reader * in, writer * out)
{
    ENetAddress address = read_address (in);
    enet_uint32 peerCount = read_u32 (in), channelLimit = read_u32 (in);
    enet_uint32 incomingBandwidth = read_u32 (in), outgoingBandwidth = read_u32 (in);
    enet_uint32 randomSeed = read_u32 (in);
    enet_uint8 overrideMask = read_u8 (in);
    enet_uint32 mtu = read_u32 (in), maximumPacketSize = read_u32 (in);
    enet_uint32 maximumWaitingData = read_u32 (in), duplicatePeers = read_u32 (in);
    read_end (in);

    host_slot * slot = NULL;
    for (int index = 0; index < MAX_HOSTS && slot == NULL; ++ index)
      if (hosts [index].host == NULL)
        slot = & hosts [index];
    if (slot == NULL)
      return refuse ("create_host: all %d host slots in use", MAX_HOSTS);

    ENetHost * host;
    memset (slot, 0, sizeof (host_slot));
    CHARGED (slot, host = enet_host_create (& address, peerCount, channelLimit, incomingBandwidth, outgoingBandwidth));
    if (host == NULL)
      return refuse ("create_host: enet_host_create returned NULL (peerCount %u)", peerCount);
    slot -> host = host;
    memset (peerReports [slot_index (slot)], 0, sizeof (peerReports [0]));
    host -> randomSeed = randomSeed;
    if (overrideMask & 1) host -> mtu = mtu;
    if (overrideMask & 2) host -> maximumPacketSize = maximumPacketSize;
    if (overrideMask & 4) host -> maximumWaitingData = maximumWaitingData;
    if (overrideMask & 8) host -> duplicatePeers = duplicatePeers;
    if (overrideMask & 16) host -> checksum = enet_crc32;
    write_u32 (out, (enet_uint32) slot_index (slot));
    return 0;
}

/* u32 hostId */
static int
op_destroy_host (reader * in, writer * out)
{
    (void) out;
    host_slot * slot = read_host (in);
    read_end (in);
    if (slot == NULL)
      return -1;
    CHARGED (slot, enet_host_destroy (slot -> host));
    slot -> host = NULL;
    return 0;
}

/* u32 nowMs */
static int
op_set_time (reader * in, writer * out)
{
    (void) out;
    virtualNowMs = read_u32 (in);
    read_end (in);
    return 0;
}

/* u32 hostId, u32 sourceHost, u16 sourcePort, u32 byteCount, bytes */
static int
op_deliver (reader * in, writer * out)
{
    (void) out;
    host_slot * slot = read_host (in);
    ENetAddress source = read_address (in);
    enet_uint32 byteCount = read_u32 (in);
    const enet_uint8 * bytes = read_span (in, byteCount);
    read_end (in);
    if (slot == NULL)
      return -1;
    if (byteCount > MAX_DATAGRAM_BYTES)
      return refuse ("deliver: %u bytes exceed the UDP maximum %u", byteCount, MAX_DATAGRAM_BYTES);
    fake_socket * fake = slot_socket (slot);
    if (! queue_has_room (& fake -> inbox, byteCount))
      return refuse ("deliver: inbox of host %d is full (%zu datagrams, %zu bytes); service it more often",
                     slot_index (slot), fake -> inbox.datagramCount, fake -> inbox.byteCount);
    datagram * item = datagram_new (& source, byteCount);
    if (byteCount > 0)
      memcpy (item -> bytes, bytes, byteCount);
    queue_push (& fake -> inbox, item);
    return 0;
}

/* Event: i32 result, u8 type, i32 peerIndex (-1 without peer), u8 channelID, u32 data,
   u32 packetFlags, u32 packetBytes, packet bytes. The packet is destroyed after copying. */
static int
write_event (writer * out, const host_slot * slot, int result, ENetEvent * event)
{
    ENetPacket * packet = event -> packet;
    int peerIndex = event -> peer == NULL ? -1 : (int) (event -> peer - slot -> host -> peers);
    write_u32 (out, (enet_uint32) result);
    write_u8 (out, (enet_uint8) event -> type);
    write_u32 (out, (enet_uint32) peerIndex);
    write_u8 (out, event -> channelID);
    write_u32 (out, event -> data);
    write_u32 (out, packet == NULL ? 0 : packet -> flags);
    write_u32 (out, packet == NULL ? 0 : (enet_uint32) packet -> dataLength);
    if (packet != NULL)
    {
        write_bytes (out, packet -> data, packet -> dataLength);
        enet_packet_destroy (packet);
    }
    if (out -> overflowed)
      return refuse ("event of host %d does not fit in the %u-byte response", slot_index (slot), MAX_RESPONSE_BYTES);
    return 0;
}

/* Which timeout rule would drop each peer, predicted before every service call from exactly the
   state enet_protocol_check_timeouts sees (it runs at the same service time, before any datagram of
   the call is received): 1 = the limit rule (backoff limit and timeout_min), 2 = timeout_max.
   libenet has no hook for its state changes; this lets the simulator name the rule, as the
   TypeScript core reports it. Sticky until read by peer_states. */
static enet_uint8
predict_timeout_cause (const ENetPeer * peer, enet_uint32 now)
{
    if (peer -> state == ENET_PEER_STATE_DISCONNECTED || peer -> state == ENET_PEER_STATE_ZOMBIE ||
        enet_list_empty (& peer -> sentReliableCommands) || ENET_TIME_LESS (now, peer -> nextTimeout))
      return 0;
    enet_uint32 earliestTimeout = peer -> earliestTimeout;
    for (ENetListIterator current = enet_list_begin (& peer -> sentReliableCommands);
         current != enet_list_end (& peer -> sentReliableCommands);
         current = enet_list_next (current))
    {
        const ENetOutgoingCommand * command = (const ENetOutgoingCommand *) current;
        if (ENET_TIME_DIFFERENCE (now, command -> sentTime) < command -> roundTripTimeout)
          continue;
        if (earliestTimeout == 0 || ENET_TIME_LESS (command -> sentTime, earliestTimeout))
          earliestTimeout = command -> sentTime;
        if (earliestTimeout == 0)
          continue;
        if (ENET_TIME_DIFFERENCE (now, earliestTimeout) >= peer -> timeoutMaximum)
          return 2;
#if ENET_1_3_18
        /* The same expression as 1.3.18's check (an int shift compared with an enet_uint32). */
        int limitReached = (enet_uint32) (1 << (command -> sendAttempts - 1)) >= peer -> timeoutLimit;
#else
        int limitReached = command -> roundTripTimeout >= command -> roundTripTimeoutLimit;
#endif
        if (limitReached && ENET_TIME_DIFFERENCE (now, earliestTimeout) >= peer -> timeoutMinimum)
          return 1;
    }
    return 0;
}

static void
predict_timeouts (host_slot * slot, enet_uint32 now)
{
    size_t slotIndex = (size_t) (slot - hosts);
    for (size_t index = 0; index < slot -> host -> peerCount; ++ index)
    {
        enet_uint8 cause = predict_timeout_cause (& slot -> host -> peers [index], now);
        if (cause != 0)
          peerReports [slotIndex][index] = (enet_uint8) ((peerReports [slotIndex][index] & ~REPORT_TIMEOUT_MASK) | cause);
    }
}

/* u32 peerCount, then per peer: u8 state, u8 report (see peerReports; cleared once written) */
static void
write_peer_states (writer * out, host_slot * slot)
{
    size_t slotIndex = (size_t) (slot - hosts);
    write_u32 (out, (enet_uint32) slot -> host -> peerCount);
    for (size_t index = 0; index < slot -> host -> peerCount; ++ index)
    {
        write_u8 (out, (enet_uint8) slot -> host -> peers [index].state);
        write_u8 (out, peerReports [slotIndex][index]);
        peerReports [slotIndex][index] = 0;
    }
}

/* u32 hostId → u32 peerCount, then per peer: u8 state, u8 report (cleared on read) */
static int
op_peer_states (reader * in, writer * out)
{
    host_slot * slot = read_host (in);
    read_end (in);
    if (slot == NULL)
      return -1;
    write_peer_states (out, slot);
    return 0;
}

/* u32 hostId, u32 nowMs → u32 outboxDatagramCount, event (enet_host_service with timeout 0).
   The outbox count after the call lets the caller skip a take_sent that would return nothing. */
static int
op_service (reader * in, writer * out)
{
    host_slot * slot = read_host (in);
    enet_uint32 nowMs = read_u32 (in);
    read_end (in);
    if (slot == NULL)
      return -1;
    virtualNowMs = nowMs;
    ENetEvent event;
    int result;
    memset (& event, 0, sizeof (event));
    predict_timeouts (slot, nowMs);
    CHARGED (slot, result = enet_host_service (slot -> host, & event, 0));
    write_u32 (out, (enet_uint32) slot_socket (slot) -> outbox.datagramCount);
    return write_event (out, slot, result, & event);
}

/* u32 hostId, u32 nowMs → what service answers, then what peer_states answers: one round trip
   for the simulator's frame, which services and then observes the peers' states. */
static int
op_service_observe (reader * in, writer * out)
{
    reader hostIdReader = * in;
    if (op_service (in, out) < 0)
      return -1;
    write_peer_states (out, & hosts [read_u32 (& hostIdReader)]);
    return 0;
}

/* u32 hostId → event (enet_host_check_events) */
static int
op_check_events (reader * in, writer * out)
{
    host_slot * slot = read_host (in);
    read_end (in);
    if (slot == NULL)
      return -1;
    ENetEvent event;
    int result;
    memset (& event, 0, sizeof (event));
    CHARGED (slot, result = enet_host_check_events (slot -> host, & event));
    return write_event (out, slot, result, & event);
}

/* u32 hostId, u32 nowMs */
static int
op_flush (reader * in, writer * out)
{
    (void) out;
    host_slot * slot = read_host (in);
    enet_uint32 nowMs = read_u32 (in);
    read_end (in);
    if (slot == NULL)
      return -1;
    virtualNowMs = nowMs;
    CHARGED (slot, enet_host_flush (slot -> host));
    return 0;
}

/* u32 hostId → u32 count, u32 remainingCount, then per datagram: u32 host, u16 port, u32 byteCount,
   bytes. Drains the outbox in send order; datagrams that do not fit in the response stay queued
   (remainingCount of them) for the next call. */
static int
op_take_sent (reader * in, writer * out)
{
    host_slot * slot = read_host (in);
    read_end (in);
    if (slot == NULL)
      return -1;
    fake_socket * fake = slot_socket (slot);
    enet_uint8 * countSpan = write_span (out, 8);
    enet_uint32 count = 0;
    while (fake -> outbox.head != NULL && out -> capacity - out -> offset >= 10 + fake -> outbox.head -> byteCount)
    {
        datagram * item = queue_pop (& fake -> outbox);
        write_address (out, & item -> address);
        write_u32 (out, (enet_uint32) item -> byteCount);
        write_bytes (out, item -> bytes, item -> byteCount);
        free (item);
        count ++;
    }
    put_u32_le (countSpan, count);
    put_u32_le (countSpan + 4, (enet_uint32) fake -> outbox.datagramCount);
    return 0;
}

/* u32 hostId, u32 addressHost, u16 port, u32 channelCount, u32 data → i32 peerIndex (-1 on NULL) */
static int
op_connect (reader * in, writer * out)
{
    host_slot * slot = read_host (in);
    ENetAddress address = read_address (in);
    enet_uint32 channelCount = read_u32 (in), data = read_u32 (in);
    read_end (in);
    if (slot == NULL)
      return -1;
    ENetPeer * peer;
    CHARGED (slot, peer = enet_host_connect (slot -> host, & address, channelCount, data));
    write_u32 (out, (enet_uint32) (peer == NULL ? -1 : (int) (peer - slot -> host -> peers)));
    return 0;
}

/* u32 hostId, u8 channelID, u32 flags, u32 byteCount, bytes */
static int
op_broadcast (reader * in, writer * out)
{
    (void) out;
    host_slot * slot = read_host (in);
    enet_uint8 channelID = read_u8 (in);
    ENetPacket * packet = read_packet (in);
    read_end (in);
    if (slot == NULL || packet == NULL)
    {
        if (packet != NULL)
          enet_packet_destroy (packet);
        return -1;
    }
    /* enet_host_broadcast destroys the packet itself when no peer took a reference. */
    CHARGED (slot, enet_host_broadcast (slot -> host, channelID, packet));
    return 0;
}

/* u32 hostId, u32 incomingBandwidth, u32 outgoingBandwidth */
static int
op_bandwidth_limit (reader * in, writer * out)
{
    (void) out;
    host_slot * slot = read_host (in);
    enet_uint32 incomingBandwidth = read_u32 (in), outgoingBandwidth = read_u32 (in);
    read_end (in);
    if (slot == NULL)
      return -1;
    CHARGED (slot, enet_host_bandwidth_limit (slot -> host, incomingBandwidth, outgoingBandwidth));
    return 0;
}

/* u32 hostId, u32 channelLimit */
static int
op_channel_limit (reader * in, writer * out)
{
    (void) out;
    host_slot * slot = read_host (in);
    enet_uint32 channelLimit = read_u32 (in);
    read_end (in);
    if (slot == NULL)
      return -1;
    CHARGED (slot, enet_host_channel_limit (slot -> host, channelLimit));
    return 0;
}

/* u32 hostId, u32 peerIndex, u8 channelID, u32 flags, u32 byteCount, bytes → i32 result */
static int
op_peer_send (reader * in, writer * out)
{
    host_slot * slot = read_host (in);
    enet_uint32 peerIndex = read_u32 (in);
    enet_uint8 channelID = read_u8 (in);
    ENetPacket * packet = read_packet (in);
    read_end (in);
    ENetPeer * peer = slot == NULL ? NULL : find_peer (in, slot, peerIndex);
    if (peer == NULL || packet == NULL)
    {
        if (packet != NULL)
          enet_packet_destroy (packet);
        return -1;
    }
    int result;
    CHARGED (slot, result = enet_peer_send (peer, channelID, packet));
    if (result < 0 && packet -> referenceCount == 0)
      enet_packet_destroy (packet);
    write_u32 (out, (enet_uint32) result);
    return 0;
}

typedef enum { DISCONNECT_NORMAL, DISCONNECT_LATER, DISCONNECT_NOW } disconnect_kind;

/* u32 hostId, u32 peerIndex, u32 data, u32 nowMs */
static int
disconnect_peer (reader * in, disconnect_kind kind)
{
    host_slot * slot = read_host (in);
    enet_uint32 peerIndex = read_u32 (in), data = read_u32 (in), nowMs = read_u32 (in);
    read_end (in);
    ENetPeer * peer = slot == NULL ? NULL : find_peer (in, slot, peerIndex);
    if (peer == NULL)
      return -1;
    virtualNowMs = nowMs;
    switch (kind)
    {
    case DISCONNECT_NORMAL: CHARGED (slot, enet_peer_disconnect (peer, data)); break;
    case DISCONNECT_LATER: CHARGED (slot, enet_peer_disconnect_later (peer, data)); break;
    case DISCONNECT_NOW: CHARGED (slot, enet_peer_disconnect_now (peer, data)); break;
    }
    return 0;
}

static int op_peer_disconnect (reader * in, writer * out) { (void) out; return disconnect_peer (in, DISCONNECT_NORMAL); }
static int op_peer_disconnect_later (reader * in, writer * out) { (void) out; return disconnect_peer (in, DISCONNECT_LATER); }
static int op_peer_disconnect_now (reader * in, writer * out) { (void) out; return disconnect_peer (in, DISCONNECT_NOW); }

/* The peer ops with only u32 arguments: u32 hostId, u32 peerIndex, then argumentCount u32 values. */
typedef enum { PEER_RESET, PEER_PING, PEER_PING_INTERVAL, PEER_TIMEOUT, PEER_THROTTLE_CONFIGURE, PEER_SET_PACKET_THROTTLE } peer_call;

static int
call_peer (reader * in, peer_call call, int argumentCount)
{
    host_slot * slot = read_host (in);
    enet_uint32 peerIndex = read_u32 (in);
    enet_uint32 arguments [3] = { 0, 0, 0 };
    for (int index = 0; index < argumentCount; ++ index)
      arguments [index] = read_u32 (in);
    read_end (in);
    ENetPeer * peer = slot == NULL ? NULL : find_peer (in, slot, peerIndex);
    if (peer == NULL)
      return -1;
    switch (call)
    {
    case PEER_RESET: CHARGED (slot, enet_peer_reset (peer)); break;
    case PEER_PING: CHARGED (slot, enet_peer_ping (peer)); break;
    case PEER_PING_INTERVAL: CHARGED (slot, enet_peer_ping_interval (peer, arguments [0])); break;
    case PEER_TIMEOUT: CHARGED (slot, enet_peer_timeout (peer, arguments [0], arguments [1], arguments [2])); break;
    case PEER_THROTTLE_CONFIGURE:
      CHARGED (slot, enet_peer_throttle_configure (peer, arguments [0], arguments [1], arguments [2]));
      break;
    case PEER_SET_PACKET_THROTTLE:
      /* A test hook, not an ENet call: writes ENetPeer.packetThrottle directly. */
      peer -> packetThrottle = arguments [0];
      break;
    }
    return 0;
}

static int op_peer_reset (reader * in, writer * out) { (void) out; return call_peer (in, PEER_RESET, 0); }
static int op_peer_ping (reader * in, writer * out) { (void) out; return call_peer (in, PEER_PING, 0); }
static int op_peer_ping_interval (reader * in, writer * out) { (void) out; return call_peer (in, PEER_PING_INTERVAL, 1); }
static int op_peer_timeout (reader * in, writer * out) { (void) out; return call_peer (in, PEER_TIMEOUT, 3); }
static int op_peer_throttle_configure (reader * in, writer * out) { (void) out; return call_peer (in, PEER_THROTTLE_CONFIGURE, 3); }
static int op_peer_set_packet_throttle (reader * in, writer * out) { (void) out; return call_peer (in, PEER_SET_PACKET_THROTTLE, 1); }

/* The ENetPeer fields of PeerSnapshot (test/support/host-like.ts), read as they are. */
#define PEER_FIELDS(X) \
    X (state) X (connectID) X (incomingPeerID) X (outgoingPeerID) X (incomingSessionID) X (outgoingSessionID) \
    X (mtu) X (windowSize) X (channelCount) X (incomingBandwidth) X (outgoingBandwidth) \
    X (incomingDataTotal) X (outgoingDataTotal) X (lastSendTime) X (lastReceiveTime) X (nextTimeout) \
    X (earliestTimeout) X (packetLossEpoch) X (packetsSent) X (packetsLost) X (packetLoss) \
    X (packetLossVariance) X (packetThrottle) X (packetThrottleLimit) X (packetThrottleCounter) \
    X (packetThrottleEpoch) X (packetThrottleAcceleration) X (packetThrottleDeceleration) \
    X (packetThrottleInterval) X (pingInterval) X (timeoutLimit) X (timeoutMinimum) X (timeoutMaximum) \
    X (lastRoundTripTime) X (lowestRoundTripTime) X (lastRoundTripTimeVariance) \
    X (highestRoundTripTimeVariance) X (roundTripTime) X (roundTripTimeVariance) X (reliableDataInTransit) \
    X (outgoingReliableSequenceNumber) X (incomingUnsequencedGroup) X (outgoingUnsequencedGroup) \
    X (eventData) X (totalWaitingData)

#define COUNT_FIELD(name) + 1
#define WRITE_PEER_FIELD(name) write_named_u32 (out, #name, (enet_uint32) peer -> name);

/* u32 hostId, u32 peerIndex → u32 fieldCount, then named u32 fields (address as address.host/.port) */
static int
op_peer_snapshot (reader * in, writer * out)
{
    host_slot * slot = read_host (in);
    enet_uint32 peerIndex = read_u32 (in);
    read_end (in);
    const ENetPeer * peer = slot == NULL ? NULL : find_peer (in, slot, peerIndex);
    if (peer == NULL)
      return -1;
    write_u32 (out, 2 PEER_FIELDS (COUNT_FIELD));
    PEER_FIELDS (WRITE_PEER_FIELD)
    write_named_u32 (out, "address.host", peer -> address.host);
    write_named_u32 (out, "address.port", peer -> address.port);
    return 0;
}

/* The ENetHost fields of HostSnapshot. */
#define HOST_FIELDS(X) \
    X (peerCount) X (channelLimit) X (mtu) X (connectedPeers) X (bandwidthLimitedPeers) X (duplicatePeers) \
    X (totalSentData) X (totalSentPackets) X (totalReceivedData) X (totalReceivedPackets)

#define WRITE_HOST_FIELD(name) write_named_u32 (out, #name, (enet_uint32) host -> name);

/* u32 hostId → u32 fieldCount, then named u32 fields */
static int
op_host_snapshot (reader * in, writer * out)
{
    host_slot * slot = read_host (in);
    read_end (in);
    if (slot == NULL)
      return -1;
    const ENetHost * host = slot -> host;
    write_u32 (out, 0 HOST_FIELDS (COUNT_FIELD));
    HOST_FIELDS (WRITE_HOST_FIELD)
    return 0;
}

/* ---- host_dump: every field of the host, its peers and their channels, for end-of-run comparison.
   Transient fields (the send buffers, the last received datagram) and pointers are left out; each
   queue is reported as its length and an FNV-1a digest of its commands' fields, computed the same
   way by src/sim/ts-host.ts. */

typedef struct
{
    writer * out;
    enet_uint32 fieldCount;
    char prefix [64];
} dump_writer;

static void
dump_field (dump_writer * dump, const char * name, enet_uint32 value)
{
    char fullName [128];
    snprintf (fullName, sizeof (fullName), "%s%s", dump -> prefix, name);
    write_named_u32 (dump -> out, fullName, value);
    dump -> fieldCount ++;
}

static enet_uint32
digest_u32 (enet_uint32 digest, enet_uint32 value)
{
    for (int shift = 0; shift < 32; shift += 8)
    {
        digest ^= (value >> shift) & 0xFFu;
        digest *= 16777619u;
    }
    return digest;
}

/* A queue as two fields: NAME.length and NAME.digest (the queue's commands folded into one number). */
static void
dump_list_summary (dump_writer * dump, const char * name, enet_uint32 count, enet_uint32 digest)
{
    char fieldName [64];
    snprintf (fieldName, sizeof (fieldName), "%s.length", name);
    dump_field (dump, fieldName, count);
    snprintf (fieldName, sizeof (fieldName), "%s.digest", name);
    dump_field (dump, fieldName, digest);
}

#define DIGEST_BASIS 2166136261u

static void
dump_outgoing_list (dump_writer * dump, const char * name, ENetList * list)
{
    enet_uint32 count = 0, digest = DIGEST_BASIS;
    for (ENetListIterator current = enet_list_begin (list); current != enet_list_end (list); current = enet_list_next (current))
    {
        const ENetOutgoingCommand * command = (const ENetOutgoingCommand *) current;
        count ++;
        digest = digest_u32 (digest, command -> reliableSequenceNumber);
        digest = digest_u32 (digest, command -> unreliableSequenceNumber);
        digest = digest_u32 (digest, command -> sentTime);
        digest = digest_u32 (digest, command -> roundTripTimeout);
        digest = digest_u32 (digest, command -> sendAttempts);
        digest = digest_u32 (digest, command -> fragmentOffset);
        digest = digest_u32 (digest, command -> fragmentLength);
        digest = digest_u32 (digest, command -> command.header.command & ENET_PROTOCOL_COMMAND_MASK);
        digest = digest_u32 (digest, command -> packet == NULL ? 0 : (enet_uint32) command -> packet -> dataLength);
    }
    dump_list_summary (dump, name, count, digest);
}

static void
dump_incoming_list (dump_writer * dump, const char * name, ENetList * list)
{
    enet_uint32 count = 0, digest = DIGEST_BASIS;
    for (ENetListIterator current = enet_list_begin (list); current != enet_list_end (list); current = enet_list_next (current))
    {
        const ENetIncomingCommand * command = (const ENetIncomingCommand *) current;
        count ++;
        digest = digest_u32 (digest, command -> reliableSequenceNumber);
        digest = digest_u32 (digest, command -> unreliableSequenceNumber);
        digest = digest_u32 (digest, command -> command.header.command & ENET_PROTOCOL_COMMAND_MASK);
        digest = digest_u32 (digest, command -> fragmentCount);
        digest = digest_u32 (digest, command -> fragmentsRemaining);
        digest = digest_u32 (digest, command -> packet == NULL ? 0 : (enet_uint32) command -> packet -> dataLength);
    }
    dump_list_summary (dump, name, count, digest);
}

static void
dump_acknowledgements (dump_writer * dump, ENetList * list)
{
    enet_uint32 count = 0, digest = DIGEST_BASIS;
    for (ENetListIterator current = enet_list_begin (list); current != enet_list_end (list); current = enet_list_next (current))
    {
        const ENetAcknowledgement * acknowledgement = (const ENetAcknowledgement *) current;
        count ++;
        digest = digest_u32 (digest, acknowledgement -> command.header.command & ENET_PROTOCOL_COMMAND_MASK);
        digest = digest_u32 (digest, acknowledgement -> command.header.channelID);
        digest = digest_u32 (digest, acknowledgement -> command.header.reliableSequenceNumber);
        digest = digest_u32 (digest, acknowledgement -> sentTime);
    }
    dump_field (dump, "acknowledgements.length", count);
    dump_field (dump, "acknowledgements.digest", digest);
}

#define DUMP_PEER_FIELD(name) dump_field (dump, #name, (enet_uint32) peer -> name);

#define PEER_DUMP_EXTRA_FIELDS(X) X (incomingBandwidthThrottleEpoch) X (outgoingBandwidthThrottleEpoch)

static void
dump_peer (dump_writer * dump, ENetPeer * peer)
{
    PEER_FIELDS (DUMP_PEER_FIELD)
    PEER_DUMP_EXTRA_FIELDS (DUMP_PEER_FIELD)
    dump_field (dump, "address.host", peer -> address.host);
    dump_field (dump, "address.port", peer -> address.port);
    dump_field (dump, "needsDispatch", (peer -> flags & ENET_PEER_FLAG_NEEDS_DISPATCH) != 0);
    for (size_t word = 0; word < ENET_PEER_UNSEQUENCED_WINDOW_SIZE / 32; ++ word)
    {
        char fieldName [32];
        snprintf (fieldName, sizeof (fieldName), "unsequencedWindow[%zu]", word);
        dump_field (dump, fieldName, peer -> unsequencedWindow [word]);
    }
    dump_acknowledgements (dump, & peer -> acknowledgements);
    dump_outgoing_list (dump, "sentReliableCommands", & peer -> sentReliableCommands);
    dump_outgoing_list (dump, "outgoingCommands", & peer -> outgoingCommands);
#if ENET_1_3_18
    dump_outgoing_list (dump, "outgoingSendReliableCommands", & peer -> outgoingSendReliableCommands);
#else
    ENetList empty;
    enet_list_clear (& empty);
    dump_outgoing_list (dump, "outgoingSendReliableCommands", & empty);
#endif
    dump_incoming_list (dump, "dispatchedCommands", & peer -> dispatchedCommands);
    size_t peerPrefixBytes = strlen (dump -> prefix);
    for (size_t channelID = 0; channelID < peer -> channelCount; ++ channelID)
    {
        ENetChannel * channel = & peer -> channels [channelID];
        snprintf (dump -> prefix + peerPrefixBytes, sizeof (dump -> prefix) - peerPrefixBytes, "channels[%zu].", channelID);
        dump_field (dump, "outgoingReliableSequenceNumber", channel -> outgoingReliableSequenceNumber);
        dump_field (dump, "outgoingUnreliableSequenceNumber", channel -> outgoingUnreliableSequenceNumber);
        dump_field (dump, "usedReliableWindows", channel -> usedReliableWindows);
        for (size_t window = 0; window < ENET_PEER_RELIABLE_WINDOWS; ++ window)
        {
            char fieldName [32];
            snprintf (fieldName, sizeof (fieldName), "reliableWindows[%zu]", window);
            dump_field (dump, fieldName, channel -> reliableWindows [window]);
        }
        dump_field (dump, "incomingReliableSequenceNumber", channel -> incomingReliableSequenceNumber);
        dump_field (dump, "incomingUnreliableSequenceNumber", channel -> incomingUnreliableSequenceNumber);
        dump_incoming_list (dump, "incomingReliableCommands", & channel -> incomingReliableCommands);
        dump_incoming_list (dump, "incomingUnreliableCommands", & channel -> incomingUnreliableCommands);
    }
    dump -> prefix [peerPrefixBytes] = '\0';
}

#define HOST_DUMP_EXTRA_FIELDS(X) \
    X (incomingBandwidth) X (outgoingBandwidth) X (bandwidthThrottleEpoch) X (randomSeed) \
    X (recalculateBandwidthLimits) X (serviceTime) X (maximumPacketSize) X (maximumWaitingData)

#define DUMP_HOST_FIELD(name) dump_field (& dump, #name, (enet_uint32) host -> name);

/* u32 hostId → u32 fieldCount, then named u32 fields: the host's ("mtu"), then every peer slot's
   ("peers[3].roundTripTime", "peers[3].channels[1].usedReliableWindows"). */
static int
op_host_dump (reader * in, writer * out)
{
    host_slot * slot = read_host (in);
    read_end (in);
    if (slot == NULL)
      return -1;
    ENetHost * host = slot -> host;
    enet_uint8 * countSpan = write_span (out, 4);
    dump_writer dump = { out, 0, "" };
    HOST_FIELDS (DUMP_HOST_FIELD)
    HOST_DUMP_EXTRA_FIELDS (DUMP_HOST_FIELD)
    enet_uint32 dispatchQueueLength = 0;
    for (ENetListIterator current = enet_list_begin (& host -> dispatchQueue); current != enet_list_end (& host -> dispatchQueue); current = enet_list_next (current))
      dispatchQueueLength ++;
    dump_field (& dump, "dispatchQueue.length", dispatchQueueLength);
    for (size_t peerIndex = 0; peerIndex < host -> peerCount; ++ peerIndex)
    {
        snprintf (dump.prefix, sizeof (dump.prefix), "peers[%zu].", peerIndex);
        dump_peer (& dump, & host -> peers [peerIndex]);
    }
    if (countSpan != NULL)
      put_u32_le (countSpan, dump.fieldCount);
    return 0;
}

/* u32 hostId → u64 cpuNs, u64 callCount (libenet calls charged to this host since creation; cpuNs is
   CLOCK_MONOTONIC time inside them, see CHARGED) */
static int
op_cpu_time (reader * in, writer * out)
{
    host_slot * slot = read_host (in);
    read_end (in);
    if (slot == NULL)
      return -1;
    write_u64 (out, slot -> cpuNs);
    write_u64 (out, slot -> cpuCallCount);
    return 0;
}

#define WRITE_COUNTER(name) write_u8 (out, (enet_uint8) strlen (#name)); write_bytes (out, #name, strlen (#name)); write_u64 (out, callCounts.name);

/* (no arguments) → u32 count, then per interposed function: u8 nameBytes, name, u64 calls */
static int
op_call_counts (reader * in, writer * out)
{
    read_end (in);
    write_u32 (out, 0 CALL_COUNTERS (COUNT_FIELD));
    CALL_COUNTERS (WRITE_COUNTER)
    return 0;
}

/* u32 hostId → i32 result of enet_host_compress_with_range_coder */
static int
op_compress_with_range_coder (reader * in, writer * out)
{
    host_slot * slot = read_host (in);
    read_end (in);
    if (slot == NULL)
      return -1;
    int result;
    CHARGED (slot, result = enet_host_compress_with_range_coder (slot -> host));
    write_u32 (out, (enet_uint32) result);
    return 0;
}

/* Raw range coder (compress.c), outside any host: one context from enet_range_coder_create, reused
   for every call as a host reuses its compressor's context for every datagram. */
#define MAX_CODER_BUFFERS 256u
#define MAX_CODER_OUTPUT_BYTES (1u << 20)

static void * rangeCoderContext;
static ENetBuffer coderBuffers [MAX_CODER_BUFFERS];
static enet_uint8 coderOutput [MAX_CODER_OUTPUT_BYTES];

static int
ensure_range_coder (const reader * in)
{
    if (rangeCoderContext == NULL)
      rangeCoderContext = enet_range_coder_create ();
    if (rangeCoderContext == NULL)
      return refuse ("%s: enet_range_coder_create failed", in -> opName);
    return 0;
}

/* u32 inLimit, u32 outLimit, u32 bufferCount, then per buffer u32 byteCount + bytes
   → u32 resultBytes (enet_range_coder_compress's return value, 0 = failure), then the bytes.
   Each buffer becomes one ENetBuffer, so the coder's step from buffer to buffer is exercised. Empty
   buffers are refused: compress.c steps into the next buffer and reads a byte from it without
   checking its length, which reads past an empty one. */
static int
op_range_coder_compress (reader * in, writer * out)
{
    enet_uint32 inLimit = read_u32 (in), outLimit = read_u32 (in), bufferCount = read_u32 (in);
    if (bufferCount > MAX_CODER_BUFFERS)
      fatal ("malformed range_coder_compress request: %u buffers (at most %u)", bufferCount, MAX_CODER_BUFFERS);
    int hasEmptyBuffer = 0;
    for (enet_uint32 index = 0; index < bufferCount; ++ index)
    {
        enet_uint32 byteCount = read_u32 (in);
        coderBuffers [index].data = (void *) read_span (in, byteCount);
        coderBuffers [index].dataLength = byteCount;
        hasEmptyBuffer |= byteCount == 0;
    }
    read_end (in);
    if (hasEmptyBuffer)
      return refuse ("range_coder_compress: empty buffers are not allowed (compress.c reads one byte past them)");
    if (outLimit > MAX_CODER_OUTPUT_BYTES)
      return refuse ("range_coder_compress: outLimit %u exceeds %u", outLimit, MAX_CODER_OUTPUT_BYTES);
    if (ensure_range_coder (in) < 0)
      return -1;
    size_t resultBytes = enet_range_coder_compress (rangeCoderContext, coderBuffers, bufferCount, inLimit, coderOutput, outLimit);
    write_u32 (out, (enet_uint32) resultBytes);
    write_bytes (out, coderOutput, resultBytes);
    return 0;
}

/* u32 outLimit, u32 byteCount, bytes → u32 resultBytes (enet_range_coder_decompress's return
   value, 0 = failure), then the bytes. inLimit is byteCount. */
static int
op_range_coder_decompress (reader * in, writer * out)
{
    enet_uint32 outLimit = read_u32 (in), byteCount = read_u32 (in);
    const enet_uint8 * bytes = read_span (in, byteCount);
    read_end (in);
    if (outLimit > MAX_CODER_OUTPUT_BYTES)
      return refuse ("range_coder_decompress: outLimit %u exceeds %u", outLimit, MAX_CODER_OUTPUT_BYTES);
    if (ensure_range_coder (in) < 0)
      return -1;
    size_t resultBytes = enet_range_coder_decompress (rangeCoderContext, bytes, byteCount, coderOutput, outLimit);
    write_u32 (out, (enet_uint32) resultBytes);
    write_bytes (out, coderOutput, resultBytes);
    return 0;
}

/* The op table: the code is the index. Append new ops at the end; never renumber. */
typedef struct
{
    const char * name;
    op_handler handler;
} op_entry;

static const op_entry ops [] = {
    [1] = { "create_host", op_create_host },
    [2] = { "destroy_host", op_destroy_host },
    [3] = { "set_time", op_set_time },
    [4] = { "deliver", op_deliver },
    [5] = { "service", op_service },
    [6] = { "check_events", op_check_events },
    [7] = { "flush", op_flush },
    [8] = { "take_sent", op_take_sent },
    [9] = { "connect", op_connect },
    [10] = { "broadcast", op_broadcast },
    [11] = { "bandwidth_limit", op_bandwidth_limit },
    [12] = { "channel_limit", op_channel_limit },
    [13] = { "peer_send", op_peer_send },
    [14] = { "peer_disconnect", op_peer_disconnect },
    [15] = { "peer_disconnect_later", op_peer_disconnect_later },
    [16] = { "peer_disconnect_now", op_peer_disconnect_now },
    [17] = { "peer_reset", op_peer_reset },
    [18] = { "peer_ping", op_peer_ping },
    [19] = { "peer_ping_interval", op_peer_ping_interval },
    [20] = { "peer_timeout", op_peer_timeout },
    [21] = { "peer_throttle_configure", op_peer_throttle_configure },
    [22] = { "peer_snapshot", op_peer_snapshot },
    [23] = { "host_snapshot", op_host_snapshot },
    [24] = { "cpu_time", op_cpu_time },
    [25] = { "call_counts", op_call_counts },
    [26] = { "compress_with_range_coder", op_compress_with_range_coder },
    [27] = { "peer_set_packet_throttle", op_peer_set_packet_throttle },
    [40] = { "peer_states", op_peer_states },
    [41] = { "range_coder_compress", op_range_coder_compress },
    [42] = { "range_coder_decompress", op_range_coder_decompress },
    [43] = { "service_observe", op_service_observe },
    [44] = { "host_dump", op_host_dump },
};

#define OP_COUNT (sizeof (ops) / sizeof (ops [0]))

/* ------------------------------------------------------------------------------------------------ */
/* FIFO transport                                                                                     */

static enet_uint8 requestBytes [MAX_REQUEST_BYTES];
static enet_uint8 responseBytes [5 + MAX_RESPONSE_BYTES];

/* Reads exactly byteCount bytes. Returns 0 on clean EOF before the first byte, 1 when complete. */
static int
read_exactly (int fd, enet_uint8 * bytes, size_t byteCount)
{
    size_t offset = 0;
    while (offset < byteCount)
    {
        ssize_t got = read (fd, bytes + offset, byteCount - offset);
        if (got < 0 && errno == EINTR)
          continue;
        if (got < 0)
          fatal ("reading the request FIFO: %s", strerror (errno));
        if (got == 0)
        {
            if (offset == 0)
              return 0;
            fatal ("request FIFO closed in the middle of a frame (%zu of %zu bytes)", offset, byteCount);
        }
        offset += (size_t) got;
    }
    return 1;
}

static void
write_exactly (int fd, const enet_uint8 * bytes, size_t byteCount)
{
    size_t offset = 0;
    while (offset < byteCount)
    {
        ssize_t put = write (fd, bytes + offset, byteCount - offset);
        if (put < 0 && errno == EINTR)
          continue;
        if (put < 0)
          fatal ("writing the response FIFO: %s", strerror (errno));
        offset += (size_t) put;
    }
}

/* Frames the payload already in responseBytes[5..] (or the refusal message) and sends it. */
static void
send_response (int fd, int status, size_t payloadBytes)
{
    if (status != STATUS_OK)
    {
        payloadBytes = strlen (refusal);
        memcpy (responseBytes + 5, refusal, payloadBytes);
    }
    put_u32_le (responseBytes, (enet_uint32) (1 + payloadBytes));
    responseBytes [4] = (enet_uint8) status;
    write_exactly (fd, responseBytes, 5 + payloadBytes);
}

static void
send_hello (int fd)
{
    writer out = { responseBytes + 5, MAX_RESPONSE_BYTES, 0, 0 };
    write_bytes (& out, "ENSD", 4);
    write_u32 (& out, PROTOCOL_VERSION);
    write_u32 (& out, enet_linked_version ());
    send_response (fd, STATUS_OK, out.offset);
}

/* An op that made a host send more than its outbox holds is refused after the fact. */
static int
check_outboxes (void)
{
    for (int index = 0; index < MAX_HOSTS; ++ index)
    {
        if (! sockets [index].inUse || ! sockets [index].outboxOverflowed)
          continue;
        sockets [index].outboxOverflowed = 0;
        return refuse ("an outbox exceeded %u datagrams or %u bytes and libenet saw a send error; call take_sent more often",
                       MAX_QUEUE_DATAGRAMS, MAX_QUEUE_BYTES);
    }
    return 0;
}

static int
dispatch (const enet_uint8 * body, size_t bodyBytes, writer * out)
{
    enet_uint8 opCode = body [0];
    if (opCode >= OP_COUNT || ops [opCode].handler == NULL)
      fatal ("malformed request: unknown op code %u", opCode);
    reader in = { body + 1, bodyBytes - 1, 0, ops [opCode].name };
    refusal [0] = '\0';
    int result = ops [opCode].handler (& in, out);
    if (check_outboxes () < 0)
      return -1;
    if (result == 0 && out -> overflowed)
      return refuse ("%s: response exceeds %u bytes", ops [opCode].name, MAX_RESPONSE_BYTES);
    return result;
}

static void
serve (int requestFd, int responseFd)
{
    for (;;)
    {
        enet_uint8 lengthBytes [4];
        if (! read_exactly (requestFd, lengthBytes, 4))
          return;
        enet_uint32 bodyBytes = (enet_uint32) lengthBytes [0] | (enet_uint32) lengthBytes [1] << 8 |
                                (enet_uint32) lengthBytes [2] << 16 | (enet_uint32) lengthBytes [3] << 24;
        if (bodyBytes < 1 || bodyBytes > MAX_REQUEST_BYTES)
          fatal ("malformed request: body of %u bytes (allowed 1..%u)", bodyBytes, MAX_REQUEST_BYTES);
        if (! read_exactly (requestFd, requestBytes, bodyBytes))
          fatal ("request FIFO closed after a frame length");
        writer out = { responseBytes + 5, MAX_RESPONSE_BYTES, 0, 0 };
        int result = dispatch (requestBytes, bodyBytes, & out);
        send_response (responseFd, result == 0 ? STATUS_OK : STATUS_REFUSED, out.offset);
    }
}

/* Fails loudly when libenet does not reach our definitions (e.g. a libenet linked with -Bsymbolic or
   hidden visibility would keep calling its own clock and sockets), then zeroes the counters. */
static void
verify_interposition (void)
{
    ENetHost * probe = enet_host_create (NULL, 1, 1, 0, 0);
    if (probe == NULL || callCounts.socketCreate != 1)
      fatal ("libenet did not call this program's enet_socket_create: symbol interposition failed");
    enet_host_flush (probe);
    if (callCounts.timeGet == 0)
      fatal ("libenet did not call this program's enet_time_get: symbol interposition failed");
    enet_host_destroy (probe);
    if (callCounts.socketDestroy != 1)
      fatal ("libenet did not call this program's enet_socket_destroy: symbol interposition failed");
    if (callCounts.peerReset == 0)
      fatal ("libenet did not call this program's enet_peer_reset: symbol interposition failed");
    if (callCounts.allocations == 0)
      fatal ("libenet did not allocate through enet_initialize_with_callbacks' malloc");
    memset (& callCounts, 0, sizeof (callCounts));
}

int
main (int argc, char ** argv)
{
    if (argc != 3)
      fatal ("usage: %s REQUEST_FIFO RESPONSE_FIFO", argv [0]);
    signal (SIGPIPE, SIG_IGN);
    if (enet_linked_version () != ENET_VERSION)
      fatal ("compiled against the headers of libenet %u.%u.%u but running libenet %u.%u.%u: their structures differ; rebuild the driver",
             ENET_VERSION_MAJOR, ENET_VERSION_MINOR, ENET_VERSION_PATCH,
             ENET_VERSION_GET_MAJOR (enet_linked_version ()), ENET_VERSION_GET_MINOR (enet_linked_version ()),
             ENET_VERSION_GET_PATCH (enet_linked_version ()));
    libenetPeerReset = (void (*) (ENetPeer *)) dlsym (RTLD_NEXT, "enet_peer_reset");
    if (libenetPeerReset == NULL || libenetPeerReset == enet_peer_reset)
      fatal ("cannot find libenet's own enet_peer_reset (dlsym: %s)", dlerror ());
    ENetCallbacks callbacks = { zeroed_malloc, free, out_of_memory };
    if (enet_initialize_with_callbacks (ENET_VERSION, & callbacks) != 0)
      fatal ("enet_initialize_with_callbacks failed");
    verify_interposition ();
    /* The same order as the TypeScript side: request first, then response, or both would block. */
    int requestFd = open (argv [1], O_RDONLY);
    if (requestFd < 0)
      fatal ("opening %s: %s", argv [1], strerror (errno));
    int responseFd = open (argv [2], O_WRONLY);
    if (responseFd < 0)
      fatal ("opening %s: %s", argv [2], strerror (errno));
    send_hello (responseFd);
    serve (requestFd, responseFd);
    enet_deinitialize ();
    return 0;
}
