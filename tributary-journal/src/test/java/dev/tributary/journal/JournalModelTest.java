package dev.tributary.journal;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.OptionalLong;
import java.util.Random;
import java.util.stream.Stream;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.EnumSource;

/**
 * Model-based: random appends, deletes, purges, marks, replicator progress, stops and restarts on the
 * real broker and each store; after every step, every journal's {@code read(from)} and
 * {@code pointer()} equal the model's, through Journals with the head cache and without.
 * Seed: printed; replay with -Djournal.model.seed=N.
 */
class JournalModelTest {
  private static final int STEPS = 40;
  private static final List<String> IDS = List.of("alpha", "beta", "gamma", "delta");

  @ParameterizedTest
  @EnumSource(StoreKind.class)
  void readsAndPointersFollowTheModelThroughEveryStep(StoreKind store) throws Exception {
    long seed = Long.getLong("journal.model.seed", System.nanoTime());
    System.out.println("JournalModelTest on " + store + " seed: " + seed + " (replay with -Djournal.model.seed=" + seed + ")");
    Random random = new Random(seed);
    try (JournalWorld w = new JournalWorld(SharedServers.bootstrapServers(), store, 2)) {
      Journals plain = w.journals(false);
      Journals cached = w.journals(true);
      Map<String, Model> model = new HashMap<>();
      IDS.forEach(id -> model.put(id, new Model()));
      Replicator replicator = null;
      List<String> steps = new ArrayList<>();
      for (int step = 0; step < STEPS; step++) {
        String id = IDS.get(random.nextInt(IDS.size()));
        Journal journal = (random.nextBoolean() ? plain : cached).journal(id);
        Model m = model.get(id);
        int pick = random.nextInt(20);
        String did;
        if (pick < 8) {
          int n = 1 + random.nextInt(5);
          List<Event> events = new ArrayList<>();
          for (int k = 0; k < n; k++) events.add(new Event(m.seqNr + 1 + k, Payload.text(id + "-" + (m.seqNr + 1 + k) + "-" + step)));
          journal.append(events);
          m.events.addAll(events);
          m.seqNr += n;
          did = "append " + id + " " + events.getFirst().seqNr() + ".." + m.seqNr;
        } else if (pick < 11) {
          long to = 1 + random.nextInt((int) m.seqNr + 2);
          journal.delete(to);
          long d = Math.min(to, m.seqNr);
          m.events.removeIf(e -> e.seqNr() <= d);
          did = "delete " + id + " to " + to;
        } else if (pick < 12) {
          journal.purge();
          m.events.clear();
          m.seqNr = 0;
          did = "purge " + id;
        } else if (pick < 13) {
          journal.mark();
          did = "mark " + id;
        } else if (pick < 16) {
          if (replicator == null) replicator = w.replicator();
          w.awaitReplicated();
          did = "replicate";
        } else if (pick < 18) {
          if (replicator != null) replicator.close();
          replicator = null;
          did = "stop replicator";
        } else {
          if (replicator != null) replicator.close();
          replicator = w.replicator();
          did = "restart replicator";
        }
        steps.add(did);
        for (String check : IDS) {
          Model expected = model.get(check);
          long from = 1 + random.nextInt((int) expected.seqNr + 2);
          for (Journals journals : List.of(plain, cached)) {
            Journal j = journals.journal(check);
            String where = "seed " + seed + ", after steps " + steps + ", " + check + (journals == cached ? " (head cache)" : "");
            try (Stream<Event> read = j.read(from)) {
              assertThat(read.toList()).as("read(%d), %s", from, where)
                  .isEqualTo(expected.events.stream().filter(e -> e.seqNr() >= from).toList());
            }
            assertThat(j.pointer()).as("pointer, %s", where)
                .isEqualTo(expected.seqNr == 0 ? OptionalLong.empty() : OptionalLong.of(expected.seqNr));
          }
        }
      }
    }
  }

  private static final class Model {
    final List<Event> events = new ArrayList<>();
    long seqNr;
  }
}
