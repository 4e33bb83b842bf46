import { eq } from "drizzle-orm";
import type { HttpDatabase } from "../client";
import { processedWebhookEvents } from "../schema";

export async function wasWebhookProcessed(db: HttpDatabase, eventId: string): Promise<boolean> {
  const rows = await db.select({ id: processedWebhookEvents.id }).from(processedWebhookEvents).where(eq(processedWebhookEvents.id, eventId)).limit(1);
  return rows.length > 0;
}

export async function markWebhookProcessed(db: HttpDatabase, eventId: string, type: string): Promise<void> {
  await db.insert(processedWebhookEvents).values({ id: eventId, type }).onConflictDoNothing();
}
