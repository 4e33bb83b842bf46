-- Orders made before names were kept per order: the name their tickets were signed with, else the
-- attendee's current name (the best left once a later registration may have overwritten it).
UPDATE "orders" o SET "attendee_name" = coalesce(
  (SELECT k."attendee_name" FROM "tickets" k WHERE k."order_id" = o."id" ORDER BY k."created_at" LIMIT 1),
  (SELECT a."name" FROM "attendees" a WHERE a."id" = o."attendee_id"))
WHERE o."attendee_name" IS NULL;--> statement-breakpoint
UPDATE "waitlist_entries" w SET "attendee_name" = (SELECT a."name" FROM "attendees" a WHERE a."id" = w."attendee_id")
WHERE w."attendee_name" IS NULL;
