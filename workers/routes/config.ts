/**
 * `GET /api/v1/config`: what the pages need to know about this deployment. Today: how the checkout
 * takes payment — Stripe's Payment Element with the publishable key in production, the Stripe
 * emulator's test methods locally. Either way the page ends at the same POST /orders/{id}/pay.
 */
import { Hono } from "hono";
import type { AppEnv } from "../context";

/** The emulator's test methods the local checkout offers (dev/stripe-emulator/payment-methods.ts). */
const TEST_METHODS = [
  { id: "pm_card_visa", label: "Visa •••• 4242 (succeeds)" },
  { id: "pm_card_mastercard", label: "Mastercard •••• 4444 (succeeds)" },
  { id: "pm_card_chargeDeclined", label: "Card declined" },
  { id: "pm_card_chargeDeclinedInsufficientFunds", label: "Insufficient funds" },
];

export const configRoutes = new Hono<AppEnv>().get("/", (c) => {
  c.header("Cache-Control", "public, max-age=300");
  const key = c.env.STRIPE_PUBLISHABLE_KEY;
  return c.json({
    payments: key ? { mode: "payment_element" as const, publishable_key: key } : { mode: "test_methods" as const, test_methods: TEST_METHODS },
  });
});
