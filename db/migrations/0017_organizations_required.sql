ALTER TABLE "organizer_api_keys" ALTER COLUMN "organization_id" SET NOT NULL;--> statement-breakpoint
ALTER TABLE "organizer_api_keys" ALTER COLUMN "role" SET NOT NULL;--> statement-breakpoint
ALTER TABLE "events" ALTER COLUMN "organization_id" SET NOT NULL;