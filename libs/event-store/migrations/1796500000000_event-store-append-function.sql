-- Up Migration

-- An append in one statement (issue 15). The append lock serializes every append and is held until commit; taken
-- from the client it was held across three round trips (the lookup, the insert, the commit), each waiting on the
-- appending process's event loop, so under load appends queued behind a lock whose holder was busy elsewhere.
-- Here the lock, the lookup and the insert run in one call: a statement sent alone commits as it ends, and the
-- lock is held for the server's own work only.
--
-- It inserts only when none of the ids is recorded yet and the stream's head satisfies the expected revision
-- ('any', 'no_stream', 'stream_exists' or a revision number). Otherwise it inserts nothing and returns what the
-- caller needs to tell a retry from a conflict: the head and every row already holding one of the ids (one row
-- with null ids when there are none), exactly as the lookup did.
CREATE FUNCTION event_store.append_events(
  p_stream text,
  p_expected text,
  p_ids uuid[],
  p_types text[],
  p_versions int[],
  p_data jsonb[],
  p_metadata jsonb[]
) RETURNS TABLE (written boolean, head_revision bigint, last_position bigint, event_id uuid, stream_id text, revision bigint, event_position bigint)
LANGUAGE plpgsql AS $$
DECLARE
  v_head bigint;
  v_last bigint;
BEGIN
  PERFORM event_store.lock_appends();
  -- Statements after the lock take a fresh snapshot (a volatile function, READ COMMITTED): they see every append
  -- committed before this one.
  SELECT max(e.revision) INTO v_head FROM event_store.events e WHERE e.stream_id = p_stream;
  IF NOT EXISTS (SELECT 1 FROM event_store.events e WHERE e.event_id = ANY (p_ids))
     AND (p_expected = 'any'
       OR (p_expected = 'no_stream' AND v_head IS NULL)
       OR (p_expected = 'stream_exists' AND v_head IS NOT NULL)
       OR (p_expected ~ '^[0-9]+$' AND v_head = p_expected::bigint)) THEN
    WITH inserted AS (
      INSERT INTO event_store.events (stream_id, revision, event_id, type, version, data, metadata)
      SELECT p_stream, coalesce(v_head, -1) + e.ord, e.id, e.type, e.version, e.data, e.metadata
      FROM unnest(p_ids, p_types, p_versions, p_data, p_metadata) WITH ORDINALITY AS e(id, type, version, data, metadata, ord)
      ORDER BY e.ord
      RETURNING events.position
    )
    SELECT max(inserted.position) INTO v_last FROM inserted;
    RETURN QUERY SELECT true, coalesce(v_head, -1) + cardinality(p_ids), v_last, NULL::uuid, NULL::text, NULL::bigint, NULL::bigint;
    RETURN;
  END IF;
  RETURN QUERY
    SELECT false, v_head, NULL::bigint, e.event_id, e.stream_id, e.revision, e.position
    FROM (SELECT 1) one LEFT JOIN event_store.events e ON e.event_id = ANY (p_ids);
END
$$;

-- Down Migration
DROP FUNCTION event_store.append_events(text, text, uuid[], text[], int[], jsonb[], jsonb[]);
