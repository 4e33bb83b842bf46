CREATE TYPE "public"."reconciliation_kind" AS ENUM('inventory_ahead', 'ledger_ahead');--> statement-breakpoint
CREATE TABLE "checkins_minutely" (
	"event_id" uuid NOT NULL,
	"minute" timestamp with time zone NOT NULL,
	"admitted" integer DEFAULT 0 NOT NULL,
	"undone" integer DEFAULT 0 NOT NULL,
	"rejected" integer DEFAULT 0 NOT NULL,
	"conflicts" integer DEFAULT 0 NOT NULL,
	CONSTRAINT "checkins_minutely_event_id_minute_pk" PRIMARY KEY("event_id","minute")
);
--> statement-breakpoint
CREATE TABLE "reconciliation_findings" (
	"id" uuid PRIMARY KEY DEFAULT gen_random_uuid() NOT NULL,
	"event_id" uuid NOT NULL,
	"tier_id" uuid NOT NULL,
	"kind" "reconciliation_kind" NOT NULL,
	"detail" jsonb NOT NULL,
	"runs" integer DEFAULT 1 NOT NULL,
	"found_at" timestamp with time zone DEFAULT now() NOT NULL,
	"last_seen_at" timestamp with time zone DEFAULT now() NOT NULL,
	"resolved_at" timestamp with time zone
);
--> statement-breakpoint
CREATE TABLE "sales_minutely" (
	"event_id" uuid NOT NULL,
	"tier_id" uuid NOT NULL,
	"minute" timestamp with time zone NOT NULL,
	"tickets_sold" integer DEFAULT 0 NOT NULL,
	"gross_amount" integer DEFAULT 0 NOT NULL,
	"refunded_amount" integer DEFAULT 0 NOT NULL,
	CONSTRAINT "sales_minutely_event_id_minute_tier_id_pk" PRIMARY KEY("event_id","minute","tier_id")
);
--> statement-breakpoint
CREATE TABLE "summary_refreshes" (
	"summary" text PRIMARY KEY NOT NULL,
	"refreshed_at" timestamp with time zone NOT NULL,
	"rebuilt_at" timestamp with time zone
);
--> statement-breakpoint
ALTER TABLE "checkins_minutely" ADD CONSTRAINT "checkins_minutely_event_id_events_id_fk" FOREIGN KEY ("event_id") REFERENCES "public"."events"("id") ON DELETE cascade ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "reconciliation_findings" ADD CONSTRAINT "reconciliation_findings_event_id_events_id_fk" FOREIGN KEY ("event_id") REFERENCES "public"."events"("id") ON DELETE cascade ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "reconciliation_findings" ADD CONSTRAINT "reconciliation_findings_tier_id_ticket_tiers_id_fk" FOREIGN KEY ("tier_id") REFERENCES "public"."ticket_tiers"("id") ON DELETE cascade ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "sales_minutely" ADD CONSTRAINT "sales_minutely_event_id_events_id_fk" FOREIGN KEY ("event_id") REFERENCES "public"."events"("id") ON DELETE cascade ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "sales_minutely" ADD CONSTRAINT "sales_minutely_tier_id_ticket_tiers_id_fk" FOREIGN KEY ("tier_id") REFERENCES "public"."ticket_tiers"("id") ON DELETE cascade ON UPDATE no action;--> statement-breakpoint
CREATE UNIQUE INDEX "reconciliation_findings_one_open" ON "reconciliation_findings" USING btree ("tier_id","kind") WHERE "reconciliation_findings"."resolved_at" IS NULL;--> statement-breakpoint
CREATE INDEX "reconciliation_findings_event_idx" ON "reconciliation_findings" USING btree ("event_id","found_at");