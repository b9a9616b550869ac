/** Event sourcing on Kafka (kafka-journal wire format) with a PostgreSQL read store. */
package dev.tributary.journal;
