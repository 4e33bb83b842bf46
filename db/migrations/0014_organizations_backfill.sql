-- Custom SQL migration file, put your code below! --
-- Issue #15: every organizer that is nobody's member yet becomes the owner of a one-member
-- organization of its own name, whose id is the organizer's id (so the mapping is plain and the
-- migration can run twice); its events and API keys move to it, keys keeping full power (owner).
INSERT INTO "organizations" ("id", "name", "created_at")
SELECT o."id", o."name", o."created_at" FROM "organizers" o
WHERE NOT EXISTS (SELECT 1 FROM "organization_members" m WHERE m."organizer_id" = o."id")
ON CONFLICT ("id") DO NOTHING;
--> statement-breakpoint
INSERT INTO "organization_members" ("organization_id", "organizer_id", "role", "created_at")
SELECT o."id", o."id", 'owner', o."created_at" FROM "organizers" o
WHERE NOT EXISTS (SELECT 1 FROM "organization_members" m WHERE m."organizer_id" = o."id")
ON CONFLICT DO NOTHING;
--> statement-breakpoint
UPDATE "events" e SET "organization_id" = (
  SELECT m."organization_id" FROM "organization_members" m
  WHERE m."organizer_id" = e."organizer_id" AND m."role" = 'owner'
  ORDER BY m."created_at", m."organization_id" LIMIT 1
) WHERE e."organization_id" IS NULL;
--> statement-breakpoint
UPDATE "organizer_api_keys" k SET "role" = 'owner', "organization_id" = (
  SELECT m."organization_id" FROM "organization_members" m
  WHERE m."organizer_id" = k."organizer_id" AND m."role" = 'owner'
  ORDER BY m."created_at", m."organization_id" LIMIT 1
) WHERE k."organization_id" IS NULL;
