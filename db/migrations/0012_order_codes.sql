ALTER TABLE "orders" ADD COLUMN "order_code" text;--> statement-breakpoint
CREATE UNIQUE INDEX "orders_event_code_key" ON "orders" USING btree ("event_id","order_code") WHERE "orders"."order_code" IS NOT NULL;--> statement-breakpoint
CREATE INDEX "orders_attendee_idx" ON "orders" USING btree ("attendee_id","event_id","tier_id","created_at");