import { IdempotencyStore } from "./idempotency";
import { newId } from "./ids";
import type { TestCard } from "./payment-methods";
import type {
  BalanceTransaction,
  Charge,
  Dispute,
  PaymentIntent,
  PaymentMethod,
  Refund,
  StripeEvent,
} from "./shapes";

export interface StoredPaymentMethod {
  object: PaymentMethod;
  /** The test card behind it, which decides how charges on it turn out. */
  card: TestCard;
}

/**
 * Everything one secret key can see. Separate keys get separate accounts, as
 * separate Stripe accounts would: objects and idempotency keys never leak
 * between test suites that use different keys against one emulator.
 * Maps keep insertion order, which is creation order; lists rely on that.
 */
export class Account {
  readonly paymentIntents = new Map<string, PaymentIntent>();
  readonly charges = new Map<string, Charge>();
  readonly refunds = new Map<string, Refund>();
  readonly disputes = new Map<string, Dispute>();
  readonly paymentMethods = new Map<string, StoredPaymentMethod>();
  readonly balanceTransactions = new Map<string, BalanceTransaction>();
  readonly events = new Map<string, StripeEvent>();
  readonly idempotency = new IdempotencyStore();
  /** The Dashboard's default payment method configuration, quoted on PaymentIntents. */
  readonly paymentMethodConfigurationId = newId("pmc");
}

export class AccountRegistry {
  private readonly accounts = new Map<string, Account>();

  forKey(secretKey: string): Account {
    let account = this.accounts.get(secretKey);
    if (!account) {
      account = new Account();
      this.accounts.set(secretKey, account);
    }
    return account;
  }
}
