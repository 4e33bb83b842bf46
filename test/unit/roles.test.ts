import { describe, expect, it } from "vitest";
import { can, canGrant, isAction, isRole, leavesAnOwner, PERMISSIONS, ROLES, type Action, type Role } from "../../workers/domain/roles";

const actions = Object.keys(PERMISSIONS) as Action[];

describe("roles", () => {
  it("gives the owner every action and every role at least the organization and its events", () => {
    for (const action of actions) expect(can("owner", action)).toBe(true);
    for (const role of ROLES) {
      expect(can(role, "organization.read")).toBe(true);
      expect(can(role, "event.read")).toBe(true);
    }
  });

  it("keeps members and payouts with owners, and each other role to its job", () => {
    for (const role of ROLES.filter((r) => r !== "owner")) {
      expect(can(role, "member.manage")).toBe(false);
      expect(can(role, "payout.manage")).toBe(false);
    }
    expect(can("admin", "event.write") && can("admin", "order.refund") && can("admin", "api_key.manage")).toBe(true);
    expect(can("box_office", "order.refund") && can("box_office", "waitlist.read")).toBe(true);
    expect(can("box_office", "event.write") || can("box_office", "api_key.manage") || can("box_office", "webhook.manage")).toBe(false);
    // Finance only reads: no action of theirs changes anything.
    const financeWrites = actions.filter((a) => can("finance", a) && !/\.read$/.test(a));
    expect(financeWrites).toEqual([]);
    expect(can("finance", "report.read") && can("finance", "audit.read")).toBe(true);
    const doorActions = actions.filter((a) => can("door", a));
    expect(doorActions.sort()).toEqual(["door.manage", "door.read", "event.read", "organization.read"]);
  });

  it("never lets anyone grant more than they hold", () => {
    for (const granter of ROLES) {
      for (const role of ROLES) {
        if (!canGrant(granter, role)) continue;
        for (const action of actions) if (can(role, action)) expect(can(granter, action), `${granter} granting ${role}: ${action}`).toBe(true);
      }
    }
    expect(canGrant("admin", "owner")).toBe(false);
    expect(canGrant("admin", "box_office")).toBe(true);
    expect(canGrant("door", "finance")).toBe(false);
  });

  it("keeps an owner through every removal and role change", () => {
    const team = new Map<string, Role>([["ana", "owner"], ["bo", "admin"]]);
    expect(leavesAnOwner(team, { memberId: "ana", role: "removed" })).toBe(false);
    expect(leavesAnOwner(team, { memberId: "ana", role: "admin" })).toBe(false);
    expect(leavesAnOwner(team, { memberId: "bo", role: "removed" })).toBe(true);
    team.set("cy", "owner");
    expect(leavesAnOwner(team, { memberId: "ana", role: "removed" })).toBe(true);
  });

  it("recognises only its own names", () => {
    expect(isRole("box_office")).toBe(true);
    expect(isRole("superuser")).toBe(false);
    expect(isAction("order.refund")).toBe(true);
    expect(isAction("toString")).toBe(false);
  });
});

import { tierChanges } from "../../workers/domain/event-changes";

describe("tier changes for the audit log", () => {
  it("names each price and capacity move, each tier added or removed, and nothing else", () => {
    const before = [
      { tier_id: "a", name: "GA", price: 1000, capacity: 100 },
      { tier_id: "b", name: "VIP", price: 5000, capacity: 10 },
      { tier_id: "c", name: "Crew", price: 0, capacity: 5 },
    ];
    const after = [
      { tier_id: "a", name: "GA", price: 1200, capacity: 80 },
      { tier_id: "b", name: "VIP", price: 5000, capacity: 10 },
      { tier_id: "d", name: "Late", price: 1500, capacity: 20 },
    ];
    expect(tierChanges(before, after)).toEqual([
      { tier_id: "a", name: "GA", change: "updated", price: { from: 1000, to: 1200 }, capacity: { from: 100, to: 80 } },
      { tier_id: "d", name: "Late", change: "added", price: 1500, capacity: 20 },
      { tier_id: "c", name: "Crew", change: "removed" },
    ]);
    expect(tierChanges(before, before)).toEqual([]);
  });
});
