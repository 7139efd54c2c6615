/** Counters of the simulated DXLink server (tests assert on them, benches report them). */
export interface DxlinkStats {
  connections: number;
  openConnections: number;
  messagesIn: number;
  framesOut: number;
  /** UTF-16 length of the frames sent (≈ bytes: the protocol is ASCII JSON). */
  bytesOut: number;
  eventsOut: number;
  eventsByType: Record<string, number>;
  authFailures: number;
  /** FEED_SUBSCRIPTION add items received, and those for a (type, symbol) already subscribed on the channel. */
  subscriptionAdds: number;
  duplicateAdds: number;
  badActions: number;
  keepaliveTimeouts: number;
  /** Connections the server closed because a client frame was above the size limit (1009). */
  oversizeCloses: number;
  dropsInjected: number;
  freezesInjected: number;
  /** Scheduler ticks skipped for a connection because its send buffer was above the back-pressure mark. */
  backpressureSkips: number;
  upgradesRejected: number;
}

export function newDxlinkStats(): DxlinkStats {
  return {
    connections: 0,
    openConnections: 0,
    messagesIn: 0,
    framesOut: 0,
    bytesOut: 0,
    eventsOut: 0,
    eventsByType: {},
    authFailures: 0,
    subscriptionAdds: 0,
    duplicateAdds: 0,
    badActions: 0,
    keepaliveTimeouts: 0,
    oversizeCloses: 0,
    dropsInjected: 0,
    freezesInjected: 0,
    backpressureSkips: 0,
    upgradesRejected: 0,
  };
}
