package dev.governor.cluster;

/**
 * Marker of the messages that cross the network between trainer and controller nodes; they are
 * serialized by {@link WireSerializer} (bound to this interface in the node configuration), which
 * keeps every double bit for bit.
 */
public interface WireMessage {}
