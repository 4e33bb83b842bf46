-- Custom SQL migration file, put your code below! --
-- The check-in log is evidence: who entered, when, from which device. Nothing may rewrite it.
CREATE FUNCTION checkins_append_only() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
  RAISE EXCEPTION 'checkins is append-only' USING ERRCODE = 'insufficient_privilege';
END;
$$;--> statement-breakpoint
CREATE TRIGGER checkins_no_update_or_delete
  BEFORE UPDATE OR DELETE ON checkins
  FOR EACH ROW EXECUTE FUNCTION checkins_append_only();
