/*
 * The benchmark's in-process C reference: the W1 and W2 workloads of bench/workloads.ts run on the
 * real libenet (linked from the system) in virtual time, in one process, with a minimal link model.
 * It answers "what does the same virtual work cost when nothing but libenet and a thin harness
 * runs?", so that the TypeScript core is compared with libenet in the same kind of harness (not
 * through the oracle driver's FIFO) and `enetsim run` end to end with a C program doing the same work.
 *
 *   libenet-reference run W1 [--duration-ms N] [--untimed]               (default 600000: W1's 10 virtual minutes)
 *   libenet-reference run W2 [--duration-ms N] [--clients N] [--untimed] (default 60000 and 256)
 *   libenet-reference clock                                  the cost of one clock read, ns
 *   libenet-reference rusage CMD [ARG...]                    runs CMD (its stdout to /dev/null) and
 *                                                            prints its CPU time from wait4's rusage
 *
 * Each mode prints one line of JSON on stdout. Build (the benchmark does it on demand, through
 * libenetProgram in src/native/libenet.ts):
 *   gcc -O2 -Wall -Wextra -o libenet-reference libenet-reference.c $(pkg-config --cflags --libs libenet)
 *
 * What it models, like bench/workloads.ts: the hosts (peer slots, 2 channels), their game loops
 * (frame k of a host at phase + floor(k·1000/hz) ms; in each frame enet_host_service(…, 0) is called
 * until it returns no event, at most 1000 times), the connects, the streams (packet k at
 * start + floor(k·1000/rate) ms, sent only while the peer is CONNECTED), and per direction of each
 * link: Bernoulli loss, a one-way delay of latency + uniform ±jitter in µs, raised to the previous
 * delivery on that direction (order-keeping jitter, the simulator's default), rounded up to whole ms.
 * What it does not model: the simulator's random streams (it draws from its own xorshift generator,
 * so which datagrams are lost and each delay differ from the TypeScript runs, and so the datagram
 * counts differ a little), the ordering of events within one millisecond (insertion order here,
 * sequence numbers there), bandwidth, queues, MTU, corruption, duplicates; no trace, no ledger, no
 * statistics sampling, no state observation after each call. It is a lower bound on what a simulator
 * around libenet must cost, not an equivalent of enetsim.
 *
 * Sockets and clock: as native/libenet-driver.c does, the program defines enet_time_get and the
 * enet_socket_* family; libenet.so calls them through its PLT and the dynamic linker binds them to
 * these definitions. A send copies the datagram into a pooled buffer on the sender's outbox; the
 * link model runs on the outbox after the libenet call returns, so its work is not charged to
 * libenet; a receive copies the datagram out of the receiver's inbox (the copies a real socket's
 * sendmsg/recvmsg would make, without the system call).
 *
 * Accounting: libenet's share is CLOCK_MONOTONIC (a vDSO read, tens of ns) around every libenet
 * call: enet_host_create, enet_host_connect, enet_packet_create + enet_peer_send (one interval),
 * enet_host_service + enet_packet_destroy of the packet it returned (one interval). About one clock
 * read's cost falls inside each interval; `clock` measures it, and the benchmark subtracts it per
 * call and prints it. The two reads per call are a large part of the whole run's CPU (about as
 * much as the harness itself), so `--untimed` leaves them out: a run for the process's CPU, whose
 * datagrams and events are the same as a timed run's. The whole run's CPU is CLOCK_PROCESS_CPUTIME_ID read at the start (after the
 * arguments are parsed, before the first host is created) and at the end (before the hosts are
 * destroyed): process start-up is not in it; `rusage` around the program measures that.
 */
#define _GNU_SOURCE
#include <enet/enet.h>
#include <enet/time.h>

#include <errno.h>
#include <fcntl.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>
#include <sys/time.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

/* Bounds: exceeding one is a bug in the workload's parameters and stops the program. */
#define MAX_HOSTS 1024
#define MAX_DURATION_MS 3600000u
#define SOCKET_ID_BASE 1000
#define DATAGRAM_CAPACITY 4096u /* ENET_PROTOCOL_MAXIMUM_MTU: no host sends more */
#define MAX_LIVE_DATAGRAMS 1000000u
#define WHEEL_SLOTS 4096u /* ms; every event is scheduled less than this far ahead */
#define MAX_EVENTS_PER_FRAME 1000
#define STREAMS_PER_CLIENT 3
#define EPOCH_MS 1000000u /* ENet's clock at virtual time 0, as a scenario's default epoch */
#define PORT 7777

static void fatal (const char * format, ...) __attribute__ ((noreturn, format (printf, 1, 2)));

static void
fatal (const char * format, ...)
{
    va_list args;
    va_start (args, format);
    fputs ("libenet-reference: ", stderr);
    vfprintf (stderr, format, args);
    fputc ('\n', stderr);
    va_end (args);
    exit (2);
}

static uint64_t
clock_ns (clockid_t clock)
{
    struct timespec now;
    clock_gettime (clock, & now);
    return (uint64_t) now.tv_sec * 1000000000u + (uint64_t) now.tv_nsec;
}

/* The accounting clock, read around every libenet call. */
static inline uint64_t
monotonic_ns (void)
{
    return clock_ns (CLOCK_MONOTONIC);
}

/* Off with --untimed: no clock is read around the libenet calls (two reads per call are a large
   part of a run's CPU), so the run's CPU is the work alone; libenetNs is then 0. */
static int accounting = 1;
static uint64_t libenetTimeNs;
static uint64_t libenetCallCount;

static inline uint64_t
libenet_call_start (void)
{
    return accounting ? monotonic_ns () : 0;
}

static inline void
libenet_call_end (uint64_t startNs)
{
    if (accounting)
      libenetTimeNs += monotonic_ns () - startNs;
    libenetCallCount ++;
}

/* ------------------------------------------------------------------------------------------------ */
/* Events on a timing wheel of whole ms                                                               */

enum event_kind { EVENT_FRAME, EVENT_STREAM, EVENT_CONNECT, EVENT_DELIVERY };

typedef struct event
{
    struct event * next;
    enet_uint32 atMs;
    enum event_kind kind;
} event;

typedef struct
{
    event * head;
    event * tail;
} event_list;

static event_list wheel [WHEEL_SLOTS];
static enet_uint32 nowMs;

static void
schedule (event * item, enet_uint32 atMs)
{
    if (atMs < nowMs || atMs - nowMs >= WHEEL_SLOTS)
      fatal ("event at %u ms scheduled at %u ms: outside the wheel (%u ms)", atMs, nowMs, WHEEL_SLOTS);
    item -> atMs = atMs;
    item -> next = NULL;
    event_list * slot = & wheel [atMs % WHEEL_SLOTS];
    if (slot -> tail == NULL)
      slot -> head = item;
    else
      slot -> tail -> next = item;
    slot -> tail = item;
}

static event *
take_due (void)
{
    event_list * slot = & wheel [nowMs % WHEEL_SLOTS];
    event * item = slot -> head;
    if (item == NULL)
      return NULL;
    slot -> head = item -> next;
    if (slot -> head == NULL)
      slot -> tail = NULL;
    return item;
}

/* ------------------------------------------------------------------------------------------------ */
/* Datagrams: pooled buffers, on a host's outbox or inbox, or on the wheel while in flight            */

typedef struct datagram
{
    event link; /* first: a datagram on the wheel is its delivery event */
    int toHost;
    ENetAddress from;
    size_t byteCount;
    enet_uint8 bytes [DATAGRAM_CAPACITY];
} datagram;

typedef struct
{
    datagram * head;
    datagram * tail;
} datagram_queue;

static datagram * freeDatagrams;
static size_t liveDatagramCount;

static datagram *
datagram_take (void)
{
    datagram * item = freeDatagrams;
    if (item != NULL)
      freeDatagrams = (datagram *) item -> link.next;
    else
    {
        if (liveDatagramCount >= MAX_LIVE_DATAGRAMS)
          fatal ("more than %u datagrams alive", MAX_LIVE_DATAGRAMS);
        item = malloc (sizeof (datagram));
        if (item == NULL)
          fatal ("out of memory");
        liveDatagramCount ++;
    }
    item -> link.next = NULL;
    return item;
}

static void
datagram_give_back (datagram * item)
{
    item -> link.next = (event *) freeDatagrams;
    freeDatagrams = item;
}

static void
queue_push (datagram_queue * queue, datagram * item)
{
    item -> link.next = NULL;
    if (queue -> tail == NULL)
      queue -> head = item;
    else
      queue -> tail -> link.next = (event *) item;
    queue -> tail = item;
}

static datagram *
queue_pop (datagram_queue * queue)
{
    datagram * item = queue -> head;
    if (item == NULL)
      return NULL;
    queue -> head = (datagram *) item -> link.next;
    if (queue -> head == NULL)
      queue -> tail = NULL;
    return item;
}

/* ------------------------------------------------------------------------------------------------ */
/* Hosts, streams and links                                                                           */

typedef struct
{
    event frame; /* first: the host's next frame */
    event connect;
    ENetHost * host;
    ENetAddress address;
    datagram_queue inbox;
    datagram_queue outbox;
    int hz;
    enet_uint32 phaseMs;
    enet_uint32 frameIndex;
    ENetPeer * peerToServer; /* a client's peer, from enet_host_connect */
} sim_host;

typedef struct
{
    event link; /* first */
    int fromHost;
    int toHost;
    enet_uint8 channelID;
    size_t sizeBytes;
    enet_uint32 flags;
    enet_uint32 ratePerSecond;
    enet_uint32 startMs;
    enet_uint32 index;
} stream;

/* One direction of a link: its random stream and the last delivery time (order-keeping jitter). */
typedef struct
{
    uint64_t randomState;
    uint64_t lastDeliveryUs;
} direction;

static sim_host hosts [MAX_HOSTS];
static int hostCount;
static ENetPeer * serverPeers [MAX_HOSTS]; /* the server's peer of client i, once connected */
static stream * streams;
static int streamCount;
static direction * directions; /* client i → server at 2i, server → client i at 2i + 1 */
static enet_uint32 durationMs;
static uint64_t lossBelow;       /* a draw below this (of 2^53) loses the datagram */
static uint64_t latencyUs;
static uint64_t jitterUs;

static struct
{
    uint64_t datagramsSent;
    uint64_t datagramsDelivered;
    uint64_t datagramsLost;
    uint64_t packetsSent;
    uint64_t packetsReceived;
    uint64_t timeGetCalls;
    uint64_t socketSendCalls;
    uint64_t unknownDestinations;
} counts;

static enet_uint8 payload [DATAGRAM_CAPACITY];

static uint64_t
splitmix64 (uint64_t * state)
{
    uint64_t z = (* state += 0x9e3779b97f4a7c15u);
    z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9u;
    z = (z ^ (z >> 27)) * 0x94d049bb133111ebu;
    return z ^ (z >> 31);
}

/* xorshift64*: 53 random bits. */
static uint64_t
draw53 (direction * dir)
{
    uint64_t x = dir -> randomState;
    x ^= x >> 12;
    x ^= x << 25;
    x ^= x >> 27;
    dir -> randomState = x;
    return (x * 0x2545f4914f6cdd1du) >> 11;
}

static direction *
direction_of (int fromHost, int toHost)
{
    if (toHost == 0 && fromHost > 0)
      return & directions [2 * fromHost];
    if (fromHost == 0 && toHost > 0)
      return & directions [2 * toHost + 1];
    fatal ("no link from host %d to host %d (every link has the server at one end)", fromHost, toHost);
}

/* The link model, outside libenet's accounting: each datagram the host sent is lost or scheduled. */
static void
transmit_outbox (int fromHost)
{
    datagram * item;
    while ((item = queue_pop (& hosts [fromHost].outbox)) != NULL)
    {
        counts.datagramsSent ++;
        direction * dir = direction_of (fromHost, item -> toHost);
        if (draw53 (dir) < lossBelow)
        {
            counts.datagramsLost ++;
            datagram_give_back (item);
            continue;
        }
        /* latency + jitter · (2u − 1), u uniform in [0, 1): the simulator's uniform jitter. */
        int64_t extraUs = (int64_t) ((double) jitterUs * (2.0 * (double) draw53 (dir) / 9007199254740992.0 - 1.0));
        int64_t delayUs = (int64_t) latencyUs + extraUs;
        if (delayUs < 0)
          delayUs = 0;
        uint64_t arrivalUs = (uint64_t) nowMs * 1000u + (uint64_t) delayUs;
        if (arrivalUs < dir -> lastDeliveryUs)
          arrivalUs = dir -> lastDeliveryUs;
        dir -> lastDeliveryUs = arrivalUs;
        item -> link.kind = EVENT_DELIVERY;
        schedule (& item -> link, (enet_uint32) ((arrivalUs + 999u) / 1000u));
    }
}

static int
host_of_address (const ENetAddress * address)
{
    int index = (int) address -> host - 1;
    return index >= 0 && index < hostCount ? index : -1;
}

static void
create_host (int index, size_t peerCount, int hz, enet_uint32 phaseMs)
{
    sim_host * h = & hosts [index];
    h -> address.host = (enet_uint32) index + 1;
    h -> address.port = PORT;
    h -> hz = hz;
    h -> phaseMs = phaseMs;
    uint64_t startNs = libenet_call_start ();
    h -> host = enet_host_create (& h -> address, peerCount, 2, 0, 0);
    libenet_call_end (startNs);
    if (h -> host == NULL)
      fatal ("enet_host_create failed for host %d", index);
    h -> frame.kind = EVENT_FRAME;
    schedule (& h -> frame, phaseMs);
}

/* One frame: service until no event (bounded), then the next frame. */
static void
run_frame (int index)
{
    sim_host * h = & hosts [index];
    for (int call = 0; call < MAX_EVENTS_PER_FRAME; ++ call)
    {
        ENetEvent ev;
        uint64_t startNs = libenet_call_start ();
        int result = enet_host_service (h -> host, & ev, 0);
        if (result > 0 && ev.type == ENET_EVENT_TYPE_RECEIVE)
          enet_packet_destroy (ev.packet);
        libenet_call_end (startNs);
        transmit_outbox (index);
        if (result <= 0)
          break;
        if (ev.type == ENET_EVENT_TYPE_RECEIVE)
          counts.packetsReceived ++;
        else if (ev.type == ENET_EVENT_TYPE_CONNECT && index == 0)
        {
            int client = host_of_address (& ev.peer -> address);
            if (client > 0)
              serverPeers [client] = ev.peer;
        }
        else if (ev.type == ENET_EVENT_TYPE_DISCONNECT && index == 0)
        {
            int client = host_of_address (& ev.peer -> address);
            if (client > 0)
              serverPeers [client] = NULL;
        }
    }
    h -> frameIndex ++;
    enet_uint32 nextMs = h -> phaseMs + (enet_uint32) (((uint64_t) h -> frameIndex * 1000u) / (uint64_t) h -> hz);
    if (nextMs < durationMs)
      schedule (& h -> frame, nextMs);
}

static void
run_connect (int index)
{
    sim_host * h = & hosts [index];
    uint64_t startNs = libenet_call_start ();
    h -> peerToServer = enet_host_connect (h -> host, & hosts [0].address, 2, 0);
    libenet_call_end (startNs);
    transmit_outbox (index);
    if (h -> peerToServer == NULL)
      fatal ("enet_host_connect failed for host %d", index);
}

/* One packet of a stream (while its peer is connected), then the next one. */
static void
run_stream (stream * s)
{
    ENetPeer * peer = s -> fromHost == 0 ? serverPeers [s -> toHost] : hosts [s -> fromHost].peerToServer;
    if (peer != NULL && peer -> state == ENET_PEER_STATE_CONNECTED)
    {
        uint64_t startNs = libenet_call_start ();
        ENetPacket * packet = enet_packet_create (payload, s -> sizeBytes, s -> flags);
        int result = packet == NULL ? -1 : enet_peer_send (peer, s -> channelID, packet);
        if (result < 0 && packet != NULL)
          enet_packet_destroy (packet);
        libenet_call_end (startNs);
        if (result < 0)
          fatal ("enet_peer_send failed from host %d to host %d", s -> fromHost, s -> toHost);
        counts.packetsSent ++;
    }
    s -> index ++;
    enet_uint32 nextMs = s -> startMs + (enet_uint32) (((uint64_t) s -> index * 1000u) / (uint64_t) s -> ratePerSecond);
    if (nextMs < durationMs)
      schedule (& s -> link, nextMs);
}

static void
add_stream (int fromHost, int toHost, enet_uint32 ratePerSecond, size_t sizeBytes, enet_uint32 flags, enet_uint8 channelID, enet_uint32 startMs)
{
    stream * s = & streams [streamCount ++];
    * s = (stream) { .fromHost = fromHost, .toHost = toHost, .channelID = channelID, .sizeBytes = sizeBytes, .flags = flags,
                     .ratePerSecond = ratePerSecond, .startMs = startMs, .index = 0 };
    s -> link.kind = EVENT_STREAM;
    if (startMs < durationMs)
      schedule (& s -> link, startMs);
}

/* ------------------------------------------------------------------------------------------------ */
/* Interposed functions: clock, seed and sockets                                                      */

enet_uint32
enet_time_get (void)
{
    counts.timeGetCalls ++;
    return EPOCH_MS + nowMs;
}

void
enet_time_set (enet_uint32 newTimeMs)
{
    (void) newTimeMs; /* the virtual clock is the event loop's; libenet never sets it in these workloads */
}

enet_uint32
enet_host_random_seed (void)
{
    return 0;
}

static int nextSocketIndex;

ENetSocket
enet_socket_create (ENetSocketType type)
{
    if (type != ENET_SOCKET_TYPE_DATAGRAM || nextSocketIndex >= MAX_HOSTS)
      return ENET_SOCKET_NULL;
    return (ENetSocket) (SOCKET_ID_BASE + nextSocketIndex ++);
}

static sim_host *
host_of_socket (ENetSocket socketId)
{
    int index = (int) socketId - SOCKET_ID_BASE;
    if (index < 0 || index >= hostCount)
      fatal ("libenet used unknown socket %d", (int) socketId);
    return & hosts [index];
}

int enet_socket_bind (ENetSocket socketId, const ENetAddress * address) { (void) socketId; (void) address; return 0; }
int enet_socket_set_option (ENetSocket socketId, ENetSocketOption option, int value) { (void) socketId; (void) option; (void) value; return 0; }
int enet_socket_get_option (ENetSocket socketId, ENetSocketOption option, int * value) { (void) socketId; (void) option; * value = 0; return 0; }
int enet_socket_listen (ENetSocket socketId, int backlog) { (void) socketId; (void) backlog; return -1; }
ENetSocket enet_socket_accept (ENetSocket socketId, ENetAddress * address) { (void) socketId; (void) address; return ENET_SOCKET_NULL; }
int enet_socket_connect (ENetSocket socketId, const ENetAddress * address) { (void) socketId; (void) address; return -1; }
int enet_socket_shutdown (ENetSocket socketId, ENetSocketShutdown how) { (void) socketId; (void) how; return -1; }
void enet_socket_destroy (ENetSocket socketId) { (void) socketId; }

int
enet_socketset_select (ENetSocket maxSocket, ENetSocketSet * readSet, ENetSocketSet * writeSet, enet_uint32 timeoutMs)
{
    (void) maxSocket; (void) readSet; (void) writeSet; (void) timeoutMs;
    return -1;
}

int
enet_socket_get_address (ENetSocket socketId, ENetAddress * address)
{
    * address = host_of_socket (socketId) -> address;
    return 0;
}

int
enet_socket_wait (ENetSocket socketId, enet_uint32 * condition, enet_uint32 timeoutMs)
{
    (void) socketId; (void) timeoutMs;
    * condition = ENET_SOCKET_WAIT_NONE;
    return 0;
}

int
enet_socket_send (ENetSocket socketId, const ENetAddress * address, const ENetBuffer * buffers, size_t bufferCount)
{
    sim_host * from = host_of_socket (socketId);
    counts.socketSendCalls ++;
    int toHost = host_of_address (address);
    if (toHost < 0)
    {
        counts.unknownDestinations ++;
        return 0;
    }
    datagram * item = datagram_take ();
    size_t offset = 0;
    for (size_t index = 0; index < bufferCount; ++ index)
    {
        if (offset + buffers [index].dataLength > DATAGRAM_CAPACITY)
          fatal ("a datagram of more than %u bytes", DATAGRAM_CAPACITY);
        memcpy (item -> bytes + offset, buffers [index].data, buffers [index].dataLength);
        offset += buffers [index].dataLength;
    }
    item -> byteCount = offset;
    item -> toHost = toHost;
    item -> from = from -> address;
    queue_push (& from -> outbox, item);
    return (int) offset;
}

int
enet_socket_receive (ENetSocket socketId, ENetAddress * address, ENetBuffer * buffers, size_t bufferCount)
{
    datagram * item = queue_pop (& host_of_socket (socketId) -> inbox);
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
    int byteCount = (int) item -> byteCount;
    int truncated = offset < item -> byteCount;
    if (address != NULL)
      * address = item -> from;
    datagram_give_back (item);
    return truncated ? -1 : byteCount;
}

/* ------------------------------------------------------------------------------------------------ */
/* The workloads                                                                                      */

static void
allocate_workload (int clientCount, int streamsPerClient)
{
    hostCount = clientCount + 1;
    if (hostCount > MAX_HOSTS)
      fatal ("%d hosts: at most %d", hostCount, MAX_HOSTS);
    streams = calloc ((size_t) (clientCount * streamsPerClient), sizeof (stream));
    directions = calloc ((size_t) (2 * hostCount), sizeof (direction));
    if (streams == NULL || directions == NULL)
      fatal ("out of memory");
    uint64_t seed = 0x454e4554u; /* "ENET" */
    for (int index = 0; index < 2 * hostCount; ++ index)
    {
        directions [index].randomState = splitmix64 (& seed) | 1u;
        directions [index].lastDeliveryUs = 0;
    }
}

static void
set_link (uint64_t latencyMs, uint64_t jitterMs, double lossPercent)
{
    latencyUs = latencyMs * 1000u;
    jitterUs = jitterMs * 1000u;
    lossBelow = (uint64_t) (lossPercent / 100.0 * 9007199254740992.0);
}

/* W1: two hosts at 60 Hz (the client's phase 5 ms); client→server 60/s × 100 B unreliable on
   channel 1 and 10/s × 200 B reliable on channel 0, server→client 20/s × 400 B unreliable on
   channel 1, all from 1 s; 40 ms ± 5 ms uniform one-way, 1 % loss. */
static void
build_duel (void)
{
    allocate_workload (1, STREAMS_PER_CLIENT);
    set_link (40, 5, 1.0);
    create_host (0, 8, 60, 0);
    create_host (1, 8, 60, 5);
    hosts [1].connect.kind = EVENT_CONNECT;
    schedule (& hosts [1].connect, 0);
    add_stream (1, 0, 60, 100, 0, 1, 1000);
    add_stream (1, 0, 10, 200, ENET_PACKET_FLAG_RELIABLE, 0, 1000);
    add_stream (0, 1, 20, 400, 0, 1, 1000);
}

/* W2: a server (clientCount slots) and clientCount clients (one slot each), all at 30 Hz (client
   i's phase (7i mod 33) ms); client i connects at (i mod 256) ms; from 1 s + (13i mod 50) ms client
   i sends 20/s × 64 B unreliable on channel 1 and 1/s × 100 B reliable on channel 0, and the server
   sends it 20/s × 256 B unreliable on channel 1; 30 ms ± 10 ms uniform one-way, 2 % loss. */
static void
build_lobby (int clientCount)
{
    allocate_workload (clientCount, STREAMS_PER_CLIENT);
    set_link (30, 10, 2.0);
    create_host (0, (size_t) clientCount, 30, 0);
    for (int client = 1; client <= clientCount; ++ client)
    {
        int index = client - 1; /* the workload's client number */
        create_host (client, 1, 30, (enet_uint32) ((index * 7) % 33));
        hosts [client].connect.kind = EVENT_CONNECT;
        schedule (& hosts [client].connect, (enet_uint32) (index % 256));
        enet_uint32 startMs = 1000u + (enet_uint32) ((index * 13) % 50);
        add_stream (client, 0, 20, 64, 0, 1, startMs);
        add_stream (client, 0, 1, 100, ENET_PACKET_FLAG_RELIABLE, 0, startMs);
        add_stream (0, client, 20, 256, 0, 1, startMs);
    }
}

static void
run_events (void)
{
    for (nowMs = 0; nowMs < durationMs; ++ nowMs)
    {
        event * item;
        while ((item = take_due ()) != NULL)
        {
            switch (item -> kind)
            {
            case EVENT_FRAME: run_frame ((int) ((sim_host *) item - hosts)); break;
            case EVENT_CONNECT: run_connect ((int) ((sim_host *) ((char *) item - offsetof (sim_host, connect)) - hosts)); break;
            case EVENT_STREAM: run_stream ((stream *) item); break;
            case EVENT_DELIVERY:
            {
                datagram * delivered = (datagram *) item;
                counts.datagramsDelivered ++;
                queue_push (& hosts [delivered -> toHost].inbox, delivered);
                break;
            }
            }
        }
    }
}

static unsigned long
parse_count (const char * text, const char * flag, unsigned long maximum)
{
    char * end = NULL;
    errno = 0;
    unsigned long value = strtoul (text, & end, 10);
    if (errno != 0 || end == text || * end != '\0' || value == 0 || value > maximum)
      fatal ("%s must be an integer 1..%lu, got '%s'", flag, maximum, text);
    return value;
}

static int
run_workload (int argc, char ** argv)
{
    if (argc < 1 || (strcmp (argv [0], "W1") != 0 && strcmp (argv [0], "W2") != 0))
      fatal ("run: the workload is W1 or W2");
    int lobby = strcmp (argv [0], "W2") == 0;
    unsigned long clientCount = lobby ? 256 : 1;
    durationMs = lobby ? 60000u : 600000u;
    for (int index = 1; index < argc; ++ index)
    {
        const char * flag = argv [index];
        if (strcmp (flag, "--untimed") == 0)
        {
            accounting = 0;
            continue;
        }
        if (index + 1 >= argc)
          fatal ("%s needs a value", flag);
        const char * value = argv [++ index];
        if (strcmp (flag, "--duration-ms") == 0)
          durationMs = (enet_uint32) parse_count (value, "--duration-ms", MAX_DURATION_MS);
        else if (strcmp (flag, "--clients") == 0 && lobby)
          clientCount = parse_count (value, "--clients", MAX_HOSTS - 1);
        else
          fatal ("unknown option '%s' for %s", flag, argv [0]);
    }
    if (enet_initialize () != 0)
      fatal ("enet_initialize failed");
    memset (payload, 0x5a, sizeof (payload));
    uint64_t processStartNs = clock_ns (CLOCK_PROCESS_CPUTIME_ID);
    uint64_t wallStartNs = monotonic_ns ();
    if (lobby)
      build_lobby ((int) clientCount);
    else
      build_duel ();
    run_events ();
    uint64_t wallNs = monotonic_ns () - wallStartNs;
    uint64_t processCpuNs = clock_ns (CLOCK_PROCESS_CPUTIME_ID) - processStartNs;
    if (counts.timeGetCalls == 0 || counts.socketSendCalls == 0)
      fatal ("libenet did not call this program's enet_time_get or enet_socket_send: symbol interposition failed");
    int connected = 0;
    for (int client = 1; client < hostCount; ++ client)
      connected += serverPeers [client] != NULL && serverPeers [client] -> state == ENET_PEER_STATE_CONNECTED;
    for (int index = 0; index < hostCount; ++ index)
      enet_host_destroy (hosts [index].host);
    enet_deinitialize ();
    printf ("{\"workload\":\"%s\",\"timed\":%s,\"virtualMs\":%u,\"hosts\":%d,\"connectedClients\":%d,"
            "\"datagramsSent\":%llu,\"datagramsDelivered\":%llu,\"datagramsLost\":%llu,"
            "\"packetsSent\":%llu,\"packetsReceived\":%llu,"
            "\"processCpuNs\":%llu,\"wallNs\":%llu,\"libenetNs\":%llu,\"libenetCalls\":%llu}\n",
            argv [0], accounting ? "true" : "false", durationMs, hostCount, connected,
            (unsigned long long) counts.datagramsSent, (unsigned long long) counts.datagramsDelivered,
            (unsigned long long) counts.datagramsLost, (unsigned long long) counts.packetsSent,
            (unsigned long long) counts.packetsReceived, (unsigned long long) processCpuNs,
            (unsigned long long) wallNs, (unsigned long long) libenetTimeNs,
            (unsigned long long) libenetCallCount);
    return 0;
}

/* ------------------------------------------------------------------------------------------------ */
/* clock: the cost of one read                                                                        */

static int
compare_u64 (const void * a, const void * b)
{
    uint64_t x = * (const uint64_t *) a, y = * (const uint64_t *) b;
    return x < y ? -1 : x > y;
}

/* The median over `batchCount` batches of `readCount` back-to-back reads of `clock`, ns per read
   (timed with CLOCK_MONOTONIC around each batch). */
static double
clock_read_ns (clockid_t clock, int readCount)
{
    enum { batchCount = 9 };
    uint64_t perBatch [batchCount];
    volatile uint64_t sink = 0;
    for (int batch = -1; batch < batchCount; ++ batch)
    {
        uint64_t startNs = monotonic_ns ();
        for (int read = 0; read < readCount; ++ read)
          sink += clock_ns (clock);
        uint64_t elapsedNs = monotonic_ns () - startNs;
        if (batch >= 0) /* batch -1 warms up */
          perBatch [batch] = elapsedNs;
    }
    (void) sink;
    qsort (perBatch, batchCount, sizeof (uint64_t), compare_u64);
    return (double) perBatch [batchCount / 2] / (double) readCount;
}

static int
measure_clock (void)
{
    printf ("{\"monotonicNsPerRead\":%.2f,\"threadCpuTimeNsPerRead\":%.2f}\n",
            clock_read_ns (CLOCK_MONOTONIC, 100000), clock_read_ns (CLOCK_THREAD_CPUTIME_ID, 5000));
    return 0;
}

/* ------------------------------------------------------------------------------------------------ */
/* rusage: a command's CPU time, start-up included                                                    */

static int
measure_command (char ** command)
{
    uint64_t startNs = monotonic_ns ();
    pid_t child = fork ();
    if (child < 0)
      fatal ("fork: %s", strerror (errno));
    if (child == 0)
    {
        int devNull = open ("/dev/null", O_WRONLY);
        if (devNull >= 0)
          dup2 (devNull, STDOUT_FILENO);
        execvp (command [0], command);
        fprintf (stderr, "libenet-reference: cannot run %s: %s\n", command [0], strerror (errno));
        _exit (127);
    }
    int status = 0;
    struct rusage usage;
    if (wait4 (child, & status, 0, & usage) < 0)
      fatal ("wait4: %s", strerror (errno));
    uint64_t wallNs = monotonic_ns () - startNs;
    uint64_t userNs = (uint64_t) usage.ru_utime.tv_sec * 1000000000u + (uint64_t) usage.ru_utime.tv_usec * 1000u;
    uint64_t systemNs = (uint64_t) usage.ru_stime.tv_sec * 1000000000u + (uint64_t) usage.ru_stime.tv_usec * 1000u;
    printf ("{\"exitCode\":%d,\"signal\":%d,\"userNs\":%llu,\"systemNs\":%llu,\"wallNs\":%llu,\"maxRssKiB\":%ld}\n",
            WIFEXITED (status) ? WEXITSTATUS (status) : -1, WIFSIGNALED (status) ? WTERMSIG (status) : 0,
            (unsigned long long) userNs, (unsigned long long) systemNs, (unsigned long long) wallNs, usage.ru_maxrss);
    return 0;
}

int
main (int argc, char ** argv)
{
    if (argc >= 3 && strcmp (argv [1], "run") == 0)
      return run_workload (argc - 2, argv + 2);
    if (argc == 2 && strcmp (argv [1], "clock") == 0)
      return measure_clock ();
    if (argc >= 3 && strcmp (argv [1], "rusage") == 0)
      return measure_command (argv + 2);
    fatal ("usage: %s run W1|W2 [--duration-ms N] [--clients N] | clock | rusage CMD [ARG...]", argv [0]);
}
