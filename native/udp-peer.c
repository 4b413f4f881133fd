/*
 * udp-peer: a libenet peer on real UDP sockets, for enetsim's interop tests (test/native).
 *
 * Unlike libenet-driver.c this program interposes nothing: it uses libenet's own sockets and clock,
 * exactly as a game built on libenet would. It only ever binds and sends to loopback addresses
 * (127.0.0.0/8); any other address is refused.
 *
 *   udp-peer server [--host 127.0.0.1] [--port 0] [--peers 32] [--channels 0] [--checksum] [--compress]
 *                   [--no-echo] [--kick-after N --kick-data D] [--exit-after-disconnects N] [--duration-ms 60000]
 *     Echoes every received packet back on its channel with its flags. With --kick-after N it
 *     disconnects a peer (enet_peer_disconnect_later, data D) once N reliable packets came from it.
 *
 *   udp-peer client --port P [--host 127.0.0.1] [--channels 4] [--connect-data D] [--disconnect-data D]
 *                   [--checksum] [--compress] [--script LIST] [--send-interval-ms 0] [--expect-kick] [--timeout-ms 20000]
 *                   [--grace-ms 200]
 *     Connects, sends the script (all at once, or one packet every --send-interval-ms while servicing
 *     the host), waits for every echo that must come (those delivered reliably),
 *     waits --grace-ms for the others, then disconnects with --disconnect-data (or, with
 *     --expect-kick, waits for the server to disconnect it). Exit 0 when every reliable echo came
 *     back intact, once and in order per channel, and nothing arrived corrupt or twice; 1 otherwise.
 *
 * LIST is "channel:flags:size,..." (flags = ENET_PACKET_FLAG_* bits). Packet k of the script holds
 * byte j = (151 k + 7 j + 13 (j >> 8) + 1) mod 256, the formula src/native/udp-peer.ts uses.
 *
 * RTT: the server's receive lines and the client's result line carry libenet's own view of the
 * round-trip time (peer -> roundTripTime, its smoothed RTT in ms; the client's is read just before it
 * disconnects, since a disconnect resets the peer).
 *
 * Output: one JSON object per line on stdout (the shapes are documented in src/native/udp-peer.ts);
 * usage errors on stderr with exit 2.
 *
 * Build: gcc -O2 -Wall -Wextra -o udp-peer udp-peer.c $(pkg-config --cflags --libs libenet)
 */
#define _GNU_SOURCE
#include <enet/enet.h>

#include <arpa/inet.h>
#include <signal.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#define MAX_SCRIPT_ENTRIES 1024
#define MAX_PACKET_BYTES (32u * 1024u * 1024u)
#define MAX_DURATION_MS 600000u
#define SERVICE_WAIT_MS 2u
#define DISCONNECT_WAIT_MS 3000u

static volatile sig_atomic_t stopRequested = 0;

static void
on_signal (int signalNumber)
{
    (void) signalNumber;
    stopRequested = 1;
}

static void
usage_error (const char * message, const char * detail)
{
    fprintf (stderr, "udp-peer: %s%s%s\n", message, detail != NULL ? ": " : "", detail != NULL ? detail : "");
    exit (2);
}

static uint64_t
monotonic_ms (void)
{
    struct timespec now;
    clock_gettime (CLOCK_MONOTONIC, & now);
    return (uint64_t) now.tv_sec * 1000u + (uint64_t) now.tv_nsec / 1000000u;
}

static unsigned long
parse_number (const char * text, unsigned long maximum, const char * what)
{
    char * end = NULL;
    unsigned long value = strtoul (text, & end, 10);
    if (end == text || * end != '\0' || value > maximum)
      usage_error ("bad number for", what);
    return value;
}

/* ------------------------------------------------------------------------------------------------ */
/* Payloads and their checks                                                                        */

typedef struct
{
    unsigned channel;
    unsigned flags;
    size_t size;
    /* What the echo of this packet is expected to carry (see delivered_flags). */
    unsigned echoFlags;
    int echoed;
} ScriptEntry;

static void
fill_payload (uint8_t * out, size_t size, unsigned index)
{
    for (size_t j = 0; j < size; ++ j)
      out [j] = (uint8_t) (index * 151u + j * 7u + (j >> 8) * 13u + 1u);
}

static int
payload_matches (const uint8_t * data, size_t size, unsigned index)
{
    for (size_t j = 0; j < size; ++ j)
      if (data [j] != (uint8_t) (index * 151u + j * 7u + (j >> 8) * 13u + 1u))
        return 0;
    return 1;
}

/* The standard CRC-32 of the payload (enet_crc32 returns it in network byte order). */
static uint32_t
payload_crc32 (const uint8_t * data, size_t size)
{
    ENetBuffer buffer;
    buffer.data = (void *) data;
    buffer.dataLength = size;
    return ENET_NET_TO_HOST_32 (enet_crc32 (& buffer, 1));
}

/* The flags a packet arrives with: enet_peer_send sends packets larger than one fragment as
 * reliable fragments unless they are unreliable-fragment packets, and an unreliable-fragment packet
 * that fits one datagram goes as a plain unreliable one. */
static unsigned
delivered_flags (unsigned flags, size_t size, size_t fragmentLength)
{
    if (size > fragmentLength)
      return (flags & (ENET_PACKET_FLAG_RELIABLE | ENET_PACKET_FLAG_UNRELIABLE_FRAGMENT)) == ENET_PACKET_FLAG_UNRELIABLE_FRAGMENT
        ? ENET_PACKET_FLAG_UNRELIABLE_FRAGMENT : ENET_PACKET_FLAG_RELIABLE;
    if ((flags & (ENET_PACKET_FLAG_RELIABLE | ENET_PACKET_FLAG_UNSEQUENCED)) == ENET_PACKET_FLAG_UNSEQUENCED)
      return ENET_PACKET_FLAG_UNSEQUENCED;
    return flags & ENET_PACKET_FLAG_RELIABLE;
}

static size_t
fragment_length (const ENetHost * host, const ENetPeer * peer)
{
    size_t length = peer -> mtu - sizeof (ENetProtocolHeader) - sizeof (ENetProtocolSendFragment);
    if (host -> checksum != NULL)
      length -= sizeof (enet_uint32);
    return length;
}

/* ------------------------------------------------------------------------------------------------ */
/* Options                                                                                          */

typedef struct
{
    int isServer;
    const char * hostText;
    unsigned port;
    unsigned peers;
    unsigned channels;
    int checksum;
    int compress;
    int echo;
    unsigned kickAfter;
    enet_uint32 kickData;
    unsigned exitAfterDisconnects;
    unsigned durationMs;
    enet_uint32 connectData;
    enet_uint32 disconnectData;
    int expectKick;
    unsigned timeoutMs;
    unsigned graceMs;
    unsigned sendIntervalMs;
    ScriptEntry script [MAX_SCRIPT_ENTRIES];
    size_t scriptCount;
} Options;

static void
parse_script (Options * options, const char * text)
{
    const char * cursor = text;
    while (* cursor != '\0')
    {
        unsigned channel, flags;
        unsigned long size;
        int consumed = 0;
        if (options -> scriptCount >= MAX_SCRIPT_ENTRIES)
          usage_error ("script too long", NULL);
        if (sscanf (cursor, "%u:%u:%lu%n", & channel, & flags, & size, & consumed) != 3 || channel > 254 ||
            (flags & ~ (unsigned) (ENET_PACKET_FLAG_RELIABLE | ENET_PACKET_FLAG_UNSEQUENCED | ENET_PACKET_FLAG_UNRELIABLE_FRAGMENT)) ||
            size < 1 || size > MAX_PACKET_BYTES)
          usage_error ("bad script entry", cursor);
        options -> script [options -> scriptCount].channel = channel;
        options -> script [options -> scriptCount].flags = flags;
        options -> script [options -> scriptCount].size = (size_t) size;
        options -> scriptCount ++;
        cursor += consumed;
        if (* cursor == ',')
          ++ cursor;
        else if (* cursor != '\0')
          usage_error ("bad script separator", cursor);
    }
}

static void
parse_options (Options * options, int argc, char ** argv)
{
    memset (options, 0, sizeof (* options));
    options -> hostText = "127.0.0.1";
    options -> peers = 32;
    options -> channels = 0;
    options -> echo = 1;
    options -> durationMs = 60000;
    options -> timeoutMs = 20000;
    options -> graceMs = 200;
    if (argc < 2)
      usage_error ("usage: udp-peer server|client [options]", NULL);
    if (strcmp (argv [1], "server") == 0)
      options -> isServer = 1;
    else if (strcmp (argv [1], "client") == 0)
    {
        options -> isServer = 0;
        options -> channels = 4;
    }
    else
      usage_error ("first argument must be server or client, got", argv [1]);
    for (int index = 2; index < argc; ++ index)
    {
        const char * name = argv [index];
        const char * value = index + 1 < argc ? argv [index + 1] : NULL;
#define TAKE_VALUE() do { if (value == NULL) usage_error ("missing value for", name); ++ index; } while (0)
        if (strcmp (name, "--checksum") == 0) options -> checksum = 1;
        else if (strcmp (name, "--compress") == 0) options -> compress = 1;
        else if (strcmp (name, "--no-echo") == 0) options -> echo = 0;
        else if (strcmp (name, "--expect-kick") == 0) options -> expectKick = 1;
        else if (strcmp (name, "--host") == 0) { TAKE_VALUE (); options -> hostText = value; }
        else if (strcmp (name, "--port") == 0) { TAKE_VALUE (); options -> port = (unsigned) parse_number (value, 65535, name); }
        else if (strcmp (name, "--peers") == 0) { TAKE_VALUE (); options -> peers = (unsigned) parse_number (value, 4095, name); }
        else if (strcmp (name, "--channels") == 0) { TAKE_VALUE (); options -> channels = (unsigned) parse_number (value, 255, name); }
        else if (strcmp (name, "--kick-after") == 0) { TAKE_VALUE (); options -> kickAfter = (unsigned) parse_number (value, 1000000, name); }
        else if (strcmp (name, "--kick-data") == 0) { TAKE_VALUE (); options -> kickData = (enet_uint32) parse_number (value, 0xFFFFFFFFul, name); }
        else if (strcmp (name, "--exit-after-disconnects") == 0) { TAKE_VALUE (); options -> exitAfterDisconnects = (unsigned) parse_number (value, 4095, name); }
        else if (strcmp (name, "--duration-ms") == 0) { TAKE_VALUE (); options -> durationMs = (unsigned) parse_number (value, MAX_DURATION_MS, name); }
        else if (strcmp (name, "--connect-data") == 0) { TAKE_VALUE (); options -> connectData = (enet_uint32) parse_number (value, 0xFFFFFFFFul, name); }
        else if (strcmp (name, "--disconnect-data") == 0) { TAKE_VALUE (); options -> disconnectData = (enet_uint32) parse_number (value, 0xFFFFFFFFul, name); }
        else if (strcmp (name, "--timeout-ms") == 0) { TAKE_VALUE (); options -> timeoutMs = (unsigned) parse_number (value, MAX_DURATION_MS, name); }
        else if (strcmp (name, "--grace-ms") == 0) { TAKE_VALUE (); options -> graceMs = (unsigned) parse_number (value, MAX_DURATION_MS, name); }
        else if (strcmp (name, "--send-interval-ms") == 0) { TAKE_VALUE (); options -> sendIntervalMs = (unsigned) parse_number (value, MAX_DURATION_MS, name); }
        else if (strcmp (name, "--script") == 0) { TAKE_VALUE (); parse_script (options, value); }
        else usage_error ("unknown option", name);
#undef TAKE_VALUE
    }
    if (! options -> isServer && options -> port == 0)
      usage_error ("client needs --port", NULL);
}

/* Only loopback: this is a test tool and must never reach another machine. */
static ENetAddress
loopback_address (const char * text, unsigned port)
{
    ENetAddress address;
    struct in_addr parsed;
    if (inet_pton (AF_INET, text, & parsed) != 1 || (ntohl (parsed.s_addr) >> 24) != 127)
      usage_error ("only IPv4 loopback addresses (127.0.0.0/8) are allowed, got", text);
    address.host = parsed.s_addr;
    address.port = (enet_uint16) port;
    return address;
}

static ENetHost *
create_host (const Options * options, const ENetAddress * bindAddress, size_t peerCount, size_t channelLimit)
{
    ENetHost * host = enet_host_create (bindAddress, peerCount, channelLimit, 0, 0);
    if (host == NULL)
      usage_error ("enet_host_create failed (address in use?)", NULL);
    if (options -> checksum)
      host -> checksum = enet_crc32;
    if (options -> compress && enet_host_compress_with_range_coder (host) != 0)
      usage_error ("enet_host_compress_with_range_coder failed", NULL);
    return host;
}

static void
print_bound (const char * event, ENetHost * host)
{
    ENetAddress bound;
    enet_socket_get_address (host -> socket, & bound);
    printf ("{\"event\":\"%s\",\"port\":%u,\"version\":\"%u.%u.%u\"}\n", event, bound.port,
            ENET_VERSION_GET_MAJOR (enet_linked_version ()), ENET_VERSION_GET_MINOR (enet_linked_version ()),
            ENET_VERSION_GET_PATCH (enet_linked_version ()));
    fflush (stdout);
}

static void
print_connect (ENetHost * host, const ENetEvent * event)
{
    printf ("{\"event\":\"connect\",\"peer\":%u,\"port\":%u,\"data\":%u,\"channels\":%u,\"mtu\":%u,\"fragmentLength\":%u}\n",
            (unsigned) (event -> peer - host -> peers), event -> peer -> address.port, event -> data,
            (unsigned) event -> peer -> channelCount, event -> peer -> mtu, (unsigned) fragment_length (host, event -> peer));
    fflush (stdout);
}

static void
print_disconnect (ENetHost * host, const ENetEvent * event)
{
    printf ("{\"event\":\"disconnect\",\"peer\":%u,\"data\":%u}\n", (unsigned) (event -> peer - host -> peers), event -> data);
    fflush (stdout);
}

/* ------------------------------------------------------------------------------------------------ */
/* Server                                                                                           */

static int
run_server (const Options * options)
{
    ENetAddress bindAddress = loopback_address (options -> hostText, options -> port);
    ENetHost * host = create_host (options, & bindAddress, options -> peers, options -> channels);
    unsigned * reliableCounts = calloc (host -> peerCount, sizeof (unsigned));
    unsigned disconnects = 0;
    if (reliableCounts == NULL)
      usage_error ("out of memory for the peer counters", NULL);
    uint64_t deadlineMs = monotonic_ms () + options -> durationMs;
    print_bound ("listening", host);
    while (! stopRequested && monotonic_ms () < deadlineMs)
    {
        ENetEvent event;
        int result = enet_host_service (host, & event, SERVICE_WAIT_MS);
        if (result < 0)
        {
            printf ("{\"event\":\"error\",\"message\":\"enet_host_service returned %d\"}\n", result);
            fflush (stdout);
            continue;
        }
        if (result == 0)
          continue;
        unsigned peerIndex = (unsigned) (event.peer - host -> peers);
        switch (event.type)
        {
        case ENET_EVENT_TYPE_CONNECT:
            reliableCounts [peerIndex] = 0;
            print_connect (host, & event);
            break;
        case ENET_EVENT_TYPE_DISCONNECT:
            print_disconnect (host, & event);
            if (options -> exitAfterDisconnects != 0 && ++ disconnects >= options -> exitAfterDisconnects)
              stopRequested = 1;
            break;
        case ENET_EVENT_TYPE_RECEIVE:
        {
            ENetPacket * packet = event.packet;
            unsigned flags = packet -> flags & (ENET_PACKET_FLAG_RELIABLE | ENET_PACKET_FLAG_UNSEQUENCED | ENET_PACKET_FLAG_UNRELIABLE_FRAGMENT);
            printf ("{\"event\":\"receive\",\"peer\":%u,\"channel\":%u,\"flags\":%u,\"size\":%zu,\"crc32\":\"%08x\",\"packetThrottle\":%u,"
                    "\"roundTripTime\":%u,\"roundTripTimeVariance\":%u}\n",
                    peerIndex, event.channelID, flags, packet -> dataLength, payload_crc32 (packet -> data, packet -> dataLength),
                    event.peer -> packetThrottle, event.peer -> roundTripTime, event.peer -> roundTripTimeVariance);
            fflush (stdout);
            if (options -> echo)
            {
                ENetPacket * echo = enet_packet_create (packet -> data, packet -> dataLength, flags);
                if (echo == NULL || enet_peer_send (event.peer, event.channelID, echo) < 0)
                {
                    if (echo != NULL)
                      enet_packet_destroy (echo);
                    printf ("{\"event\":\"echoFailed\",\"peer\":%u,\"channel\":%u}\n", peerIndex, event.channelID);
                    fflush (stdout);
                }
            }
            enet_packet_destroy (packet);
            if (flags & ENET_PACKET_FLAG_RELIABLE && options -> kickAfter != 0 && ++ reliableCounts [peerIndex] == options -> kickAfter)
            {
                enet_peer_disconnect_later (event.peer, options -> kickData);
                printf ("{\"event\":\"kick\",\"peer\":%u,\"data\":%u}\n", peerIndex, options -> kickData);
                fflush (stdout);
            }
            break;
        }
        default:
            break;
        }
    }
    printf ("{\"event\":\"exit\",\"reason\":\"%s\"}\n", stopRequested ? "stopped" : "duration");
    fflush (stdout);
    free (reliableCounts);
    enet_host_destroy (host);
    return 0;
}

/* ------------------------------------------------------------------------------------------------ */
/* Client                                                                                           */

typedef struct
{
    /* Per channel: the script indexes whose echo must come reliably, in send order. */
    unsigned * reliableOrder [256];
    size_t reliableCount [256];
    size_t reliableNext [256];
    size_t reliableExpected;
    size_t reliableReceived;
    size_t othersExpected;
    size_t othersReceived;
    size_t corrupt;
    size_t duplicates;
    int inOrder;
    /* The lowest packetThrottle seen while servicing: below 32 ENet drops some unreliable packets. */
    enet_uint32 packetThrottleMin;
} EchoCheck;

static void
plan_echoes (Options * options, EchoCheck * check, size_t fragmentLength)
{
    memset (check, 0, sizeof (* check));
    check -> inOrder = 1;
    check -> packetThrottleMin = ENET_PEER_PACKET_THROTTLE_SCALE;
    for (size_t k = 0; k < options -> scriptCount; ++ k)
    {
        ScriptEntry * entry = & options -> script [k];
        /* The server echoes with the flags the packet arrived with; the echo travels the same way. */
        unsigned arrived = delivered_flags (entry -> flags, entry -> size, fragmentLength);
        entry -> echoFlags = delivered_flags (arrived, entry -> size, fragmentLength);
        if (entry -> echoFlags & ENET_PACKET_FLAG_RELIABLE)
        {
            unsigned channel = entry -> channel;
            check -> reliableOrder [channel] = realloc (check -> reliableOrder [channel], (check -> reliableCount [channel] + 1) * sizeof (unsigned));
            check -> reliableOrder [channel] [check -> reliableCount [channel] ++] = (unsigned) k;
            check -> reliableExpected ++;
        }
        else
          check -> othersExpected ++;
    }
}

/* Matches one echo to the script; prints it with the index it matched (-1: none). */
static void
check_echo (Options * options, EchoCheck * check, const ENetEvent * event)
{
    const ENetPacket * packet = event -> packet;
    unsigned flags = packet -> flags & (ENET_PACKET_FLAG_RELIABLE | ENET_PACKET_FLAG_UNSEQUENCED | ENET_PACKET_FLAG_UNRELIABLE_FRAGMENT);
    unsigned channel = event -> channelID;
    long index = -1;
    int intact = 0, duplicate = 0;
    if (flags & ENET_PACKET_FLAG_RELIABLE)
    {
        if (check -> reliableNext [channel] < check -> reliableCount [channel])
        {
            index = check -> reliableOrder [channel] [check -> reliableNext [channel] ++];
            ScriptEntry * entry = & options -> script [index];
            intact = entry -> size == packet -> dataLength && payload_matches (packet -> data, packet -> dataLength, (unsigned) index);
            entry -> echoed ++;
            check -> reliableReceived ++;
        }
        else
          duplicate = 1;
        if (! intact)
          check -> inOrder = 0;
    }
    else
    {
        for (size_t k = 0; k < options -> scriptCount && index < 0; ++ k)
        {
            ScriptEntry * entry = & options -> script [k];
            if (entry -> channel != channel || entry -> echoFlags != flags || entry -> size != packet -> dataLength ||
                ! payload_matches (packet -> data, packet -> dataLength, (unsigned) k))
              continue;
            index = (long) k;
            intact = 1;
            duplicate = entry -> echoed > 0;
            entry -> echoed ++;
        }
        if (intact && ! duplicate)
          check -> othersReceived ++;
    }
    if (! intact)
      check -> corrupt ++;
    if (duplicate)
      check -> duplicates ++;
    printf ("{\"event\":\"receive\",\"channel\":%u,\"flags\":%u,\"size\":%zu,\"crc32\":\"%08x\",\"index\":%ld,\"intact\":%s,\"duplicate\":%s}\n",
            channel, flags, packet -> dataLength, payload_crc32 (packet -> data, packet -> dataLength), index,
            intact ? "true" : "false", duplicate ? "true" : "false");
    fflush (stdout);
}

/* Services until `done` holds or `waitMs` passes; hands receives to check_echo. Returns 1 on a
 * DISCONNECT event (and stores its data). */
typedef int (* DoneFunction) (const EchoCheck *);

static int
all_reliable_echoed (const EchoCheck * check)
{
    return check -> reliableReceived >= check -> reliableExpected;
}

static int
never_done (const EchoCheck * check)
{
    (void) check;
    return 0;
}

static int
service_client (ENetHost * host, Options * options, EchoCheck * check, DoneFunction done, unsigned waitMs, enet_uint32 * disconnectData)
{
    uint64_t deadlineMs = monotonic_ms () + waitMs;
    while (! stopRequested && ! done (check) && monotonic_ms () < deadlineMs)
    {
        ENetEvent event;
        int result = enet_host_service (host, & event, SERVICE_WAIT_MS);
        if (host -> peers [0].state == ENET_PEER_STATE_CONNECTED && host -> peers [0].packetThrottle < check -> packetThrottleMin)
          check -> packetThrottleMin = host -> peers [0].packetThrottle;
        if (result <= 0)
          continue;
        if (event.type == ENET_EVENT_TYPE_RECEIVE)
        {
            check_echo (options, check, & event);
            enet_packet_destroy (event.packet);
        }
        else if (event.type == ENET_EVENT_TYPE_DISCONNECT)
        {
            print_disconnect (host, & event);
            * disconnectData = event.data;
            return 1;
        }
    }
    return 0;
}

static int
run_client (Options * options)
{
    ENetAddress bindAddress = loopback_address (options -> hostText, 0);
    ENetAddress serverAddress = loopback_address (options -> hostText, options -> port);
    ENetHost * host = create_host (options, & bindAddress, 1, 0);
    EchoCheck check;
    enet_uint32 disconnectData = 0;
    ENetEvent event;
    int connected = 0, disconnected = 0;
    print_bound ("bound", host);

    ENetPeer * peer = enet_host_connect (host, & serverAddress, options -> channels, options -> connectData);
    if (peer == NULL)
      usage_error ("enet_host_connect failed", NULL);
    uint64_t deadlineMs = monotonic_ms () + options -> timeoutMs;
    while (! connected && ! stopRequested && monotonic_ms () < deadlineMs)
      if (enet_host_service (host, & event, SERVICE_WAIT_MS) > 0 && event.type == ENET_EVENT_TYPE_CONNECT)
      {
          connected = 1;
          print_connect (host, & event);
      }
    if (! connected)
    {
        printf ("{\"event\":\"result\",\"ok\":false,\"error\":\"no CONNECT within %u ms\"}\n", options -> timeoutMs);
        enet_host_destroy (host);
        return 1;
    }

    plan_echoes (options, & check, fragment_length (host, peer));
    size_t largest = 1;
    for (size_t k = 0; k < options -> scriptCount; ++ k)
      if (options -> script [k].size > largest)
        largest = options -> script [k].size;
    uint8_t * payload = malloc (largest);
    if (payload == NULL)
      usage_error ("out of memory for the script payload", NULL);
    size_t sendFailures = 0;
    for (size_t k = 0; k < options -> scriptCount && ! disconnected; ++ k)
    {
        const ScriptEntry * entry = & options -> script [k];
        fill_payload (payload, entry -> size, (unsigned) k);
        ENetPacket * packet = enet_packet_create (payload, entry -> size, entry -> flags);
        if (enet_peer_send (peer, (enet_uint8) entry -> channel, packet) < 0)
        {
            enet_packet_destroy (packet);
            sendFailures ++;
        }
        if (options -> sendIntervalMs != 0)
          disconnected = service_client (host, options, & check, never_done, options -> sendIntervalMs, & disconnectData);
    }
    free (payload);
    printf ("{\"event\":\"sent\",\"count\":%zu,\"failures\":%zu,\"reliableExpected\":%zu,\"othersExpected\":%zu}\n",
            options -> scriptCount, sendFailures, check.reliableExpected, check.othersExpected);
    fflush (stdout);

    if (! disconnected)
      disconnected = service_client (host, options, & check, all_reliable_echoed, options -> timeoutMs, & disconnectData);
    if (! disconnected)
      disconnected = service_client (host, options, & check, never_done, options -> graceMs, & disconnectData);
    /* Read before disconnecting: libenet resets the peer (and its RTT) when the disconnect completes. */
    enet_uint32 roundTripTime = peer -> roundTripTime, roundTripTimeVariance = peer -> roundTripTimeVariance;
    enet_uint32 lowestRoundTripTime = peer -> lowestRoundTripTime;
    if (! disconnected && options -> expectKick)
      disconnected = service_client (host, options, & check, never_done, options -> timeoutMs, & disconnectData);
    else if (! disconnected)
    {
        enet_peer_disconnect (peer, options -> disconnectData);
        disconnected = service_client (host, options, & check, never_done, DISCONNECT_WAIT_MS, & disconnectData);
    }

    int ok = sendFailures == 0 && check.reliableReceived == check.reliableExpected && check.inOrder &&
             check.corrupt == 0 && check.duplicates == 0 && disconnected;
    printf ("{\"event\":\"result\",\"ok\":%s,\"reliableExpected\":%zu,\"reliableReceived\":%zu,\"othersExpected\":%zu,"
            "\"othersReceived\":%zu,\"corrupt\":%zu,\"duplicates\":%zu,\"inOrder\":%s,\"disconnected\":%s,\"disconnectData\":%u,\"packetThrottleMin\":%u,"
            "\"roundTripTime\":%u,\"roundTripTimeVariance\":%u,\"lowestRoundTripTime\":%u}\n",
            ok ? "true" : "false", check.reliableExpected, check.reliableReceived, check.othersExpected, check.othersReceived,
            check.corrupt, check.duplicates, check.inOrder ? "true" : "false", disconnected ? "true" : "false", disconnectData,
            check.packetThrottleMin, roundTripTime, roundTripTimeVariance, lowestRoundTripTime);
    fflush (stdout);
    for (size_t channel = 0; channel < 256; ++ channel)
      free (check.reliableOrder [channel]);
    enet_host_destroy (host);
    return ok ? 0 : 1;
}

int
main (int argc, char ** argv)
{
    static Options options;
    parse_options (& options, argc, argv);
    signal (SIGINT, on_signal);
    signal (SIGTERM, on_signal);
    if (enet_initialize () != 0)
      usage_error ("enet_initialize failed", NULL);
    int status = options.isServer ? run_server (& options) : run_client (& options);
    enet_deinitialize ();
    return status;
}
