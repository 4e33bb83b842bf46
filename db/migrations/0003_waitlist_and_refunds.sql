ALTER TABLE "refunds" DROP CONSTRAINT "refunds_amount_positive";--> statement-breakpoint
ALTER TABLE "waitlist_entries" ADD COLUMN "offer_seats" jsonb DEFAULT '[]'::jsonb NOT NULL;--> statement-breakpoint
ALTER TABLE "waitlist_entries" ADD COLUMN "notice_seq" integer DEFAULT 0 NOT NULL;--> statement-breakpoint
CREATE UNIQUE INDEX "waitlist_entries_one_active_per_attendee" ON "waitlist_entries" USING btree ("tier_id","attendee_id") WHERE "waitlist_entries"."status" IN ('waiting', 'offered');--> statement-breakpoint
ALTER TABLE "refunds" ADD CONSTRAINT "refunds_amount_nonnegative" CHECK ("refunds"."amount" >= 0);