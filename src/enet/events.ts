// What a service call hands back (ENetEvent) and Godot's numbering of it.
import type { Packet, Peer } from './peer.js';

/** Godot's ENetConnection.EventType, with ENet's numbering shifted as Godot does (ERROR = -1). */
export const EventType = {
  EVENT_ERROR: -1,
  EVENT_NONE: 0,
  EVENT_CONNECT: 1,
  EVENT_DISCONNECT: 2,
  EVENT_RECEIVE: 3,
} as const;
export type EventType = (typeof EventType)[keyof typeof EventType];

/** One ENet event. `data` is the connect/disconnect data; `packet` and `channelID` are set for RECEIVE. */
export interface HostEvent {
  type: EventType;
  peer: Peer | null;
  channelID: number;
  data: number;
  packet: Packet | null;
}

export function noEvent(): HostEvent {
  return { type: EventType.EVENT_NONE, peer: null, channelID: 0, data: 0, packet: null };
}

/** Makes `event` blank again, as noEvent() makes a new one. */
export function clearEvent(event: HostEvent): void {
  event.type = EventType.EVENT_NONE;
  event.peer = null;
  event.channelID = 0;
  event.data = 0;
  event.packet = null;
}

/** The result of enet_host_service / enet_host_check_events: 1 event, 0 none, -1 error. */
export interface ServiceResult {
  result: 1 | 0 | -1;
  event: HostEvent;
}
