/** Kafka Streams stage: deduplicate by event_id and reorder by capture time. */
package dev.tributary.refine;
