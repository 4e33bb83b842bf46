/**
 * Password reset by mail: `POST /password-resets {email}` always answers 202 alike (whether the
 * email has an account is nobody's business), `POST /password-resets/{token} {password}` sets the
 * new password once and signs out every session.
 */
import { Hono } from "hono";
import { z } from "zod";
import { clientAddress } from "../client-address";
import type { AppEnv } from "../context";
import { requestPasswordReset, resetPassword } from "../use-cases/password-reset";
import { validate } from "../validation";

const requestBody = z.object({ email: z.string().trim().min(1).max(254) }).strict();
const resetBody = z.object({ password: z.string().min(10, "Use at least 10 characters.").max(200) }).strict();
const resetParams = z.object({ token: z.string().min(1).max(200) });

export const passwordResetRoutes = new Hono<AppEnv>()
  .post("/password-resets", validate("json", requestBody), async (c) => {
    await requestPasswordReset(c.env, c.get("db"), c.req.valid("json").email, clientAddress(c), new Date());
    return c.json({ message: "If an organizer account uses this email, a link to set a new password is on its way." }, 202);
  })
  .post("/password-resets/:token", validate("param", resetParams), validate("json", resetBody), async (c) => {
    const changed = await resetPassword(c.get("db"), c.req.valid("param").token, c.req.valid("json").password);
    return c.json({ organizer_id: changed.organizerId, email: changed.email });
  });
