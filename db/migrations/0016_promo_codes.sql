CREATE TABLE "promo_codes" (
	"id" uuid PRIMARY KEY DEFAULT gen_random_uuid() NOT NULL,
	"event_id" uuid NOT NULL,
	"code" text NOT NULL,
	"percent_off" integer,
	"amount_off" bigint,
	"max_uses" integer NOT NULL,
	"valid_from" timestamp with time zone,
	"valid_until" timestamp with time zone,
	"tier_ids" uuid[],
	"unlocks_tier_id" uuid,
	"reserves" integer DEFAULT 0 NOT NULL,
	"counting_tier_id" uuid NOT NULL,
	"batch_id" uuid,
	"cancelled_at" timestamp with time zone,
	"created_at" timestamp with time zone DEFAULT now() NOT NULL,
	"updated_at" timestamp with time zone DEFAULT now() NOT NULL,
	CONSTRAINT "promo_codes_one_discount" CHECK (("promo_codes"."percent_off" IS NULL) <> ("promo_codes"."amount_off" IS NULL)),
	CONSTRAINT "promo_codes_percent_range" CHECK ("promo_codes"."percent_off" IS NULL OR "promo_codes"."percent_off" BETWEEN 0 AND 100),
	CONSTRAINT "promo_codes_amount_positive" CHECK ("promo_codes"."amount_off" IS NULL OR "promo_codes"."amount_off" >= 0),
	CONSTRAINT "promo_codes_max_uses_positive" CHECK ("promo_codes"."max_uses" >= 1),
	CONSTRAINT "promo_codes_reserves_range" CHECK ("promo_codes"."reserves" >= 0),
	CONSTRAINT "promo_codes_window" CHECK ("promo_codes"."valid_from" IS NULL OR "promo_codes"."valid_until" IS NULL OR "promo_codes"."valid_from" < "promo_codes"."valid_until")
);
--> statement-breakpoint
CREATE TABLE "promo_redemptions" (
	"order_id" uuid PRIMARY KEY NOT NULL,
	"promo_code_id" uuid NOT NULL,
	"counting_tier_id" uuid NOT NULL,
	"unit_discount" bigint NOT NULL,
	"created_at" timestamp with time zone DEFAULT now() NOT NULL
);
--> statement-breakpoint
ALTER TABLE "promo_codes" ADD CONSTRAINT "promo_codes_event_id_events_id_fk" FOREIGN KEY ("event_id") REFERENCES "public"."events"("id") ON DELETE no action ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "promo_codes" ADD CONSTRAINT "promo_codes_unlocks_tier_id_ticket_tiers_id_fk" FOREIGN KEY ("unlocks_tier_id") REFERENCES "public"."ticket_tiers"("id") ON DELETE no action ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "promo_codes" ADD CONSTRAINT "promo_codes_counting_tier_id_ticket_tiers_id_fk" FOREIGN KEY ("counting_tier_id") REFERENCES "public"."ticket_tiers"("id") ON DELETE no action ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "promo_redemptions" ADD CONSTRAINT "promo_redemptions_order_id_orders_id_fk" FOREIGN KEY ("order_id") REFERENCES "public"."orders"("id") ON DELETE no action ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "promo_redemptions" ADD CONSTRAINT "promo_redemptions_promo_code_id_promo_codes_id_fk" FOREIGN KEY ("promo_code_id") REFERENCES "public"."promo_codes"("id") ON DELETE no action ON UPDATE no action;--> statement-breakpoint
CREATE UNIQUE INDEX "promo_codes_event_code_key" ON "promo_codes" USING btree ("event_id","code");--> statement-breakpoint
CREATE INDEX "promo_codes_unlocks_idx" ON "promo_codes" USING btree ("unlocks_tier_id") WHERE "promo_codes"."unlocks_tier_id" IS NOT NULL;--> statement-breakpoint
CREATE INDEX "promo_redemptions_code_idx" ON "promo_redemptions" USING btree ("promo_code_id");