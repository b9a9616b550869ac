package dev.tributary.journal;

/**
 * What a journal's unreplicated Kafka head (the records after the store's pointer, up to a reader's
 * Mark) does to what the store holds, folded from the action headers alone (kafka-journal's HeadInfo).
 */
sealed interface HeadInfo {
  HeadInfo EMPTY = new Empty();

  /** Nothing for this journal in the head: the store is the whole truth. */
  record Empty() implements HeadInfo {}

  /** Only deletes: the store's events up to {@code to} are hidden. */
  record Delete(long to) implements HeadInfo {}

  /** The journal was purged and nothing appended since. */
  record Purge() implements HeadInfo {}

  /**
   * Appends from {@code offset} on, up to {@code seqNr}; events up to {@code deleteTo} are hidden; with
   * {@code afterPurge} the store's rows belong to a purged journal and are not read at all.
   */
  record Append(long offset, long seqNr, long deleteTo, boolean afterPurge) implements HeadInfo {}

  default HeadInfo apply(Action action, long offset) {
    return switch (action) {
      case Action.Mark m -> this;
      case Action.Purge p -> new Purge();
      case Action.Append a -> switch (this) {
        case Empty e -> new Append(offset, a.to(), 0, false);
        case Delete d -> new Append(offset, a.to(), d.to(), false);
        case Purge p -> new Append(offset, a.to(), 0, true);
        case Append h -> new Append(h.offset(), Math.max(h.seqNr(), a.to()), h.deleteTo(), h.afterPurge());
      };
      case Action.Delete d -> switch (this) {
        case Empty e -> new Delete(d.to());
        case Delete h -> new Delete(Math.max(h.to(), d.to()));
        case Purge p -> this;
        case Append h -> new Append(h.offset(), h.seqNr(), Math.max(h.deleteTo(), Math.min(d.to(), h.seqNr())), h.afterPurge());
      };
    };
  }
}
