package dev.tributary.journal;

import java.util.Collections;
import java.util.LinkedHashSet;
import java.util.Set;

/**
 * One event of a journal: its sequence number (from 1, no gaps), tags, and payload (null for none).
 * Tags keep the order they were given or decoded in, so a record re-encodes to the same bytes.
 */
public record Event(long seqNr, Set<String> tags, Payload payload) {
  public Event {
    if (seqNr < 1) throw new IllegalArgumentException("seqNr starts at 1, was " + seqNr);
    tags = Collections.unmodifiableSequencedSet(new LinkedHashSet<>(tags == null ? Set.of() : tags));
  }

  public Event(long seqNr, Payload payload) {
    this(seqNr, Set.of(), payload);
  }
}
