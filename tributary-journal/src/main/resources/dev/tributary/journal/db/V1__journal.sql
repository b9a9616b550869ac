-- The journal's read store, filled by the replicator (see docs/journal-format.md).

-- One row per replicated event still visible (deleted and purged events are removed).
CREATE TABLE journal (
  topic        text        NOT NULL,
  id           text        NOT NULL,
  seq_nr       bigint      NOT NULL,
  partition    integer     NOT NULL,
  kafka_offset bigint      NOT NULL,
  created      timestamptz NOT NULL,
  tags         text[]      NOT NULL,
  payload_type text,                 -- 'binary' | 'text' | 'json' | NULL (no payload)
  payload_txt  text,                 -- text, or the JSON text of a json payload
  payload_bin  bytea,
  metadata     jsonb,                -- the Append's metadata data
  headers      jsonb,                -- the Append's user Kafka headers
  PRIMARY KEY (topic, id, seq_nr)
);

-- One row per journal: what the replicator knows of it.
CREATE TABLE metajournal (
  topic           text        NOT NULL,
  id              text        NOT NULL,
  partition       integer     NOT NULL,
  kafka_offset    bigint      NOT NULL, -- offset of the last action applied
  seq_nr          bigint      NOT NULL, -- last sequence number appended
  delete_to       bigint,               -- events up to here are deleted
  expire_after_ms bigint,
  expire_on       timestamptz,          -- last append time + expireAfter: PurgeExpired purges it then
  created         timestamptz NOT NULL DEFAULT now(),
  updated         timestamptz NOT NULL DEFAULT now(),
  PRIMARY KEY (topic, id)
);
CREATE INDEX metajournal_expire_on ON metajournal (expire_on) WHERE expire_on IS NOT NULL;

-- Per topic partition, the offset of the last record whose effect is in the tables above.
CREATE TABLE pointer (
  topic        text        NOT NULL,
  partition    integer     NOT NULL,
  kafka_offset bigint      NOT NULL,
  updated      timestamptz NOT NULL DEFAULT now(),
  PRIMARY KEY (topic, partition)
);
