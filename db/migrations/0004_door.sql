ALTER TYPE "public"."checkin_result" ADD VALUE 'undone';--> statement-breakpoint
CREATE TABLE "checkin_lists" (
	"id" uuid PRIMARY KEY DEFAULT gen_random_uuid() NOT NULL,
	"event_id" uuid NOT NULL,
	"name" text NOT NULL,
	"tier_ids" jsonb,
	"is_main" boolean DEFAULT false NOT NULL,
	"created_at" timestamp with time zone DEFAULT now() NOT NULL
);
--> statement-breakpoint
ALTER TABLE "checkins" ADD COLUMN "tier_id" uuid;--> statement-breakpoint
ALTER TABLE "checkins" ADD COLUMN "checkin_list_id" uuid;--> statement-breakpoint
ALTER TABLE "checkins" ADD COLUMN "conflict" boolean DEFAULT false NOT NULL;--> statement-breakpoint
ALTER TABLE "checkins" ADD COLUMN "answer" text;--> statement-breakpoint
ALTER TABLE "events" ADD COLUMN "doors_open_minutes_before" integer DEFAULT 360 NOT NULL;--> statement-breakpoint
ALTER TABLE "scanner_devices" ADD COLUMN "checkin_list_id" uuid;--> statement-breakpoint
ALTER TABLE "scanner_devices" ADD COLUMN "last_seen_at" timestamp with time zone;--> statement-breakpoint
ALTER TABLE "checkin_lists" ADD CONSTRAINT "checkin_lists_event_id_events_id_fk" FOREIGN KEY ("event_id") REFERENCES "public"."events"("id") ON DELETE cascade ON UPDATE no action;--> statement-breakpoint
CREATE INDEX "checkin_lists_event_idx" ON "checkin_lists" USING btree ("event_id");--> statement-breakpoint
CREATE UNIQUE INDEX "checkin_lists_one_main_per_event" ON "checkin_lists" USING btree ("event_id") WHERE "checkin_lists"."is_main";--> statement-breakpoint
ALTER TABLE "scanner_devices" ADD CONSTRAINT "scanner_devices_checkin_list_id_checkin_lists_id_fk" FOREIGN KEY ("checkin_list_id") REFERENCES "public"."checkin_lists"("id") ON DELETE no action ON UPDATE no action;--> statement-breakpoint
CREATE INDEX "scanner_devices_event_idx" ON "scanner_devices" USING btree ("event_id");--> statement-breakpoint
ALTER TABLE "events" ADD CONSTRAINT "events_doors_open_range" CHECK ("events"."doors_open_minutes_before" BETWEEN 0 AND 10080);