-- Up Migration

-- The usage projection reads the EVENTS stream with an ordered consumer from where it stopped (issue 15: several
-- events per transaction, one active instance): the stream sequence of the last message it applied is committed
-- with its position. NULL for a checkpoint written before: the projection then reads from the stream's start and
-- its position skips what was applied.
ALTER TABLE ingestion.projection_checkpoints ADD COLUMN stream_sequence bigint;

-- Down Migration

ALTER TABLE ingestion.projection_checkpoints DROP COLUMN stream_sequence;
