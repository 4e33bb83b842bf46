ALTER TABLE "orders" ALTER COLUMN "attendee_name" SET NOT NULL;--> statement-breakpoint
ALTER TABLE "waitlist_entries" ALTER COLUMN "attendee_name" SET NOT NULL;