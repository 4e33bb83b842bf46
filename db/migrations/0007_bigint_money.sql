ALTER TABLE "order_items" ALTER COLUMN "unit_price" SET DATA TYPE bigint;--> statement-breakpoint
ALTER TABLE "orders" ALTER COLUMN "amount" SET DATA TYPE bigint;--> statement-breakpoint
ALTER TABLE "payments" ALTER COLUMN "amount" SET DATA TYPE bigint;--> statement-breakpoint
ALTER TABLE "refunds" ALTER COLUMN "amount" SET DATA TYPE bigint;--> statement-breakpoint
ALTER TABLE "sales_daily" ALTER COLUMN "gross_amount" SET DATA TYPE bigint;--> statement-breakpoint
ALTER TABLE "sales_daily" ALTER COLUMN "refunded_amount" SET DATA TYPE bigint;--> statement-breakpoint
ALTER TABLE "sales_minutely" ALTER COLUMN "gross_amount" SET DATA TYPE bigint;--> statement-breakpoint
ALTER TABLE "sales_minutely" ALTER COLUMN "refunded_amount" SET DATA TYPE bigint;--> statement-breakpoint
ALTER TABLE "ticket_tiers" ALTER COLUMN "price" SET DATA TYPE bigint;