/** A Chukcha-compatible HTTP event bus, on local segments or on Kafka. */
package dev.tributary.bus;
